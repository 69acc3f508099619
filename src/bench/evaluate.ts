/**
 * Scoring of strategies on the test prompts: mean quality and cost of fixed choices, two-model
 * curve metrics (APGR, CPT) and many-model AIQ, each with a seeded percentile bootstrap over prompts.
 */
import type { Rng } from '../core/index.js';
import {
  aiq,
  apgr,
  bootstrapInterval,
  cpt,
  pgr,
  pgrBaseline,
  routingCurve,
  type CostRange,
  type Interval,
} from '../metrics/index.js';
import type { SweepPoint, TwoModelMetrics } from './types.js';

/** Truth for the test prompts: per prompt, per model. */
export interface TestTruth {
  readonly quality: readonly Float64Array[];
  readonly costUsd: readonly Float64Array[];
}

function meanAt(values: (i: number) => number, indices: Uint32Array): number {
  let sum = 0;
  for (const i of indices) sum += values(i);
  return sum / indices.length;
}

/** Mean quality and cost of fixed per-prompt choices, with 95% bootstrap intervals. */
export function summariseChoices(options: {
  readonly truth: TestTruth;
  readonly choices: Int32Array;
  readonly rng: Rng;
  readonly resamples: number;
}): { quality: Interval; costUsd: Interval } {
  const { truth, choices } = options;
  const q = (i: number): number =>
    (truth.quality[i] as Float64Array)[choices[i] as number] as number;
  const c = (i: number): number =>
    (truth.costUsd[i] as Float64Array)[choices[i] as number] as number;
  const size = choices.length;
  return {
    quality: bootstrapInterval({
      size,
      statistic: (ix) => meanAt(q, ix),
      rng: options.rng,
      resamples: options.resamples,
    }),
    costUsd: bootstrapInterval({
      size,
      statistic: (ix) => meanAt(c, ix),
      rng: options.rng,
      resamples: options.resamples,
    }),
  };
}

/** Share of calls per model index. */
export function choiceShares(
  choices: Int32Array,
  models: readonly string[],
): Record<string, number> {
  const counts = new Array<number>(models.length).fill(0);
  for (const choice of choices) counts[choice] = (counts[choice] ?? 0) + 1;
  return Object.fromEntries(
    models.map((model, m) => [model, (counts[m] ?? 0) / Math.max(1, choices.length)]),
  );
}

/** One operating point of a sweep from its choices. */
export function operatingPoint(
  truth: TestTruth,
  choices: Int32Array,
): { quality: number; costUsd: number } {
  const all = Uint32Array.from({ length: choices.length }, (_, i) => i);
  return {
    quality: meanAt((i) => (truth.quality[i] as Float64Array)[choices[i] as number] as number, all),
    costUsd: meanAt((i) => (truth.costUsd[i] as Float64Array)[choices[i] as number] as number, all),
  };
}

/** Inputs of {@link twoModelMetrics}. */
export interface TwoModelInput {
  readonly weak: Float64Array;
  readonly strong: Float64Array;
  /** Router score per prompt (higher → strong first). */
  readonly scores: Float64Array;
  readonly rng: Rng;
  readonly resamples: number;
}

/** APGR (exact and RouteLLM's 10-bin protocol), CPT(50%) and CPT(80%), with bootstrap intervals. */
export function twoModelMetrics(input: TwoModelInput): TwoModelMetrics {
  const { weak, strong, scores } = input;
  const at = (values: Float64Array, ix: Uint32Array): Float64Array =>
    Float64Array.from(ix, (i) => values[i] as number);
  const statistic =
    (
      metric: (
        curve: ReturnType<typeof routingCurve>,
        baseline: ReturnType<typeof pgrBaseline>,
      ) => number,
    ) =>
    (ix: Uint32Array): number => {
      const w = at(weak, ix);
      const s = at(strong, ix);
      return metric(
        routingCurve({ weak: w, strong: s, scores: at(scores, ix) }),
        pgrBaseline(w, s),
      );
    };
  const size = scores.length;
  const interval = (metric: Parameters<typeof statistic>[0]): Interval =>
    bootstrapInterval({
      size,
      statistic: statistic(metric),
      rng: input.rng,
      resamples: input.resamples,
    });
  const baseline = pgrBaseline(weak, strong);
  const curve = routingCurve({ weak, strong, scores });
  return {
    apgr: interval(apgr),
    apgrRouteLlm: apgr(routingCurve({ weak, strong, scores, thresholds: 10 }), baseline),
    cpt50: interval((c, b) => cpt(c, b, 0.5)),
    cpt80: interval((c, b) => cpt(c, b, 0.8)),
    // For plots and results.json: at most ~200 points (one per prompt made MMLU's file 7 MB).
    curve: thinned(curve, CURVE_POINTS).map((p) => ({
      strongShare: p.strongShare,
      pgr: pgr(p.quality, baseline),
    })),
  };
}

/** Points kept of a PGR curve in results (first and last always kept). */
const CURVE_POINTS = 201;

function thinned<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)] as T);
}

/** AIQ of a sweep's per-prompt choices over `range`, with a bootstrap interval over prompts. */
export function sweepAiq(options: {
  readonly truth: TestTruth;
  readonly sweepChoices: readonly Int32Array[];
  readonly range: CostRange;
  readonly rng: Rng;
  readonly resamples: number;
}): Interval {
  const { truth, sweepChoices } = options;
  const size = truth.quality.length;
  return bootstrapInterval({
    size,
    rng: options.rng,
    resamples: options.resamples,
    statistic: (ix) =>
      aiq(
        sweepChoices.map((choices) => ({
          quality: meanAt(
            (i) => (truth.quality[i] as Float64Array)[choices[i] as number] as number,
            ix,
          ),
          cost: meanAt(
            (i) => (truth.costUsd[i] as Float64Array)[choices[i] as number] as number,
            ix,
          ),
        })),
        options.range,
      ),
  });
}

/** Points of a sweep for AIQ and plots. */
export function sweepPoints(
  sweep: readonly SweepPoint[],
): { cost: number; quality: number; label: string }[] {
  return sweep.map((p) => ({
    cost: p.costUsd,
    quality: p.quality,
    label: `slider ${p.slider.toFixed(1)}`,
  }));
}
