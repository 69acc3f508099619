/**
 * A minimal SVG line chart (no dependencies) for replay reports: several named series over a shared
 * x axis, optional vertical markers (the step where a scenario changes). Series are thinned to at most
 * `maxPoints` points each so files stay small.
 */

/** One line. */
export interface ChartSeries {
  readonly name: string;
  /** y value per x (x = index × xStep + xStart). */
  readonly values: ArrayLike<number>;
  /** CSS colour. @default from a fixed palette */
  readonly color?: string;
  /** Dashed line. @default false */
  readonly dashed?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** x of the first value. @default 1 */
  readonly xStart?: number;
  /** Vertical markers at these x values, with labels. */
  readonly markers?: readonly { readonly x: number; readonly label: string }[];
  /** @default 720 */
  readonly width?: number;
  /** @default 400 */
  readonly height?: number;
  /** @default 400 */
  readonly maxPoints?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/gu, (c) => `&#${c.charCodeAt(0)};`);
}

function tickValues(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step =
    [1, 2, 5, 10].map((f) => f * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-12; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Render the chart as an SVG document string. */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? 720;
  const height = options.height ?? 400;
  const maxPoints = options.maxPoints ?? 400;
  const xStart = options.xStart ?? 1;
  const margin = { left: 70, right: 170, top: 36, bottom: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const length = Math.max(...options.series.map((s) => s.values.length), 1);
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  for (const s of options.series) {
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i] as number;
      if (Number.isFinite(v)) {
        yMin = Math.min(yMin, v);
        yMax = Math.max(yMax, v);
      }
    }
  }
  if (!Number.isFinite(yMin)) {
    yMin = 0;
    yMax = 1;
  }
  if (yMax === yMin) yMax = yMin + 1;
  const xMax = xStart + length - 1;
  const sx = (x: number): number =>
    margin.left + ((x - xStart) / Math.max(xMax - xStart, 1)) * plotW;
  const sy = (y: number): number => margin.top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left}" y="20" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  for (const y of tickValues(yMin, yMax, 6)) {
    parts.push(
      `<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${margin.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${y}</text>`,
    );
  }
  for (const x of tickValues(xStart, xMax, 8)) {
    parts.push(
      `<text x="${sx(x).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle">${x}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  for (const marker of options.markers ?? []) {
    const x = sx(marker.x).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${margin.top + plotH}" stroke="#888" stroke-dasharray="4 3"/>`,
      `<text x="${x}" y="${margin.top - 4}" text-anchor="middle" fill="#555">${escapeXml(marker.label)}</text>`,
    );
  }
  options.series.forEach((s, index) => {
    const color = s.color ?? PALETTE[index % PALETTE.length];
    const stride = Math.max(1, Math.ceil(s.values.length / maxPoints));
    const points: string[] = [];
    for (let i = 0; i < s.values.length; i += stride) {
      const v = s.values[i] as number;
      if (Number.isFinite(v)) points.push(`${sx(xStart + i).toFixed(1)},${sy(v).toFixed(1)}`);
    }
    const last = s.values.length - 1;
    if (last >= 0 && last % stride !== 0 && Number.isFinite(s.values[last])) {
      points.push(`${sx(xStart + last).toFixed(1)},${sy(s.values[last] as number).toFixed(1)}`);
    }
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.6"${s.dashed === true ? ' stroke-dasharray="6 3"' : ''} points="${points.join(' ')}"/>`,
      `<line x1="${width - margin.right + 12}" x2="${width - margin.right + 32}" y1="${margin.top + 10 + 18 * index}" y2="${margin.top + 10 + 18 * index}" stroke="${color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 3"' : ''}/>`,
      `<text x="${width - margin.right + 38}" y="${margin.top + 14 + 18 * index}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Trailing moving average over `window` values (shorter at the start). */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  const out = new Float64Array(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i] as number;
    if (i >= window) total -= values[i - window] as number;
    out[i] = total / Math.min(i + 1, window);
  }
  return out;
}
