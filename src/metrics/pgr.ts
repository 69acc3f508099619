/**
 * Two-model routing metrics from RouteLLM (Ong et al. 2024, "RouteLLM: Learning to Route LLMs with
 * Preference Data", §4 and routellm/evals/evaluate.py): PGR, APGR and CPT(x%).
 * A router gives each prompt a score ("strong win rate"); a threshold sends the prompts scoring at or
 * above it to the strong model. Sweeping the threshold traces quality against the strong-call share.
 */

/** One point of a routing curve. */
export interface CurvePoint {
  /** Share of prompts sent to the strong model, in [0, 1]. */
  readonly strongShare: number;
  /** Mean quality of the routed answers at that share. */
  readonly quality: number;
}

/** Inputs of {@link routingCurve}: aligned per-prompt arrays. */
export interface RoutingCurveInput {
  /** Quality of the weak model's answer per prompt. */
  readonly weak: ArrayLike<number>;
  /** Quality of the strong model's answer per prompt. */
  readonly strong: ArrayLike<number>;
  /** Router score per prompt: higher sends the prompt to the strong model first. */
  readonly scores: ArrayLike<number>;
  /**
   * `'all'`: one point per distinct score (the exact curve). A number b: RouteLLM's protocol, b + 1
   * thresholds at the 0, 1/b, …, 1 quantiles of the scores (numpy linear interpolation), selecting
   * score >= t, and score > t for the last one. @default 'all'
   */
  readonly thresholds?: 'all' | number;
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/**
 * Quality against strong-call share, sorted by share ascending (0 and 1 always included for 'all').
 * Prompts with equal scores move together (a threshold cannot split them).
 */
export function routingCurve(input: RoutingCurveInput): CurvePoint[] {
  const { weak, strong, scores } = input;
  const n = scores.length;
  if (n === 0) return [];
  const weakTotal = mean(weak) * n;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[b] as number) - (scores[a] as number),
  );
  const thresholds = input.thresholds ?? 'all';
  if (thresholds === 'all') {
    const points: CurvePoint[] = [{ strongShare: 0, quality: weakTotal / n }];
    let gain = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      gain += (strong[i] as number) - (weak[i] as number);
      const next = order[k + 1];
      if (next === undefined || scores[next] !== scores[i]) {
        points.push({ strongShare: (k + 1) / n, quality: (weakTotal + gain) / n });
      }
    }
    return points;
  }
  const sorted = Array.from(scores).sort((a, b) => a - b);
  const points: CurvePoint[] = [];
  for (let j = 0; j <= thresholds; j++) {
    const t = quantile(sorted, j / thresholds);
    let count = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = scores[i] as number;
      const toStrong = j < thresholds ? s >= t : s > t;
      if (toStrong) count++;
      total += toStrong ? (strong[i] as number) : (weak[i] as number);
    }
    points.push({ strongShare: count / n, quality: total / n });
  }
  return points.sort((a, b) => a.strongShare - b.strongShare);
}

/** Linear-interpolation quantile of ascending `sorted` (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  const lowValue = sorted[low] as number;
  return lowValue + (position - low) * ((sorted[high] as number) - lowValue);
}

/** Weak and strong baseline qualities a curve is normalised by. */
export interface PgrBaseline {
  /** Mean quality of always-weak. */
  readonly weakQuality: number;
  /** Mean quality of always-strong. */
  readonly strongQuality: number;
}

/** PGR = (quality - weak) / (strong - weak); NaN when the two models tie. */
export function pgr(quality: number, baseline: PgrBaseline): number {
  const gap = baseline.strongQuality - baseline.weakQuality;
  return gap === 0 ? Number.NaN : (quality - baseline.weakQuality) / gap;
}

/** Baselines from the per-prompt qualities. */
export function pgrBaseline(weak: ArrayLike<number>, strong: ArrayLike<number>): PgrBaseline {
  return { weakQuality: mean(weak), strongQuality: mean(strong) };
}

/**
 * APGR: trapezoidal area under PGR versus strong-call share over the curve's points. With points at
 * 0% and 100% this is the area over [0, 1]; RouteLLM computes it the same way (np.trapz over its
 * 11 threshold points), equal to (AUC - weak AUC) / (strong AUC - weak AUC).
 */
export function apgr(curve: readonly CurvePoint[], baseline: PgrBaseline): number {
  let area = 0;
  for (let k = 1; k < curve.length; k++) {
    const a = curve[k - 1] as CurvePoint;
    const b = curve[k] as CurvePoint;
    area +=
      ((b.strongShare - a.strongShare) * (pgr(a.quality, baseline) + pgr(b.quality, baseline))) / 2;
  }
  return area;
}

/**
 * CPT(x): the smallest strong-call share at which the curve reaches PGR >= x (e.g. 0.5 for CPT(50%)),
 * interpolating linearly between curve points; NaN when it never does.
 */
export function cpt(curve: readonly CurvePoint[], baseline: PgrBaseline, target: number): number {
  const first = curve[0];
  if (first === undefined) return Number.NaN;
  if (pgr(first.quality, baseline) >= target) return first.strongShare;
  for (let k = 1; k < curve.length; k++) {
    const a = curve[k - 1] as CurvePoint;
    const b = curve[k] as CurvePoint;
    const pa = pgr(a.quality, baseline);
    const pb = pgr(b.quality, baseline);
    if (pb >= target) {
      return pb === pa
        ? b.strongShare
        : a.strongShare + ((target - pa) / (pb - pa)) * (b.strongShare - a.strongShare);
    }
  }
  return Number.NaN;
}

/** The oracle's per-prompt score: how much the strong model gains over the weak one. */
export function oracleScores(weak: ArrayLike<number>, strong: ArrayLike<number>): Float64Array {
  return Float64Array.from(
    { length: weak.length },
    (_, i) => (strong[i] as number) - (weak[i] as number),
  );
}
