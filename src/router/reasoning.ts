/**
 * Hidden reasoning tokens in the cost estimate. A model that reasons before it answers (DeepSeek-R1,
 * o-series, GPT-5, Gemini 2.5) bills its reasoning as output tokens, and it spends far more of them
 * on a proof than on a greeting. The output-length model predicts the visible answer only, so for a
 * model whose catalog entry has `reasoning` the estimate adds
 *
 *   reasoning(x) = easy^(1 - h) * hard^h,
 *
 * a log-linear interpolation between the model's measured reasoning tokens on trivial questions
 * (`easy_tokens`) and on competition math and logic puzzles (`hard_tokens`), where h in [0, 1] is
 * the prompt's hardness: the share of the artifact's reference prompts (its held-out sample of the
 * training data, the traffic the knob is calibrated on) that the artifact predicts to be easier.
 * Difficulty is one minus the mean quality the artifact predicts for its own models. Without
 * reference prompts h is 0.5 (the geometric mean of the two figures).
 */
import type { CatalogModel } from '../catalog/index.js';

/** Hardness used when there are no reference prompts to rank a prompt against. */
export const DEFAULT_HARDNESS = 0.5;

/** Expected hidden reasoning tokens of `model` on a prompt of hardness `hardness` (0 if it does not reason). */
export function reasoningTokens(model: CatalogModel, hardness: number): number {
  const reasoning = model.reasoning;
  if (reasoning === undefined) return 0;
  const h = Number.isFinite(hardness) ? Math.min(1, Math.max(0, hardness)) : DEFAULT_HARDNESS;
  const easy = Math.log1p(reasoning.easy_tokens);
  const hard = Math.log1p(reasoning.hard_tokens);
  return Math.expm1((1 - h) * easy + h * hard);
}

/** Difficulty of a prompt from the artifact's predicted qualities of its own models: 1 - their mean. */
export function promptDifficulty(qualities: ArrayLike<number> | undefined): number | undefined {
  if (qualities === undefined || qualities.length === 0) return undefined;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < qualities.length; i++) {
    const q = qualities[i] as number;
    if (!Number.isFinite(q)) continue;
    sum += q;
    count += 1;
  }
  return count === 0 ? undefined : 1 - sum / count;
}

/**
 * Maps a difficulty to its mid-rank among the reference prompts' difficulties: the share predicted
 * easier, plus half the share predicted equally hard. {@link DEFAULT_HARDNESS} without references.
 */
export class HardnessScale {
  private readonly sorted: Float64Array;

  constructor(referenceDifficulties: readonly number[]) {
    this.sorted = Float64Array.from(referenceDifficulties.filter(Number.isFinite)).sort();
  }

  /** Reference prompts behind the scale. */
  get size(): number {
    return this.sorted.length;
  }

  hardness(difficulty: number | undefined): number {
    const n = this.sorted.length;
    if (n === 0 || difficulty === undefined || !Number.isFinite(difficulty)) {
      return DEFAULT_HARDNESS;
    }
    const below = lowerBound(this.sorted, difficulty);
    let upTo = below;
    while (upTo < n && (this.sorted[upTo] as number) === difficulty) upTo += 1;
    return (below + (upTo - below) / 2) / n;
  }
}

/** First index whose value is >= `value` in an ascending array. */
function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
