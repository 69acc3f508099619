/* global document, window, uPlot */
// Arbiter dashboard, chart half: formatting helpers and the uPlot charts (traffic, quality and
// cost, latency, errors, circuit states, spend vs budget), exposed as window.arbiterCharts.
// Loaded before dashboard.js, which fetches the stats and calls these; every chart drawn is
// recorded in window.arbiterDashboard.charts.
'use strict';

(() => {
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
  /** Width of value axes, px (room for labels like `$0.0150` and `half-open`). */
  const AXIS_SIZE = 72;

  const $ = (id) => document.getElementById(id);
  const charts = new Map();

  function usd(value) {
    return `$${value.toFixed(value !== 0 && Math.abs(value) < 1 ? 4 : 2)}`;
  }
  function pct(value) {
    return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
  }
  function fixed(value, digits) {
    return value === null ? 'n/a' : value.toFixed(digits);
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

  window.arbiterCharts = { $, usd, pct, fixed, timeSeriesChart, renderCircuits, renderBudgets };
})();
