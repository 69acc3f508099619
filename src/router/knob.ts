/**
 * The calibrated 0-10 knob. The raw trade-off is a willingness to pay (USD per unit of quality),
 * whose useful range depends on the catalog's prices and on the traffic. Calibration makes the
 * slider mean the same in every deployment: on reference traffic (the artifact's held-out prompts),
 * slider s is the willingness to pay at which the served rule's expected cost per request is
 *
 *   cost(s) = cost(cheapest routing) x (cost(best-quality routing) / cost(cheapest routing))^(s/10)
 *
 * so expected cost moves monotonically from the cheapest routing (0) to best-quality routing (10),
 * both under the served quality floor (slider 0 is the cheapest candidate that reaches the floor),
 * each step multiplying spend by the same factor: prices span two to three orders of magnitude, and
 * equal steps on that scale are what a person perceives as even. Slider 5 spends the geometric mean
 * of the two ends (typically under a tenth of best-quality spend).
 */
import { routeOffline } from './offline-router.js';
import { tradeoffToWillingness } from './tradeoff.js';

/** Predictions of the served predictor on the reference prompts (rows) for the candidates (columns). */
export interface KnobReference {
  readonly predictedQuality: readonly Float64Array[];
  readonly estimatedCostUsd: readonly Float64Array[];
  /** The quality floor the served rule applies (decision-rule.ts). @default none */
  readonly qualityFloor?: number;
}

/** A calibrated knob: integer slider anchors and what each buys on the reference traffic. */
export interface KnobCalibration {
  /** 0, 1, ..., 10. */
  readonly sliders: readonly number[];
  /** Willingness to pay per anchor, USD per unit quality (non-decreasing). */
  readonly willingness: readonly number[];
  /** Mean estimated cost per request per anchor, USD. */
  readonly expectedCostUsd: readonly number[];
  /** Mean predicted quality per anchor. */
  readonly expectedQuality: readonly number[];
  /** Reference prompts used. */
  readonly prompts: number;
}

/** Search range of the calibration, USD per unit quality (wider than the raw slider's). */
const GRID_MIN = 1e-7;
const GRID_MAX = 1e4;
const GRID_POINTS = 221;

function meanOutcome(
  reference: KnobReference,
  willingnessToPay: number,
): { cost: number; quality: number } {
  const { choices } = routeOffline({ ...reference, willingnessToPay });
  let cost = 0;
  let quality = 0;
  choices.forEach((m, i) => {
    cost += (reference.estimatedCostUsd[i] as Float64Array)[m] as number;
    quality += (reference.predictedQuality[i] as Float64Array)[m] as number;
  });
  const n = Math.max(1, choices.length);
  return { cost: cost / n, quality: quality / n };
}

/** Calibrate on reference predictions; undefined when there are no reference prompts. */
export function calibrateKnob(reference: KnobReference): KnobCalibration | undefined {
  if (reference.predictedQuality.length === 0) return undefined;
  const logMin = Math.log10(GRID_MIN);
  const step = (Math.log10(GRID_MAX) - logMin) / (GRID_POINTS - 1);
  const grid = Array.from({ length: GRID_POINTS }, (_, i) => {
    const wtp = 10 ** (logMin + i * step);
    return { wtp, ...meanOutcome(reference, wtp) };
  });
  // The served rule's expected cost is non-decreasing in willingness to pay (a higher price of
  // quality never picks a cheaper arm); enforce it against float ties.
  for (let i = 1; i < grid.length; i++) {
    const previous = grid[i - 1] as (typeof grid)[number];
    const current = grid[i] as (typeof grid)[number];
    if (current.cost < previous.cost) current.cost = previous.cost;
  }
  const low = (grid[0] as (typeof grid)[number]).cost;
  const high = (grid[grid.length - 1] as (typeof grid)[number]).cost;
  const sliders = Array.from({ length: 11 }, (_, s) => s);
  const willingness = sliders.map((s) => {
    if (s === 0) return GRID_MIN;
    if (s === 10) return GRID_MAX;
    const target = low > 0 ? low * (high / low) ** (s / 10) : low + (s / 10) * (high - low);
    const k = grid.findIndex((point) => point.cost >= target);
    if (k <= 0) return (grid[Math.max(0, k)] as (typeof grid)[number]).wtp;
    const a = grid[k - 1] as (typeof grid)[number];
    const b = grid[k] as (typeof grid)[number];
    // Interpolate log willingness between the grid points that bracket the target cost.
    const t = b.cost > a.cost ? (target - a.cost) / (b.cost - a.cost) : 1;
    return 10 ** (Math.log10(a.wtp) + t * (Math.log10(b.wtp) - Math.log10(a.wtp)));
  });
  const outcomes = willingness.map((wtp) => meanOutcome(reference, wtp));
  return {
    sliders,
    willingness,
    expectedCostUsd: outcomes.map((o) => o.cost),
    expectedQuality: outcomes.map((o) => o.quality),
    prompts: reference.predictedQuality.length,
  };
}

/**
 * The slider -> willingness map of a calibration (log-linear between integer anchors); the raw
 * log-uniform map when there is no calibration.
 */
export function knobFunction(calibration: KnobCalibration | undefined): (slider: number) => number {
  if (calibration === undefined) return tradeoffToWillingness;
  const logs = calibration.willingness.map((w) => Math.log10(w));
  return (slider: number): number => {
    const s = Math.min(10, Math.max(0, Number.isFinite(slider) ? slider : 0));
    const lower = Math.min(9, Math.floor(s));
    const t = s - lower;
    const value =
      (logs[lower] as number) + t * ((logs[lower + 1] as number) - (logs[lower] as number));
    return Math.min(GRID_MAX, Math.max(GRID_MIN, 10 ** value));
  };
}
