/**
 * Many-model cost-quality metrics from RouterBench (Hu et al. 2024, "RouterBench: A Benchmark for
 * Multi-LLM Routing System", §3.2): the non-decreasing convex hull of a router's (cost, quality)
 * points and AIQ, its area normalised by the cost range; plus the Pareto frontier.
 */

/** One operating point: mean cost (USD per prompt) and mean quality. */
export interface CostQualityPoint {
  readonly cost: number;
  readonly quality: number;
  /** Optional label (strategy, knob value). */
  readonly label?: string;
}

/** Points no other point beats on both axes (lower-or-equal cost and higher quality), by cost ascending. */
export function paretoFrontier<P extends CostQualityPoint>(points: readonly P[]): P[] {
  const sorted = points
    .filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.quality))
    .sort((a, b) => a.cost - b.cost || b.quality - a.quality);
  const out: P[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const point of sorted) {
    if (point.quality > best) {
      out.push(point);
      best = point.quality;
    }
  }
  return out;
}

function cross(o: CostQualityPoint, a: CostQualityPoint, b: CostQualityPoint): number {
  return (a.cost - o.cost) * (b.quality - o.quality) - (a.quality - o.quality) * (b.cost - o.cost);
}

/**
 * The non-decreasing upper convex hull (RouterBench §3.2): mixing two routers at random reaches any
 * point on the segment between them, and spending more never has to lower quality. Computed as the
 * upper hull (Andrew's monotone chain) of the Pareto points, so it starts at the cheapest point and
 * ends at the best-quality one.
 */
export function nonDecreasingHull(points: readonly CostQualityPoint[]): CostQualityPoint[] {
  const frontier = paretoFrontier(points);
  const hull: CostQualityPoint[] = [];
  for (const point of frontier) {
    while (
      hull.length >= 2 &&
      cross(
        hull[hull.length - 2] as CostQualityPoint,
        hull[hull.length - 1] as CostQualityPoint,
        point,
      ) >= 0
    ) {
      hull.pop();
    }
    hull.push(point);
  }
  return hull;
}

/** Quality of the hull at `cost`: linear between hull points, flat beyond either end. */
export function hullQualityAt(hull: readonly CostQualityPoint[], cost: number): number {
  const first = hull[0];
  const last = hull[hull.length - 1];
  if (first === undefined || last === undefined) return Number.NaN;
  if (cost <= first.cost) return first.quality;
  if (cost >= last.cost) return last.quality;
  for (let k = 1; k < hull.length; k++) {
    const a = hull[k - 1] as CostQualityPoint;
    const b = hull[k] as CostQualityPoint;
    if (cost <= b.cost)
      return a.quality + ((cost - a.cost) / (b.cost - a.cost)) * (b.quality - a.quality);
  }
  return last.quality;
}

/** Cost range AIQ integrates over. */
export interface CostRange {
  readonly min: number;
  readonly max: number;
}

/**
 * AIQ = (1 / (max - min)) ∫_min^max R̃(c) dc, R̃ the non-decreasing convex hull of the points
 * (RouterBench eq. 3). The hull is extended flat outside its own cost span, so routers compared on
 * one common range (e.g. cheapest to dearest single model) stay comparable. Exact for the piecewise-
 * linear hull. Default range: the points' own cost span.
 */
export function aiq(points: readonly CostQualityPoint[], range?: CostRange): number {
  const hull = nonDecreasingHull(points);
  if (hull.length === 0) return Number.NaN;
  const min = range?.min ?? (hull[0] as CostQualityPoint).cost;
  const max = range?.max ?? Math.max(...points.map((p) => p.cost));
  if (!(max > min)) return hullQualityAt(hull, min);
  const knots = [min, ...hull.map((p) => p.cost).filter((c) => c > min && c < max), max];
  let area = 0;
  for (let k = 1; k < knots.length; k++) {
    const a = knots[k - 1] as number;
    const b = knots[k] as number;
    area += ((b - a) * (hullQualityAt(hull, a) + hullQualityAt(hull, b))) / 2;
  }
  return area / (max - min);
}
