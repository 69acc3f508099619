/**
 * The one decision rule: the HTTP router (`Router.route`), offline routing (`routeOffline`), the
 * benchmark suites and the knob calibration all order candidates with {@link compareArms}, so a
 * benchmark scores exactly what `/v1/route` serves.
 *
 * - The highest utility `quality - cost / willingnessToPay` (ties: cheaper first),
 * - among the candidates predicted to reach f x the best candidate's quality when a quality floor
 *   f in (0, 1] applies (the served default: `DEFAULT_QUALITY_FLOOR`); the others follow, by
 *   utility, as fallbacks only. The bandit explores among the eligible candidates alone.
 *
 * Why a floor and a price: the utility's price term is in dollars, so it weighs a long answer's
 * cost more than a short one's, and with predicted quality gaps of a few points it sends hard,
 * long prompts to cheap models. The floor is scale-free: a model whose predicted quality on this
 * prompt is far below the best candidate's is not a choice at any price (hard prompts), while on
 * prompts every model answers well (everyday chat) all candidates pass and price decides.
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

/**
 * The quality floor a request gets when it names none: a choice must be predicted to reach 90% of
 * the best candidate's quality. Chosen on the hand-written dev prompts (training/dev), never on the
 * default-behaviour benchmark: floors 0.85-0.93 all kept >= 90% of everyday prompts off the
 * frontier tier and sent >= 75% of expert ones to it; 0.9 is the round value in the middle.
 */
export const DEFAULT_QUALITY_FLOOR = 0.9;

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

/** Number of leading arms, in the rule's order, that reach the floor (all without a floor). */
export function eligibleCount(
  sorted: readonly ArmEconomics[],
  threshold: number | undefined,
): number {
  if (threshold === undefined) return sorted.length;
  let n = 0;
  while (n < sorted.length && (sorted[n]?.predictedQuality ?? 0) >= threshold) n++;
  return Math.max(1, n);
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
  return compareScored(
    a.predictedQuality,
    a.score,
    a.estimatedCostUsd,
    b.predictedQuality,
    b.score,
    b.estimatedCostUsd,
    threshold,
  );
}

/** {@link compareArms} on the three numbers it reads of each arm. */
function compareScored(
  aQuality: number,
  aScore: number,
  aCost: number,
  bQuality: number,
  bScore: number,
  bCost: number,
  threshold: number | undefined,
): number {
  if (threshold !== undefined) {
    const aOk = aQuality >= threshold;
    const bOk = bQuality >= threshold;
    if (aOk !== bOk) return aOk ? -1 : 1;
  }
  return bScore - aScore || aCost - bCost;
}

/**
 * Index of the rule's choice among `arms` (-1 when empty): the first arm that no later arm beats
 * under {@link compareArms}. Allocates nothing: the residual learner asks it once per candidate on
 * every decision (which arms an optimistic estimate would make the choice).
 */
export function chooseArm(arms: readonly ArmEconomics[], rule: DecisionRule): number {
  const threshold = qualityThreshold(arms, rule.qualityFloor);
  let best = -1;
  let bestQuality = 0;
  let bestScore = 0;
  let bestCost = 0;
  for (let i = 0; i < arms.length; i++) {
    const arm = arms[i] as ArmEconomics;
    const score = armScore(arm.predictedQuality, arm.estimatedCostUsd, rule.willingnessToPay);
    if (
      best < 0 ||
      compareScored(
        arm.predictedQuality,
        score,
        arm.estimatedCostUsd,
        bestQuality,
        bestScore,
        bestCost,
        threshold,
      ) < 0
    ) {
      best = i;
      bestQuality = arm.predictedQuality;
      bestScore = score;
      bestCost = arm.estimatedCostUsd;
    }
  }
  return best;
}
