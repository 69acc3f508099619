/**
 * The bandit's reward, on the same knob as the offline router (src/router/tradeoff.ts):
 * reward = quality - lambda * cost with lambda = 1 / willingnessToPay. (Restated here rather than
 * imported because router/ depends on bandit/, not the reverse; reward.test.ts pins the two equal.)
 */

/** Reward of one call: `quality - costUsd / willingnessToPay`. */
export function reward(quality: number, costUsd: number, willingnessToPay: number): number {
  return quality - costUsd / willingnessToPay;
}

/** Error classes that say nothing about the model's answers (capacity, not quality). */
export const NON_QUALITY_ERRORS: ReadonlySet<string> = new Set(['rate_limited']);

/**
 * The quality a bandit learns from for one outcome: the reported quality, or 0 for a call that
 * failed without one (a timeout or server error is a useless answer for the user); undefined when
 * neither was reported (latency-only feedback teaches the quality model nothing) or the failure was
 * a rate limit (the proxy keeps rate-limited models out of routing on its own).
 */
export function observedQuality(outcome: {
  readonly quality: number | null;
  readonly errorClass: string | null;
}): number | undefined {
  if (outcome.quality !== null && Number.isFinite(outcome.quality)) return outcome.quality;
  if (outcome.errorClass === null || NON_QUALITY_ERRORS.has(outcome.errorClass)) return undefined;
  return 0;
}

/**
 * The (estimated, observed) cost pair one outcome adds to a model's cost sums: the observed cost
 * falls back to the estimate when the outcome reports none; both are clamped at 0.
 */
export function costPair(
  estimatedCostUsd: number,
  costUsd: number | null,
): { estimated: number; observed: number } {
  const estimated = Math.max(estimatedCostUsd, 0);
  const observed = costUsd === null || !Number.isFinite(costUsd) ? estimated : Math.max(costUsd, 0);
  return { estimated, observed };
}

/**
 * Observed over estimated cost of a model's calls, shrunk towards 1 by `priorWeight`
 * pseudo-observations at the estimate (sums already discounted by the caller): 1 without evidence.
 */
export function shrunkCostRatio(sums: {
  readonly observed: number;
  readonly estimated: number;
  readonly weight: number;
  readonly priorWeight: number;
}): number {
  if (sums.weight <= 0 || sums.estimated <= 0) return 1;
  const pseudo = sums.priorWeight * (sums.estimated / sums.weight);
  return (sums.observed + pseudo) / (sums.estimated + pseudo);
}
