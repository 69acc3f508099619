/* global document, window, sessionStorage, fetch, uPlot */
// Arbiter dashboard: reads GET /v1/stats/overview and /v1/stats/decisions with the API key kept in
// sessionStorage (this tab only) and draws them with uPlot (served from the npm package, no CDN).
// After every render <body data-state="ready"> is set and window.arbiterDashboard describes what
// was drawn (the browser test reads both).
'use strict';

const KEY_STORAGE = 'arbiter.apiKey';
const REFRESH_MS = 30_000;
const COLORS = [
  '#2f6fdf',
  '#e0671f',
  '#2a9d5b',
  '#b8324f',
  '#7a4fd0',
  '#a07a13',
  '#1b8a9a',
  '#d04fa8',
  '#5b6478',
  '#6e9b1f',
  '#c2410c',
  '#0f766e',
];
const STATE_LEVEL = { closed: 0, half_open: 1, open: 2 };
const RANKING_SHOWN = 3;
const PROMPT_SHOWN = 160;
/** Width of value axes, px (room for labels like `$0.0150` and `half-open`). */
const AXIS_SIZE = 72;

const $ = (id) => document.getElementById(id);
const charts = new Map();
const state = { overview: null, decisions: null, timer: null };
window.arbiterDashboard = { charts: {}, overview: null, decisions: null };

function usd(value) {
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;
}
function pct(value) {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}
function fixed(value, digits) {
  return value === null ? 'n/a' : value.toFixed(digits);
}

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

/** Draw (or redraw) one uPlot chart; records how many series and points it got. */
function draw(id, options, data) {
  const element = $(id);
  charts.get(id)?.destroy();
  element.textContent = '';
  const width = Math.max(320, element.clientWidth || 560);
  const chart = new uPlot({ width, height: 240, ...options }, data, element);
  charts.set(id, chart);
  const points = data
    .slice(1)
    .reduce((sum, column) => sum + column.filter((v) => v !== null && v !== undefined).length, 0);
  window.arbiterDashboard.charts[id] = { series: data.length - 1, points };
}

function timeSeriesChart(id, overview, series, axes = {}) {
  const x = overview.series.buckets.map((ms) => ms / 1000);
  draw(
    id,
    {
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? COLORS[i % COLORS.length],
          width: 1.5,
          spanGaps: true,
          scale: s.scale ?? 'y',
          ...(s.dash === undefined ? {} : { dash: s.dash }),
        })),
      ],
      axes: [
        {},
        { scale: 'y', size: AXIS_SIZE, ...(axes.y ?? {}) },
        ...(axes.y2 === undefined
          ? []
          : [{ scale: 'usd', side: 1, size: AXIS_SIZE, grid: { show: false }, ...axes.y2 }]),
      ],
      scales: { x: { time: true }, ...(axes.scales ?? {}) },
    },
    [x, ...series.map((s) => s.values)],
  );
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

function renderCircuits(overview) {
  const since = Date.parse(overview.window.since);
  const until = Date.parse(overview.window.until);
  const events = overview.circuits.events.filter((e) => e.scope === 'model');
  const models = [...new Set(events.map((e) => e.target))].sort();
  const times = [
    ...new Set([since, until, ...events.filter((e) => e.at_ms >= since).map((e) => e.at_ms)]),
  ].sort((a, b) => a - b);
  const columns = models.map((model) => {
    const own = events.filter((e) => e.target === model);
    const before = own.filter((e) => e.at_ms < since).at(-1);
    const inside = own.filter((e) => e.at_ms >= since);
    let current = before?.to ?? inside[0]?.from ?? 'closed';
    let next = 0;
    return times.map((t) => {
      while (next < inside.length && inside[next].at_ms <= t) current = inside[next++].to;
      return STATE_LEVEL[current] ?? 0;
    });
  });
  draw(
    'chart-circuits',
    {
      series: [
        {},
        ...models.map((model, i) => ({
          label: model,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          paths: uPlot.paths.stepped({ align: 1 }),
        })),
      ],
      scales: { x: { time: true }, y: { range: [-0.2, 2.2] } },
      axes: [
        {},
        {
          size: AXIS_SIZE,
          splits: () => [0, 1, 2],
          values: (u, splits) => splits.map((v) => ['closed', 'half-open', 'open'][v] ?? ''),
        },
      ],
    },
    [times.map((t) => t / 1000), ...columns],
  );
}

function renderBudgets(overview) {
  const budgets = overview.budgets;
  const names = budgets.map((b) => b.tenant);
  const bars = (align) => uPlot.paths.bars({ size: [0.35, 80], align });
  const x = names.map((_, i) => i);
  draw(
    'chart-budget',
    {
      series: [
        {},
        {
          label: 'spent today',
          fill: '#2f6fdfcc',
          stroke: '#2f6fdf',
          paths: bars(-1),
          points: { show: false },
        },
        {
          label: 'daily budget',
          stroke: '#1d2433',
          width: 1,
          dash: [4, 3],
          paths: bars(-1),
          points: { show: false },
        },
        {
          label: 'spent this month',
          fill: '#e0671fcc',
          stroke: '#e0671f',
          paths: bars(1),
          points: { show: false },
        },
        {
          label: 'monthly budget',
          stroke: '#1d2433',
          width: 1,
          dash: [4, 3],
          paths: bars(1),
          points: { show: false },
        },
      ],
      scales: {
        x: { time: false, range: [-0.6, Math.max(names.length - 0.4, 0.6)] },
        y: { range: (u, min, max) => [0, Math.max(max, 1e-6) * 1.1] },
      },
      axes: [
        { splits: () => x, values: (u, splits) => splits.map((i) => names[i] ?? '') },
        { size: AXIS_SIZE, values: (u, splits) => splits.map((v) => usd(v)) },
      ],
    },
    [
      x,
      budgets.map((b) => b.day.spent_usd),
      budgets.map((b) => b.day.budget_usd),
      budgets.map((b) => b.month.spent_usd),
      budgets.map((b) => b.month.budget_usd),
    ],
  );
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
