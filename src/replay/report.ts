/**
 * The contents of the files `arbiter replay` writes: JSON (machine-readable, with seed and
 * parameters), Markdown tables and SVG plots.
 */
import { cumulative, lineChart, movingAverage, type PrequentialResult } from '../bandit/index.js';

/** JSON with typed arrays as plain arrays and numbers rounded to 6 significant digits. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView))
        return Array.from(v as unknown as ArrayLike<number>);
      if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v))
        return Number(v.toPrecision(6));
      return v;
    },
    2,
  )}\n`;
}

/** Cumulative regret of the bandit and the offline router against the oracle (SVG). */
export function regretChart(
  title: string,
  result: PrequentialResult,
  markers: { x: number; label: string }[] = [],
): string {
  const gap = (values: Float64Array): Float64Array =>
    Float64Array.from(values, (v, t) => (result.oracleReward[t] as number) - v);
  return lineChart({
    title,
    xLabel: 'requests',
    yLabel: 'cumulative regret vs oracle (reward units)',
    series: [
      { name: `bandit (${result.models.length} arms)`, values: cumulative(gap(result.reward)) },
      { name: 'offline router', values: cumulative(gap(result.offlineReward)), dashed: true },
    ],
    markers,
  });
}

/** Moving-average quality and cost per request of bandit, offline router and oracle (SVG). */
export function qualityChart(options: {
  readonly title: string;
  readonly result: PrequentialResult;
  readonly quality: { readonly offline: Float64Array; readonly oracle: Float64Array };
  readonly window: number;
  readonly markers?: { x: number; label: string }[];
}): string {
  const { result, window } = options;
  return lineChart({
    title: options.title,
    xLabel: 'requests',
    yLabel: `quality (moving average over ${window})`,
    series: [
      { name: 'bandit', values: movingAverage(result.quality, window) },
      {
        name: 'offline router',
        values: movingAverage(options.quality.offline, window),
        dashed: true,
      },
      { name: 'oracle', values: movingAverage(options.quality.oracle, window), dashed: true },
    ],
    ...(options.markers === undefined ? {} : { markers: options.markers }),
  });
}

/** Traffic share of some models over time (moving average of indicator), SVG. */
export function shareChart(options: {
  readonly title: string;
  readonly choices: ArrayLike<number>;
  readonly models: readonly { readonly index: number; readonly name: string }[];
  readonly window: number;
  readonly markers?: { x: number; label: string }[];
}): string {
  return lineChart({
    title: options.title,
    xLabel: 'requests',
    yLabel: `traffic share (moving average over ${options.window})`,
    series: options.models.map((m) => ({
      name: m.name,
      values: movingAverage(
        Float64Array.from(options.choices, (c) => (c === m.index ? 1 : 0)),
        options.window,
      ),
    })),
    ...(options.markers === undefined ? {} : { markers: options.markers }),
  });
}

/** A Markdown table. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cell = (v: string | number): string => (typeof v === 'number' ? formatNumber(v) : v);
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** 4 significant digits, scientific below 1e-3. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}
