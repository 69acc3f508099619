/* global document, window, sessionStorage, fetch */
// Arbiter dashboard: reads GET /v1/stats/overview and /v1/stats/decisions with the API key kept in
// sessionStorage (this tab only) and draws them with uPlot (served from the npm package, no CDN)
// through charts.js.
// After every render <body data-state="ready"> is set and window.arbiterDashboard describes what
// was drawn (the browser test reads both).
'use strict';

const KEY_STORAGE = 'arbiter.apiKey';
const REFRESH_MS = 30_000;
const RANKING_SHOWN = 3;
const PROMPT_SHOWN = 160;

const { $, usd, pct, fixed, timeSeriesChart, renderCircuits, renderBudgets } = window.arbiterCharts;
const state = { overview: null, decisions: null, timer: null };
window.arbiterDashboard = { charts: {}, overview: null, decisions: null };

async function api(path) {
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE) ?? ''}` },
  });
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error?.message ?? `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function setKpi(name, value, text) {
  const element = document.querySelector(`[data-testid="kpi-${name}"]`);
  element.dataset.value = value === null ? '' : String(value);
  element.textContent = text;
}

function renderKpis(totals) {
  setKpi('decisions', totals.decisions, String(totals.decisions));
  setKpi('quality', totals.quality_mean, fixed(totals.quality_mean, 3));
  setKpi('estimated', totals.estimated_cost_usd, usd(totals.estimated_cost_usd));
  setKpi('counterfactual', totals.counterfactual_cost_usd, usd(totals.counterfactual_cost_usd));
  setKpi('savings', totals.savings_usd, usd(totals.savings_usd));
  setKpi('reported', totals.reported_cost_usd, usd(totals.reported_cost_usd));
  setKpi('exploration', totals.exploration_rate, pct(totals.exploration_rate));
  setKpi('errors', totals.error_rate, pct(totals.error_rate));
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className !== undefined) td.className = className;
  row.append(td);
  return td;
}

function renderModels(overview) {
  const body = $('models').querySelector('tbody');
  body.textContent = '';
  for (const m of overview.by_model) {
    const row = document.createElement('tr');
    row.dataset.model = m.model;
    cell(row, m.model);
    cell(row, String(m.decisions), 'num').dataset.field = 'decisions';
    cell(row, pct(m.traffic_share), 'num');
    cell(row, fixed(m.quality_mean, 3), 'num');
    cell(row, `${m.errors} (${pct(m.error_rate)})`, 'num');
    cell(row, fixed(m.latency_p50_ms, 0), 'num');
    cell(row, fixed(m.latency_p95_ms, 0), 'num');
    cell(row, usd(m.estimated_cost_usd), 'num');
    cell(row, usd(m.reported_cost_usd), 'num');
    body.append(row);
  }
}

function renderDecisions(list) {
  const body = $('decisions').querySelector('tbody');
  body.textContent = '';
  document.querySelectorAll('.prompt-col').forEach((el) => {
    el.hidden = !list.prompt_storage;
  });
  for (const d of list.data) {
    const row = document.createElement('tr');
    row.dataset.decisionId = d.id;
    row.dataset.tenant = d.tenant;
    cell(row, d.created_at.replace('T', ' ').slice(0, 19));
    cell(row, d.tenant);
    cell(row, d.explored ? `${d.model} (explored)` : d.model, d.explored ? 'explored' : undefined);
    // The top of the ranking (the fallback order); the full list is in the cell's title.
    const ranking = d.ranking.map(
      (r, i) =>
        `${i + 1}. ${r.model} ${r.predicted_quality.toFixed(2)} / ${usd(r.estimated_cost_usd)}`,
    );
    const top = ranking.slice(0, RANKING_SHOWN);
    if (ranking.length > RANKING_SHOWN) top.push(`+${ranking.length - RANKING_SHOWN} more`);
    const rankingCell = cell(row, top.join('\n'));
    rankingCell.style.whiteSpace = 'pre-line';
    rankingCell.title = ranking.join('\n');
    cell(row, d.excluded.map((e) => `${e.model}: ${e.reason}`).join('\n')).style.whiteSpace =
      'pre-line';
    cell(
      row,
      d.error_class !== null
        ? `error: ${d.error_class}`
        : d.quality === null
          ? ''
          : `quality ${d.quality.toFixed(2)}`,
    );
    const text = d.prompt ?? '';
    const prompt = cell(
      row,
      text.length > PROMPT_SHOWN ? `${text.slice(0, PROMPT_SHOWN)}…` : text,
      'prompt-col',
    );
    prompt.title = text;
    prompt.hidden = !list.prompt_storage;
    body.append(row);
  }
}

