/**
 * The quality/cost trade-off knob shared by the offline router, the online router and the bandit.
 *
 * Utility of routing a prompt to model m: `u(m) = quality(m) - cost(m) / willingnessToPay`, where
 * quality is in [0, 1] and cost in USD. `willingnessToPay` (USD per unit of quality) says how many
 * dollars one full unit of quality is worth: at 0.1 USD, paying 1 cent more is worth 0.1 quality.
 * Equivalently, the bandit's reward `quality - lambda * cost` uses `lambda = 1 / willingnessToPay`.
 */

/** Smallest willingness to pay the 0-10 slider reaches (slider 0: cost dominates). USD per unit quality. */
export const MIN_WILLINGNESS_TO_PAY = 1e-4;
/** Largest willingness to pay the slider reaches (slider 10: quality dominates). USD per unit quality. */
export const MAX_WILLINGNESS_TO_PAY = 100;
/** Slider value used when a request gives no trade-off. @default 5 (0.1 USD per unit quality) */
export const DEFAULT_TRADEOFF = 5;

/**
 * Map the 0-10 slider log-uniformly onto [1e-4, 100] USD per unit quality:
 * `wtp = 10^(-4 + 0.6 * slider)` (0 -> 1e-4, 5 -> 0.1, 10 -> 100).
 */
export function tradeoffToWillingness(slider: number): number {
  const clamped = Math.min(10, Math.max(0, slider));
  return 10 ** (-4 + 0.6 * clamped);
}

/** Inverse of {@link tradeoffToWillingness} (clamped to [0, 10]). */
export function willingnessToTradeoff(willingnessToPay: number): number {
  const slider = (Math.log10(willingnessToPay) + 4) / 0.6;
  return Math.min(10, Math.max(0, slider));
}

/** Utility of one arm: `quality - costUsd / willingnessToPay`. */
export function utility(quality: number, costUsd: number, willingnessToPay: number): number {
  return quality - costUsd / willingnessToPay;
}
