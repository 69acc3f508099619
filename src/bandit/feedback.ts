/**
 * Joins an observed outcome to its stored decision and turns it into a bandit update. Outcomes may
 * arrive late (the decision's own features and offline estimates are used, not today's), out of
 * order, or for a fallback model among the decision's candidates; duplicates never get here (the
 * store's idempotency key stops them before listeners run).
 */
import { fail, ok, type Result } from '../core/index.js';
import type { ArmTags, BanditFeedback, BanditPolicy } from './policy.js';
import { observedQuality } from './reward.js';

/** What a stored decision contributes to an update (RoutingService's DecisionSummary fits). */
export interface DecisionContext {
  /** The features the policy stored at decision time, when it was a bandit. */
  readonly features?: readonly number[];
  /** The prompt embedding, to recompute features for decisions made without them. */
  readonly embedding?: Float32Array;
  /** Offline estimates per candidate at decision time. */
  readonly predicted?: readonly {
    readonly model: string;
    readonly quality: number;
    readonly costUsd: number;
    /** `prior` when the offline predictor never saw the model. */
    readonly source?: 'predictor' | 'prior';
  }[];
}

/** The parts of an outcome an update needs (the store's OutcomeRecord fits). */
export interface OutcomeFacts {
  readonly model: string;
  readonly quality: number | null;
  readonly errorClass: string | null;
  readonly costUsd: number | null;
}

/** Why an outcome teaches the policy nothing. */
export type SkipReason =
  /** Neither a quality nor an error was reported (latency-only feedback). */
  | 'no_quality'
  /** The decision kept neither features nor an embedding. */
  | 'no_context'
  /** The decision has no offline estimate for the model that answered. */
  | 'no_prediction'
  /** The stored features do not fit this policy (another projection or dimension). */
  | 'features_mismatch';

/** Build the update for one outcome, or say why there is none. */
export function joinFeedback(options: {
  readonly policy: Pick<BanditPolicy, 'features'>;
  readonly outcome: OutcomeFacts;
  readonly decision: DecisionContext;
  readonly tags?: ArmTags;
}): Result<BanditFeedback, SkipReason> {
  const { outcome, decision } = options;
  const quality = observedQuality(outcome);
  if (quality === undefined) return fail('no_quality');
  const prediction = decision.predicted?.find((arm) => arm.model === outcome.model);
  if (prediction === undefined) return fail('no_prediction');
  let features: readonly number[] | undefined = decision.features;
  const expected =
    decision.embedding === undefined ? undefined : options.policy.features(decision.embedding);
  if (features === undefined && expected !== undefined) features = Array.from(expected);
  if (features === undefined) return fail('no_context');
  if (expected !== undefined && expected.length !== features.length)
    return fail('features_mismatch');
  return ok({
    model: outcome.model,
    features,
    predictedQuality: prediction.quality,
    estimatedCostUsd: prediction.costUsd,
    quality,
    costUsd: outcome.costUsd,
    tags: {
      ...options.tags,
      ...(prediction.source === undefined ? {} : { source: prediction.source }),
    },
  });
}
