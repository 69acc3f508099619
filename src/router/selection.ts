import type { Rng } from '../core/index.js';

/** One eligible arm as the selection policy sees it. */
export interface ScoredArm {
  readonly model: string;
  readonly predictedQuality: number;
  readonly estimatedCostUsd: number;
  /** Offline utility `quality - cost / willingnessToPay`. */
  readonly score: number;
  /** Standard deviation of `predictedQuality`; bandit policies widen their posterior by it. */
  readonly qualityUncertainty?: number;
}

/** Input of one selection. */
export interface SelectionContext {
  /** Eligible arms, best offline score first. */
  readonly arms: readonly ScoredArm[];
  /** The prompt embedding (for contextual policies). */
  readonly embedding: Float32Array;
  /** USD per unit quality in force for this request. */
  readonly willingnessToPay: number;
  readonly rng: Rng;
  /** Catalog facts per arm (aligned with `arms`): bandits set the prior of an unseen model from them. */
  readonly tags?: readonly (SelectionArmTags | undefined)[];
  /** The requesting tenant. */
  readonly tenant?: string;
  /**
   * The request's decision rule (decision-rule.ts `chooseArm` with its willingness to pay and
   * floor), given to policies that take every candidate (`candidates: 'all'`).
   */
  readonly rule?: (
    arms: readonly { readonly predictedQuality: number; readonly estimatedCostUsd: number }[],
  ) => number;
}

/** Catalog facts about one arm, as the selection policy sees them. */
export interface SelectionArmTags {
  /** Catalog tier (`frontier`, `mid`, `small`). */
  readonly tier?: string;
  /** Catalog family. */
  readonly family?: string;
  /** Where the quality estimate came from. */
  readonly source?: 'predictor' | 'prior';
}

/** The choice and how likely it was under the policy. */
export interface Selection {
  /** Index into `arms`. */
  readonly index: number;
  /** Probability the policy had of choosing this arm (for off-policy evaluation). */
  readonly propensity: number;
  /** True when the choice was not the policy's greedy best. */
  readonly explored: boolean;
  /** Arm scores after the policy's own adjustment, if it re-ranks (same order as `arms`). */
  readonly scores?: readonly number[];
  /** Context features the policy used, stored with the decision so late feedback can update it. */
  readonly features?: readonly number[];
}

/** Turns scored arms into a choice. The bandit policies implement this too. */
export interface SelectionPolicy {
  readonly name: string;
  /**
   * `floor` (default): the router offers the candidates its offline predictions put over the
   * quality floor; `all`: every ranked candidate, with the rule in the context (a policy that
   * corrects the predictions applies the floor itself).
   */
  readonly candidates?: 'floor' | 'all';
  readonly version: number;
  select(context: SelectionContext): Selection;
}

/** Always the best offline score: deterministic, propensity 1, never explores. */
export const greedyPolicy: SelectionPolicy = {
  name: 'greedy',
  version: 1,
  select: () => ({ index: 0, propensity: 1, explored: false }),
};
