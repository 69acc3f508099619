/**
 * The bandit policy contract. bandit/ is pure (no fs, DuckDB, clock or Math.random); randomness
 * arrives as an injected Rng. The types below are structurally compatible with the router's
 * SelectionPolicy (src/router/selection.ts), so a BanditPolicy plugs into the online Router as is,
 * without bandit/ importing router/ (layering: router depends on bandit, not the reverse).
 */
import type { Rng } from '../core/index.js';

/** Names of the shipped bandit policies. */
export const BANDIT_POLICY_NAMES = ['linucb', 'thompson', 'epsilon-greedy', 'residual'] as const;

/** One bandit policy name. */
export type BanditPolicyName = (typeof BANDIT_POLICY_NAMES)[number];

/** True when `name` is a bandit policy name. */
export function isBanditPolicyName(name: string): name is BanditPolicyName {
  return (BANDIT_POLICY_NAMES as readonly string[]).includes(name);
}

/** One eligible arm as the policy sees it (the router's ScoredArm). */
export interface BanditArm {
  /** Catalog model id; the arm's key in the policy state. */
  readonly model: string;
  /** The offline predictor's quality estimate in [0, 1] (the prior mean the bandit corrects). */
  readonly predictedQuality: number;
  /** Estimated cost of the call, USD. */
  readonly estimatedCostUsd: number;
  /** Offline utility `predictedQuality - estimatedCostUsd / willingnessToPay`. */
  readonly score: number;
  /** Standard deviation of `predictedQuality` (the predictor's ensemble spread or prior's). */
  readonly qualityUncertainty?: number;
}

/** Catalog facts about an arm, used to set the prior of a model the policy has not seen. */
export interface ArmTags {
  /** Catalog tier (`frontier`, `mid`, `small`). */
  readonly tier?: string;
  /** Catalog family (`gpt-4`, `llama-2`, ...). */
  readonly family?: string;
  /** Where the offline estimate came from; `prior` means the trained predictor never saw the model. */
  readonly source?: 'predictor' | 'prior';
}

/** What a decision rule reads of one arm (the router's ArmEconomics). */
export interface RuleArm {
  readonly predictedQuality: number;
  readonly estimatedCostUsd: number;
}

/**
 * The service's decision rule for one request (src/router/decision-rule.ts `chooseArm` bound to the
 * request's willingness to pay and quality floor): the index of its choice among `arms`, -1 when
 * empty. Passed in by the router, so a policy ranks corrected predictions exactly as the service
 * ranks offline ones, without bandit/ importing router/.
 */
export type DecisionRuleFunction = (arms: readonly RuleArm[]) => number;

/** Input of one selection (a structural subset of the router's SelectionContext). */
export interface BanditContext {
  /** Eligible arms (at least one). */
  readonly arms: readonly BanditArm[];
  /** The prompt embedding (L2-normalised). */
  readonly embedding: Float32Array;
  /** USD per unit quality for this request; the reward uses `lambda = 1 / willingnessToPay`. */
  readonly willingnessToPay: number;
  readonly rng: Rng;
  /** Catalog facts per arm, aligned with `arms`, when the caller has them. */
  readonly tags?: readonly (ArmTags | undefined)[];
  /** The request's decision rule; policies that re-rank use it. @default highest utility */
  readonly rule?: DecisionRuleFunction;
}

/** The choice, how likely it was, and the context features to store with the decision. */
export interface BanditSelection {
  /** Index into `arms`. */
  readonly index: number;
  /** Probability the policy had of choosing this arm given the context, in (0, 1]. */
  readonly propensity: number;
  /** True when the choice was not the arm with the best posterior mean. */
  readonly explored: boolean;
  /** The policy's score per arm (UCB, posterior sample, mean), aligned with `arms`. */
  readonly scores: readonly number[];
  /** The context feature vector the choice used; store it so late feedback can update without re-embedding. */
  readonly features: readonly number[];
}

/**
 * An observed outcome joined to its decision: what the arm was predicted to do, what it did.
 * Reward = quality - costUsd / willingnessToPay (the router's utility knob, src/router/tradeoff.ts).
 */
export interface BanditFeedback {
  /** The model that served the call (the decision's choice or a fallback among its candidates). */
  readonly model: string;
  /** Context features recorded with the decision ({@link BanditSelection.features}). */
  readonly features: readonly number[];
  /** The offline quality estimate for `model` at decision time. */
  readonly predictedQuality: number;
  /** The estimated cost for `model` at decision time, USD. */
  readonly estimatedCostUsd: number;
  /** Observed quality in [0, 1]. */
  readonly quality: number;
  /** Observed cost, USD; null when not reported (the estimate stands in). */
  readonly costUsd: number | null;
  /** Catalog facts for a model the policy may not know yet. */
  readonly tags?: ArmTags;
}

/**
 * Serialised policy state (JSON-safe): `policy` picks the factory, `format` guards layout changes,
 * `version` counts applied updates.
 */
export interface PolicyState {
  readonly policy: BanditPolicyName;
  /** Layout version of this JSON. */
  readonly format: number;
  /** Updates applied so far (the stored decisions' policy_version). */
  readonly version: number;
  /** Context feature dimension d. */
  readonly dimension: number;
  readonly [key: string]: unknown;
}

/** A contextual bandit policy over catalog models. */
export interface BanditPolicy {
  readonly name: BanditPolicyName;
  /**
   * Which candidates the router offers: `floor` (default), those the offline predictions put over
   * the quality floor; `all`, every ranked candidate with the rule in the context (a policy that
   * corrects the predictions applies the floor to its corrected values).
   */
  readonly candidates?: 'floor' | 'all';
  /** Updates applied so far; recorded with each decision. */
  readonly version: number;
  /**
   * Updates between state saves that the state's size warrants (a save serialises the whole state;
   * after a crash the outcomes since the last save are replayed, so a longer interval costs only a
   * longer catch-up). Services use 50 when a policy gives none.
   */
  readonly saveEvery?: number;
  /** Choose an arm for one request. Deterministic given the state and the rng. */
  select(context: BanditContext): BanditSelection;
  /** Probability of each arm under the policy for a context, aligned with `arms` (off-policy evaluation). */
  probabilities(context: Omit<BanditContext, 'rng'>): number[];
  /** Learn from one outcome. */
  update(feedback: BanditFeedback): void;
  /** The context features for an embedding (what {@link select} stores in `features`). */
  features(embedding: Float32Array): Float64Array;
  /** JSON-safe state; {@link policyFromState} restores it exactly. */
  toState(): PolicyState;
}
