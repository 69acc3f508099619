/** What {@link Router.route} returns: the decision and its ranked candidates. */
import type { Exclusion } from './candidates.js';
import type { PiiKind } from './pii.js';
import type { ScoredArm } from './selection.js';

/** One ranked candidate in a decision (the ranking doubles as the fallback order). */
export interface RankedArm extends ScoredArm {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Hidden reasoning tokens included in `outputTokens` (0 for a model that does not reason). */
  readonly reasoningTokens: number;
  /** Observed p95 latency, ms, when known. */
  readonly latencyP95Ms: number | null;
  /** Where the quality estimate came from. */
  readonly source: 'predictor' | 'prior';
  /** Standard deviation of the predicted quality (ensemble spread, plus the prior's for priors). */
  readonly qualityUncertainty: number;
}

/** A routing decision. */
export interface RouteDecision {
  readonly decisionId: string;
  readonly createdAtMs: number;
  readonly tenant: string;
  readonly model: string;
  readonly ranked: readonly RankedArm[];
  readonly excluded: readonly Exclusion[];
  readonly policy: string;
  readonly policyVersion: number;
  readonly propensity: number;
  readonly explored: boolean;
  readonly predictorVersion: string;
  readonly willingnessToPay: number;
  readonly promptHash: string;
  readonly routedText: string;
  readonly embedding: Float32Array;
  readonly embedderId: string;
  /** Context features the selection policy used (bandit policies), for its update on feedback. */
  readonly policyFeatures?: readonly number[];
  /** Kinds of PII found in the prompt (the request was restricted to cleared models). */
  readonly pii: readonly PiiKind[];
  /** Multiplier budget pacing applied to willingness to pay (1 = on or under pace). */
  readonly budgetPacing: number;
  /** True when the session's pinned model was kept. */
  readonly sessionPinned: boolean;
}
