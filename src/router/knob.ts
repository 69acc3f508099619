/**
 * The calibrated 0-10 knob. The raw trade-off is a willingness to pay (USD per unit of quality) and
 * a quality floor (decision-rule.ts), whose useful ranges depend on the catalog's prices and on the
 * traffic. Calibration makes the slider mean the same in every deployment: on reference traffic
 * (the artifact's held-out prompts), slider s is set so that the served rule's expected cost per
 * request follows an even path from cost(0), the cheapest routing, through cost(5), the cheapest
 * routing under the default quality floor (the cheapest candidate predicted to reach 90% of the best
 * one's quality: the served default), to cost(10), best-quality routing. Sliders 0-5 lower the floor
 * from the default to none (no price for quality: each step accepts cheaper models further below the
 * best); sliders 5-10 keep the floor and raise the willingness to pay (each step buys more quality
 * above it).
 *
 * Even means: a step's size is the larger of its share of the whole range on the log-cost scale
 * (ratios, what a person perceives at the cheap end, where prices span orders of magnitude) and on
 * the linear scale (dollars, what the bill shows at the dear end), and each half's path makes its
 * largest step as small as it can be ({@link evenCostPath}). The path multiplies spend by the same
 * factor per step where ratios bind and adds the same amount where dollars bind. Where some path
 * keeps every step within a fifth of the way on both scales, this one does (up to the jumps of the
 * rule's choices); where none does, its largest step is still the smallest possible. With the
 * shipped catalog the largest step is 20.3% (README); the earlier map (equal ratios below 5) put
 * 29% of the dollar range into the step from 4 to 5.
 */
import { DEFAULT_QUALITY_FLOOR } from './decision-rule.js';
import { routeOffline } from './offline-router.js';
import { tradeoffToWillingness } from './tradeoff.js';

/** Predictions of the served predictor on the reference prompts (rows) for the candidates (columns). */
export interface KnobReference {
  readonly predictedQuality: readonly Float64Array[];
  readonly estimatedCostUsd: readonly Float64Array[];
}

/** A calibrated knob: integer slider anchors and what each buys on the reference traffic. */
export interface KnobCalibration {
  /** 0, 1, ..., 10. */
  readonly sliders: readonly number[];
  /** Willingness to pay per anchor, USD per unit quality (non-decreasing). */
  readonly willingness: readonly number[];
  /** Quality floor per anchor (0 at slider 0, rising to the default at 5, then constant). */
  readonly qualityFloor: readonly number[];
  /** Mean estimated cost per request per anchor, USD. */
  readonly expectedCostUsd: readonly number[];
  /** Mean predicted quality per anchor. */
  readonly expectedQuality: readonly number[];
  /** Reference prompts used. */
  readonly prompts: number;
}

/** Points of the floor search in [0, default floor] (steps of 0.005). */
const FLOOR_POINTS = 181;
/** Search range of the calibration, USD per unit quality (wider than the raw slider's). */
const GRID_MIN = 1e-7;
const GRID_MAX = 1e4;
const GRID_POINTS = 221;

function meanOutcome(
  reference: KnobReference,
  willingnessToPay: number,
  qualityFloor: number,
): { cost: number; quality: number } {
  const { choices } = routeOffline({ ...reference, willingnessToPay, qualityFloor });
  let cost = 0;
  let quality = 0;
  choices.forEach((m, i) => {
    cost += (reference.estimatedCostUsd[i] as Float64Array)[m] as number;
    quality += (reference.predictedQuality[i] as Float64Array)[m] as number;
  });
  const n = Math.max(1, choices.length);
  return { cost: cost / n, quality: quality / n };
}

interface GridPoint {
  readonly value: number;
  cost: number;
}

/** Make costs non-decreasing along the grid (the rule's cost is, up to float ties). */
function monotone(grid: GridPoint[]): GridPoint[] {
  for (let i = 1; i < grid.length; i++) {
    const previous = grid[i - 1] as GridPoint;
    const current = grid[i] as GridPoint;
    if (current.cost < previous.cost) current.cost = previous.cost;
  }
  return grid;
}

/** The grid value reaching `target` cost, interpolated (in `toAxis` space) between brackets. */
function solve(
  grid: readonly GridPoint[],
  target: number,
  toAxis: (v: number) => number,
  fromAxis: (a: number) => number,
): number {
  const k = grid.findIndex((point) => point.cost >= target);
  if (k < 0) return (grid[grid.length - 1] as GridPoint).value;
  if (k === 0) return (grid[0] as GridPoint).value;
  const a = grid[k - 1] as GridPoint;
  const b = grid[k] as GridPoint;
  const t = b.cost > a.cost ? (target - a.cost) / (b.cost - a.cost) : 1;
  return fromAxis(toAxis(a.value) + t * (toAxis(b.value) - toAxis(a.value)));
}

/**
 * Spend at each of `steps` + 1 anchors from `from` to `to` (both included) inside the knob's range
 * [`cheapest`, `best`]: the path whose largest step is smallest, a step measured as the larger of
 * its share of the range in log cost and in linear cost (log only counts when `cheapest` > 0). For a
 * cap t every step may multiply spend by at most exp(t log(best / cheapest)) and add at most
 * t (best - cheapest); the smallest t whose fastest path (each step the largest both caps allow)
 * still reaches `to` is found by bisection, and that path is returned, its last point set to `to`.
 */
