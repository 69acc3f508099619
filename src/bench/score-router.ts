/**
 * Scores one router on the test prompts: sweeps the quality/cost knob, and adds the two-model curve
 * metrics (APGR, CPT) or the many-model AIQ.
 */
import type { Rng } from '../core/index.js';
import type { CostRange } from '../metrics/index.js';
import { routeOffline, tradeoffToWillingness } from '../router/index.js';
import {
  choiceShares,
  operatingPoint,
  sweepAiq,
  twoModelMetrics,
  type TestTruth,
} from './evaluate.js';
import type { RouterResult, SweepPoint } from './types.js';

/** The knob values a suite sweeps: 0 to 10 in steps of 0.1. */
export const KNOB_SLIDERS: readonly number[] = Array.from({ length: 101 }, (_, i) => i / 10);

/** The shared scoring context of a suite. */
export interface ScoringContext {
  readonly truth: TestTruth;
  readonly models: readonly string[];
  /** Slider values swept (0-10). */
  readonly sliders: readonly number[];
  /** Strong/weak model indices for two-model suites; undefined otherwise. */
  readonly pair?: { readonly strong: number; readonly weak: number };
  /** Common AIQ cost range (many-model suites). */
  readonly costRange: CostRange;
  readonly rng: Rng;
  readonly resamples: number;
  /** Quality floor of the served rule (decision-rule.ts). @default none */
  readonly qualityFloor?: number;
}

/** True quality column of one model. */
export function qualityColumn(truth: TestTruth, model: number): Float64Array {
  return Float64Array.from(truth.quality, (row) => row[model] as number);
}

/** Two-model metrics for a router that only orders prompts (random, exact oracle). */
export function scoreOrdering(
  context: ScoringContext & { readonly pair: { readonly strong: number; readonly weak: number } },
  router: { readonly name: string; readonly description: string; readonly scores: Float64Array },
): RouterResult {
  const { truth, pair } = context;
  return {
    name: router.name,
    description: router.description,
    sweep: [],
    hyperparameters: [],
    trainMs: 0,
    twoModel: twoModelMetrics({
      weak: qualityColumn(truth, pair.weak),
      strong: qualityColumn(truth, pair.strong),
      scores: router.scores,
      rng: context.rng,
      resamples: context.resamples,
    }),
  };
}

/**
 * Two-model order of the served rule: Δq̂ / Δĉ per prompt (higher = switches to the strong model at
 * a lower willingness to pay). A prompt the strong model is not predicted to improve (Δq̂ <= 0)
 * never switches: it sorts last, by how little it loses.
 */
export function servedOrderScores(
  predictedQuality: readonly ArrayLike<number>[],
  estimatedCostUsd: readonly ArrayLike<number>[],
  pair: { readonly strong: number; readonly weak: number },
  qualityFloor?: number,
): Float64Array {
  return Float64Array.from(predictedQuality, (row, i) => {
    const strong = row[pair.strong] as number;
    const weak = row[pair.weak] as number;
    const gain = strong - weak;
    const cost = estimatedCostUsd[i] as ArrayLike<number>;
    const extra = Math.max(1e-12, (cost[pair.strong] as number) - (cost[pair.weak] as number));
    const order = gain > 0 ? gain / extra : gain - 1e12;
    if (qualityFloor === undefined) return order;
    // The served knob (knob.ts): below slider 5 the floor rises from 0 to f with no price for
    // quality, so a prompt switches to the strong model once the floor passes weak / strong; from
    // 5 up the floor stays at f and the price of quality rises. Prompts whose weak model misses
    // f x the strong one's quality therefore switch first, in order of that ratio; the others
    // follow by gain / extra cost; a prompt whose strong model misses f x the weak one's never
    // switches.
    if (weak < qualityFloor * strong) return 1e15 * (2 - Math.max(0, weak) / strong);
    if (strong < qualityFloor * weak) return -1e15 + Math.max(order, -1e14);
    return order;
  });
}

/** Smallest willingness to pay of the floor half of the served knob (knob.ts). */
const FLOOR_HALF_WILLINGNESS = 1e-7;

/**
 * The knob family a suite sweeps at raw slider s (uncalibrated, same shape as the served knob of
 * knob.ts): without a floor, the log-uniform willingness to pay; with the served floor f, sliders
 * 0-5 raise the floor linearly from 0 to f with no price for quality (slider 0: cheapest routing)
 * and sliders 5-10 keep f and raise the willingness to pay log-uniformly from 1e-4 to 100.
 */
export function sweepKnob(
  slider: number,
  floor: number | undefined,
): { readonly willingnessToPay: number; readonly qualityFloor?: number } {
  if (floor === undefined) return { willingnessToPay: tradeoffToWillingness(slider) };
  if (slider < 5)
    return { willingnessToPay: FLOOR_HALF_WILLINGNESS, qualityFloor: (floor * slider) / 5 };
  return { willingnessToPay: tradeoffToWillingness(2 * (slider - 5)), qualityFloor: floor };
}

/** Sweep the knob over predicted quality and estimated cost, and score the operating points. */
export function scoreRouter(
  context: ScoringContext,
  router: Pick<
    RouterResult,
    'name' | 'description' | 'hyperparameters' | 'trainMs' | 'calibration'
  > & {
    readonly predictedQuality: readonly Float64Array[];
    readonly estimatedCostUsd: readonly Float64Array[];
  },
): RouterResult {
  const { truth, models, pair } = context;
  const { predictedQuality, estimatedCostUsd, ...meta } = router;
  const sweepChoices: Int32Array[] = [];
  const sweep: SweepPoint[] = context.sliders.map((slider) => {
    const { willingnessToPay, qualityFloor } = sweepKnob(slider, context.qualityFloor);
    const { choices } = routeOffline({
      predictedQuality,
      estimatedCostUsd,
      willingnessToPay,
      ...(qualityFloor === undefined ? {} : { qualityFloor }),
    });
    sweepChoices.push(choices);
    const point = operatingPoint(truth, choices);
    return {
      slider,
      willingnessToPay,
      ...(qualityFloor === undefined ? {} : { qualityFloor }),
      quality: point.quality,
      costUsd: point.costUsd,
      ...(pair === undefined
        ? {}
        : { strongShare: choiceShares(choices, models)[models[pair.strong] as string] ?? 0 }),
    };
  });
  if (pair === undefined) {
    return {
      ...meta,
      sweep,
      manyModel: {
        aiq: sweepAiq({
          truth,
          sweepChoices,
          range: context.costRange,
          rng: context.rng,
          resamples: Math.min(context.resamples, 200),
        }),
      },
    };
  }
  // APGR and CPT are defined on the share of strong *calls*. The served rule (decision-rule.ts)
  // sends a prompt to the strong model iff Δq̂ > Δĉ / wtp, i.e. once the knob passes the prompt's
  // switch point Δĉ / Δq̂: sweeping the knob over every value therefore orders prompts by
  // servedOrderScores, and the curve below is exactly the set of operating points /v1/route reaches.
  const scores = servedOrderScores(predictedQuality, estimatedCostUsd, pair, context.qualityFloor);
  const { twoModel } = scoreOrdering({ ...context, pair }, { ...meta, scores });
  return { ...meta, sweep, ...(twoModel === undefined ? {} : { twoModel }) };
}
