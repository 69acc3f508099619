/**
 * Hand-written SVG line/scatter charts (no dependency): axes with ticks, labels, a legend, optional
 * log-scale x. Enough for the cost-quality frontier and the PGR curve.
 */

/** One plotted series. */
export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** `line` joins points in x order; `points` draws markers only. @default 'line' */
  readonly style?: 'line' | 'points' | 'dashed';
}

/** Chart options. */
export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Log10 x axis (costs span orders of magnitude). @default false */
  readonly logX?: boolean;
  /** Format of x tick labels. */
  readonly formatX?: (x: number) => string;
  readonly formatY?: (y: number) => string;
  /** @default 860 */
  readonly width?: number;
  /** @default 520 */
  readonly height?: number;
}

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#393b79',
  '#637939',
  '#8c6d31',
  '#843c39',
  '#7b4173',
  // Enough distinct colours for a full frontier legend (routers, baselines, 11 models, hull).
  '#5254a3',
  '#b5cf6b',
  '#e7ba52',
  '#ad494a',
  '#a55194',
  '#6b6ecf',
  '#000000',
];

function escapeXml(text: string): string {
  return text
    .replace(/&/gu, '&amp;')
    .replace(/</gu, '&lt;')
    .replace(/>/gu, '&gt;')
    .replace(/"/gu, '&quot;');
}

function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const factor = [1, 2, 5, 10].find((f) => span / (f * step) <= count) ?? 10;
  const size = factor * step;
  const out: number[] = [];
  for (let v = Math.ceil(min / size) * size; v <= max + size * 1e-9; v += size)
    out.push(Number(v.toPrecision(12)));
  return out;
}

/** Render a chart as an SVG document string. */
export function renderChart(options: ChartOptions): string {
  const width = options.width ?? 860;
  const height = options.height ?? 520;
  const margin = { left: 80, right: 250, top: 40, bottom: 60 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const logX = options.logX ?? false;
  const tx = (x: number): number => (logX ? Math.log10(Math.max(x, 1e-12)) : x);
  const all = options.series
    .flatMap((s) => s.points)
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = all.map((p) => tx(p.x));
  const ys = all.map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (!(x1 > x0)) [x0, x1] = [x0 - 1, x1 + 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y1 + 1];
  const padX = (x1 - x0) * 0.04;
  const padY = (y1 - y0) * 0.06;
  [x0, x1, y0, y1] = [x0 - padX, x1 + padX, y0 - padY, y1 + padY];
  const px = (x: number): number => margin.left + ((tx(x) - x0) / (x1 - x0)) * plotW;
  const py = (y: number): number => margin.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const formatX = options.formatX ?? ((x: number) => x.toPrecision(3));
  const formatY = options.formatY ?? ((y: number) => y.toPrecision(3));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left + plotW / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(options.title)}</text>`,
  ];
  const decades = Array.from(
    { length: Math.floor(x1) - Math.floor(x0) + 1 },
    (_, i) => 10 ** (Math.floor(x0) + i),
  );
  // Few decades: add 2× and 5× ticks so a log axis still has several labels.
  const xTicks = logX
    ? (decades.length < 4 ? decades.flatMap((d) => [d, 2 * d, 5 * d]) : decades).filter(
        (tick) => Math.log10(tick) >= x0 && Math.log10(tick) <= x1,
      )
    : niceTicks(x0, x1, 8);
  for (const tick of xTicks) {
    const x = Number(px(tick).toFixed(1));
    parts.push(
      `<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${margin.top + plotH}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${x}" y="${margin.top + plotH + 18}" text-anchor="middle">${escapeXml(formatX(tick))}</text>`,
    );
  }
  for (const tick of niceTicks(y0, y1, 8)) {
    const y = Number(py(tick).toFixed(1));
    parts.push(
      `<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${margin.left - 8}" y="${y + 4}" text-anchor="end">${escapeXml(formatY(tick))}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 15}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(20 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  options.series.forEach((series, k) => {
    const color = COLORS[k % COLORS.length] as string;
    const points = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const style = series.style ?? 'line';
    if (style !== 'points' && points.length > 1) {
      const sorted = [...points].sort((a, b) => a.x - b.x);
      const d = sorted
        .map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
    }
    if (style === 'points' || points.length === 1) {
      for (const p of points)
        parts.push(
          `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="5" fill="${color}"/>`,
        );
    }
    const ly = margin.top + 10 + k * 18;
    const lx = margin.left + plotW + 15;
    parts.push(
      style === 'points'
        ? `<circle cx="${lx + 10}" cy="${ly}" r="5" fill="${color}"/>`
        : `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${color}" stroke-width="2"${style === 'dashed' ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 26}" y="${ly + 4}">${escapeXml(series.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