export function evenCostPath(
  from: number,
  to: number,
  steps: number,
  cheapest: number,
  best: number,
): number[] {
  const linear = (): number[] =>
    Array.from({ length: steps + 1 }, (_, i) => from + (i / steps) * (to - from));
  const linSpan = best - cheapest;
  if (!(to > from) || !(linSpan > 0) || !Number.isFinite(linSpan)) return linear();
  const logSpan = cheapest > 0 ? Math.log(best / cheapest) : 0;
  const grow = (c: number, t: number): number =>
    logSpan > 0 && c > 0 ? Math.min(c * Math.exp(t * logSpan), c + t * linSpan) : c + t * linSpan;
  const reach = (t: number): number => {
    let c = from;
    for (let i = 0; i < steps; i++) c = grow(c, t);
    return c;
  };
  // t = (to - from) / (steps linSpan) <= 1 reaches `to` through the linear cap alone, unless the
  // log cap binds first; doubling finds a bracket either way.
  let hi = 1;
  while (reach(hi) < to && hi < 1e6) hi *= 2;
  let lo = 0;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (reach(mid) >= to) hi = mid;
    else lo = mid;
  }
  const path = [from];
  for (let i = 1; i < steps; i++) path.push(Math.min(to, grow(path[i - 1] as number, hi)));
  path.push(to);
  return path;
}

/** Calibrate on reference predictions; undefined when there are no reference prompts. */
export function calibrateKnob(
  reference: KnobReference,
  defaultFloor: number = DEFAULT_QUALITY_FLOOR,
): KnobCalibration | undefined {
  if (reference.predictedQuality.length === 0) return undefined;
  // Lower half: no price for quality, the floor rises from 0 (cheapest routing) to the default.
  const floors = monotone(
    Array.from({ length: FLOOR_POINTS }, (_, i) => {
      const value = (defaultFloor * i) / (FLOOR_POINTS - 1);
      return { value, cost: meanOutcome(reference, GRID_MIN, value).cost };
    }),
  );
  // Upper half: the default floor, the willingness to pay rises to best-quality routing.
  const logMin = Math.log10(GRID_MIN);
  const step = (Math.log10(GRID_MAX) - logMin) / (GRID_POINTS - 1);
  const prices = monotone(
    Array.from({ length: GRID_POINTS }, (_, i) => {
      const value = 10 ** (logMin + i * step);
      return { value, cost: meanOutcome(reference, value, defaultFloor).cost };
    }),
  );
  const cheapest = (floors[0] as GridPoint).cost;
  const floored = (prices[0] as GridPoint).cost;
  const best = (prices[prices.length - 1] as GridPoint).cost;
  const lower = evenCostPath(cheapest, floored, 5, cheapest, best);
  const upper = evenCostPath(floored, best, 5, cheapest, best);
  const sliders = Array.from({ length: 11 }, (_, s) => s);
  const anchors = sliders.map((s) => {
    if (s <= 5) {
      const qualityFloor =
        s === 0
          ? 0
          : s === 5
            ? defaultFloor
            : solve(
                floors,
                lower[s] as number,
                (v) => v,
                (a) => a,
              );
      return { willingness: GRID_MIN, qualityFloor };
    }
    const willingness =
      s === 10 ? GRID_MAX : solve(prices, upper[s - 5] as number, Math.log10, (a) => 10 ** a);
    return { willingness, qualityFloor: defaultFloor };
  });
  const outcomes = anchors.map((a) => meanOutcome(reference, a.willingness, a.qualityFloor));
  return {
    sliders,
    willingness: anchors.map((a) => a.willingness),
    qualityFloor: anchors.map((a) => a.qualityFloor),
    expectedCostUsd: outcomes.map((o) => o.cost),
    expectedQuality: outcomes.map((o) => o.quality),
    prompts: reference.predictedQuality.length,
  };
}

/**
 * The slider -> quality floor map of a calibration (linear between integer anchors); the default
 * floor at every slider when there is no calibration.
 */
export function knobFloorFunction(
  calibration: KnobCalibration | undefined,
): (slider: number) => number {
  if (calibration === undefined) return () => DEFAULT_QUALITY_FLOOR;
  const floors = calibration.qualityFloor;
  return (slider) => betweenAnchors(floors, slider);
}

/**
 * The slider -> willingness map of a calibration (log-linear between integer anchors); the raw
 * log-uniform map when there is no calibration.
 */
export function knobFunction(calibration: KnobCalibration | undefined): (slider: number) => number {
  if (calibration === undefined) return tradeoffToWillingness;
  const logs = calibration.willingness.map((w) => Math.log10(w));
  return (slider) => Math.min(GRID_MAX, Math.max(GRID_MIN, 10 ** betweenAnchors(logs, slider)));
}

/** Linear interpolation of per-integer-slider anchors (0..10) at `slider`, clamped to [0, 10]. */
function betweenAnchors(anchors: readonly number[], slider: number): number {
  const s = Math.min(10, Math.max(0, Number.isFinite(slider) ? slider : 0));
  const lower = Math.min(9, Math.floor(s));
  const a = anchors[lower] as number;
  return a + (s - lower) * ((anchors[lower + 1] as number) - a);
}
