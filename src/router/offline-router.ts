/**
 * Offline (batch) routing over predicted quality and estimated cost, used by the benchmark suite and
 * by the knob calibration. The decision rule is the online router's, from decision-rule.ts, over the
 * models whose estimated cost is within `maxCostUsd` (when given); ties go to the cheaper model,
 * then the lower index. When no model fits under the cap, the cheapest model is chosen and the
 * prompt is counted in `overBudget` (the online router returns NO_ELIGIBLE_ARM instead).
 */
import { chooseArm, type ArmEconomics } from './decision-rule.js';

/** Inputs of {@link routeOffline}: per prompt, per model (columns aligned across both arrays). */
export interface OfflineRouteInput {
  /** Predicted quality in [0, 1] per prompt per model. */
  readonly predictedQuality: readonly ArrayLike<number>[];
  /** Estimated cost in USD per prompt per model. */
  readonly estimatedCostUsd: readonly ArrayLike<number>[];
  /** USD per unit of quality (see tradeoffToWillingness for the 0-10 slider). */
  readonly willingnessToPay: number;
  /** Per-request cost cap in USD. @default no cap */
  readonly maxCostUsd?: number;
  /** Quality-floor mode (see decision-rule.ts). @default none */
  readonly qualityFloor?: number;
}

/** Result of {@link routeOffline}. */
export interface OfflineRouting {
  /** Chosen model index per prompt. */
  readonly choices: Int32Array;
  /** Prompts where no model fitted under the cap (routed to the cheapest). */
  readonly overBudget: number;
}

/** Route every prompt with the utility rule (pure, deterministic). */
export function routeOffline(input: OfflineRouteInput): OfflineRouting {
  const { predictedQuality, estimatedCostUsd, willingnessToPay } = input;
  const cap = input.maxCostUsd ?? Number.POSITIVE_INFINITY;
  const choices = new Int32Array(predictedQuality.length);
  let overBudget = 0;
  predictedQuality.forEach((quality, i) => {
    const cost = estimatedCostUsd[i] as ArrayLike<number>;
    const arms: ArmEconomics[] = [];
    const index: number[] = [];
    let cheapest = 0;
    for (let m = 0; m < quality.length; m++) {
      const c = cost[m] as number;
      if (c < (cost[cheapest] as number)) cheapest = m;
      if (!(c <= cap)) continue;
      arms.push({ predictedQuality: quality[m] as number, estimatedCostUsd: c });
      index.push(m);
    }
    const pick = chooseArm(arms, {
      willingnessToPay,
      ...(input.qualityFloor === undefined ? {} : { qualityFloor: input.qualityFloor }),
    });
    if (pick < 0) overBudget++;
    choices[i] = pick < 0 ? cheapest : (index[pick] as number);
  });
  return { choices, overBudget };
}

/** Share of prompts routed to `model` (an index). */
export function shareOf(choices: Int32Array, model: number): number {
  if (choices.length === 0) return Number.NaN;
  let count = 0;
  for (const choice of choices) if (choice === model) count++;
  return count / choices.length;
}