function render(overview, decisions) {
  $('scope').textContent = overview.tenant === null ? 'all tenants' : `tenant ${overview.tenant}`;
  $('scope').dataset.tenant = overview.tenant ?? '';
  renderKpis(overview.totals);
  const models = overview.series.by_model;
  timeSeriesChart(
    'chart-traffic',
    overview,
    models.map((m) => ({ label: m.model, values: m.traffic_share })),
    { y: { values: (u, splits) => splits.map((v) => pct(v)) }, scales: { y: { range: [0, 1] } } },
  );
  const total = overview.series.total;
  // Buckets without decisions have no cost to draw (not a cost of 0).
  const whereDecided = (values) => values.map((v, i) => (total.decisions[i] > 0 ? v : null));
  timeSeriesChart(
    'chart-quality-cost',
    overview,
    [
      { label: 'quality', values: total.quality_mean, color: '#2a9d5b' },
      {
        label: 'estimated cost',
        values: whereDecided(total.estimated_cost_usd),
        color: '#2f6fdf',
        scale: 'usd',
      },
      {
        label: 'best-quality cost',
        values: whereDecided(total.counterfactual_cost_usd),
        color: '#b8324f',
        scale: 'usd',
        dash: [5, 4],
      },
      {
        label: 'saved',
        values: whereDecided(total.savings_usd),
        color: '#e0671f',
        scale: 'usd',
      },
    ],
    {
      y: { values: (u, splits) => splits.map((v) => v.toFixed(2)) },
      y2: { values: (u, splits) => splits.map((v) => usd(v)) },
      scales: { y: { range: [0, 1] } },
    },
  );
  timeSeriesChart(
    'chart-latency',
    overview,
    models.map((m) => ({ label: m.model, values: m.latency_p95_ms })),
  );
  timeSeriesChart(
    'chart-errors',
    overview,
    models.map((m) => ({ label: m.model, values: m.error_rate })),
    { y: { values: (u, splits) => splits.map((v) => pct(v)) } },
  );
  renderCircuits(overview);
  renderBudgets(overview);
  renderModels(overview);
  renderDecisions(decisions);
  window.arbiterDashboard.overview = overview;
  window.arbiterDashboard.decisions = decisions;
  document.body.dataset.state = 'ready';
}

async function load() {
  document.body.dataset.state = 'loading';
  const window_ = $('window').value;
  try {
    const [overview, decisions] = await Promise.all([
      api(`/v1/stats/overview?window=${encodeURIComponent(window_)}`),
      api('/v1/stats/decisions?limit=25'),
    ]);
    state.overview = overview;
    render(overview, decisions);
  } catch (error) {
    if (error.status === 401 || error.status === 403) lock(error.message);
    else {
      $('error').textContent = error.message;
      document.body.dataset.state = 'error';
    }
  }
}

function lock(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  window.clearInterval(state.timer);
  $('main').hidden = true;
  $('login').hidden = false;
  $('error').textContent = message ?? '';
  document.body.dataset.state = 'locked';
}

function unlock() {
  $('login').hidden = true;
  $('main').hidden = false;
  window.clearInterval(state.timer);
  state.timer = window.setInterval(() => void load(), REFRESH_MS);
  void load();
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $('key').value.trim());
  $('key').value = '';
  unlock();
});
$('logout').addEventListener('click', () => lock());
$('refresh').addEventListener('click', () => void load());
$('window').addEventListener('change', () => void load());
if (sessionStorage.getItem(KEY_STORAGE)) unlock();
