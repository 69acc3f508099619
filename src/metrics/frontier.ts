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

/** One group's share of the prompts and its own (cost, quality) points. */
export interface WeightedPoints {
  /** The group's share of all prompts (weights need not sum to 1; they are normalised). */
  readonly weight: number;
  readonly points: readonly CostQualityPoint[];
}

/**
 * Vertices of the best frontier reachable when every group chooses its own point (or a mix of two)
 * and the groups' costs and qualities average by weight: the weighted Minkowski sum of the groups'
 * non-decreasing hulls. Start with every group at its cheapest hull point, then take the groups'
 * hull segments in order of falling slope (quality gained per dollar); each step moves the total by
 * the segment times its group's weight. Exact: this is the upper frontier of all per-group mixes.
 * Used for "the best single model per task" (each task its own model, chosen in hindsight).
 */
export function groupedMixPoints(groups: readonly WeightedPoints[]): CostQualityPoint[] {
  const hulls = groups
    .map((g) => ({ weight: g.weight, hull: nonDecreasingHull(g.points) }))
    .filter((g) => g.weight > 0 && g.hull.length > 0);
  const total = hulls.reduce((sum, g) => sum + g.weight, 0);
  if (hulls.length === 0 || !(total > 0)) return [];
  let cost = 0;
  let quality = 0;
  const segments: { slope: number; cost: number; quality: number }[] = [];
  for (const { weight, hull } of hulls) {
    const w = weight / total;
    const first = hull[0] as CostQualityPoint;
    cost += w * first.cost;
    quality += w * first.quality;
    for (let k = 1; k < hull.length; k++) {
      const a = hull[k - 1] as CostQualityPoint;
      const b = hull[k] as CostQualityPoint;
      segments.push({
        slope: (b.quality - a.quality) / (b.cost - a.cost),
        cost: w * (b.cost - a.cost),
        quality: w * (b.quality - a.quality),
      });
    }
  }
  segments.sort((a, b) => b.slope - a.slope);
  const out: CostQualityPoint[] = [{ cost, quality }];
  for (const segment of segments) {
    cost += segment.cost;
    quality += segment.quality;
    out.push({ cost, quality });
  }
  return out;
}
