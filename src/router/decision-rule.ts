/**
 * The one decision rule: the HTTP router (`Router.route`), offline routing (`routeOffline`), the
 * benchmark suites and the knob calibration all order candidates with {@link compareArms}, so a
 * benchmark scores exactly what `/v1/route` serves.
 *
 * - Default: the highest utility `quality - cost / willingnessToPay` (ties: cheaper first).
 * - With a quality floor f in (0, 1]: among the candidates predicted to reach f x the best
 *   candidate's quality, the cheapest first (ties: higher utility); the others follow by utility.
 */
import { utility } from './tradeoff.js';

/** What the rule reads of one candidate. */
export interface ArmEconomics {
  readonly predictedQuality: number;
  readonly estimatedCostUsd: number;
}

/** Options of the rule. */
export interface DecisionRule {
  /** USD per unit of quality. */
  readonly willingnessToPay: number;
  /** Share of the best candidate's predicted quality a choice must reach (quality-floor mode). */
  readonly qualityFloor?: number;
}

/** Smallest willingness to pay the rule uses: keeps every score finite. */
const MIN_RULE_WILLINGNESS = 1e-12;
/** Scores are clamped to +-this (finite for JSON and for every comparison). */
const SCORE_BOUND = 1e12;

/** The utility the rule ranks by, always finite. */
export function armScore(quality: number, costUsd: number, willingnessToPay: number): number {
  const wtp = Number.isFinite(willingnessToPay)
    ? Math.max(MIN_RULE_WILLINGNESS, willingnessToPay)
    : willingnessToPay > 0
      ? Number.MAX_VALUE
      : MIN_RULE_WILLINGNESS;
  const value = utility(
    Number.isFinite(quality) ? quality : 0,
    Number.isFinite(costUsd) ? costUsd : SCORE_BOUND,
    wtp,
  );
  if (Number.isNaN(value)) return -SCORE_BOUND;
  return Math.min(SCORE_BOUND, Math.max(-SCORE_BOUND, value));
}

/** The floor in quality units for a candidate set (undefined without a floor). */
export function qualityThreshold(
  arms: readonly ArmEconomics[],
  qualityFloor: number | undefined,
): number | undefined {
  if (qualityFloor === undefined) return undefined;
  let best = Number.NEGATIVE_INFINITY;
  for (const arm of arms) best = Math.max(best, arm.predictedQuality);
  return qualityFloor * best;
}

/**
 * Comparator of the rule (negative: `a` first). `threshold` is {@link qualityThreshold} of the
 * candidate set; scores are {@link armScore} values computed once by the caller.
 */
export function compareArms(
  a: ArmEconomics & { readonly score: number },
  b: ArmEconomics & { readonly score: number },
  threshold?: number,
): number {
  if (threshold !== undefined) {
    const aOk = a.predictedQuality >= threshold;
    const bOk = b.predictedQuality >= threshold;
    if (aOk !== bOk) return aOk ? -1 : 1;
    if (aOk && a.estimatedCostUsd !== b.estimatedCostUsd)
      return a.estimatedCostUsd - b.estimatedCostUsd;
  }
  return b.score - a.score || a.estimatedCostUsd - b.estimatedCostUsd;
}

/** Index of the rule's choice among `arms` (-1 when empty). */
export function chooseArm(arms: readonly ArmEconomics[], rule: DecisionRule): number {
  const threshold = qualityThreshold(arms, rule.qualityFloor);
  let best = -1;
  let bestArm: (ArmEconomics & { score: number }) | undefined;
  arms.forEach((arm, i) => {
    const scored = {
      ...arm,
      score: armScore(arm.predictedQuality, arm.estimatedCostUsd, rule.willingnessToPay),
    };
    if (bestArm === undefined || compareArms(scored, bestArm, threshold) < 0) {
      best = i;
      bestArm = scored;
    }
  });
  return best;
}
