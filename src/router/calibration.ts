/**
 * RouteLLM-style threshold calibration (Ong et al. 2024, §5 / routellm calibrate_threshold.py):
 * pick the knob value that sends a target share of the user's logged prompts to a given model, then
 * report the share it realises on held-out prompts.
 */
import { routeOffline, shareOf, type OfflineRouteInput } from './offline-router.js';
import { MAX_WILLINGNESS_TO_PAY, MIN_WILLINGNESS_TO_PAY } from './tradeoff.js';

/**
 * Two-model calibration on router scores: the threshold t with `score >= t` for about `targetShare`
 * of `scores` (the (1 - targetShare) quantile, as RouteLLM does on its strong-win-rate scores).
 */
export function calibrateScoreThreshold(scores: ArrayLike<number>, targetShare: number): number {
  const sorted = Array.from(scores).sort((a, b) => b - a);
  if (sorted.length === 0) return Number.NaN;
  const k = Math.round(Math.min(1, Math.max(0, targetShare)) * sorted.length);
  if (k === 0) return Number.POSITIVE_INFINITY;
  return sorted[k - 1] as number;
}

/** Options for {@link calibrateWillingness}. */
export interface CalibrateWillingnessOptions extends Omit<OfflineRouteInput, 'willingnessToPay'> {
  /** Index of the model whose share is targeted (typically the expensive one). */
  readonly model: number;
  /** Target share of calls to `model`, in [0, 1]. */
  readonly targetShare: number;
  /** Search range, USD per unit quality. @default [1e-4, 100] (the slider's range) */
  readonly range?: readonly [number, number];
  /** Bisection steps on log10(willingness). @default 50 */
  readonly iterations?: number;
}

/** A calibrated knob and the share it realises on the calibration prompts. */
export interface CalibratedWillingness {
  readonly willingnessToPay: number;
  readonly share: number;
}

/**
 * Bisection on log10(willingness to pay): a larger willingness buys more quality, so the share of the
 * expensive model grows with it (monotone for two models; for more, the result is the smallest
 * knob found that reaches the target). Returns the knob whose realised share is closest to target.
 */
export function calibrateWillingness(options: CalibrateWillingnessOptions): CalibratedWillingness {
  const [min, max] = options.range ?? [MIN_WILLINGNESS_TO_PAY, MAX_WILLINGNESS_TO_PAY];
  const share = (wtp: number): number =>
    shareOf(routeOffline({ ...options, willingnessToPay: wtp }).choices, options.model);
  let low = Math.log10(min);
  let high = Math.log10(max);
  let best: CalibratedWillingness = { willingnessToPay: 10 ** high, share: share(10 ** high) };
  const consider = (wtp: number, value: number): void => {
    const gap = Math.abs(value - options.targetShare);
    const bestGap = Math.abs(best.share - options.targetShare);
    if (gap < bestGap || (gap === bestGap && wtp < best.willingnessToPay))
      best = { willingnessToPay: wtp, share: value };
  };
  const lowShare = share(10 ** low);
  consider(10 ** low, lowShare);
  if (lowShare >= options.targetShare) return best;
  for (let step = 0; step < (options.iterations ?? 50); step++) {
    const mid = (low + high) / 2;
    const value = share(10 ** mid);
    consider(10 ** mid, value);
    if (value >= options.targetShare) high = mid;
    else low = mid;
  }
  return best;
}
