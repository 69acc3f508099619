/**
 * What LinUCB, Thompson sampling and epsilon-greedy share: the per-arm models (linear-arms.ts), the
 * feature map, selection bookkeeping and state. Each subclass supplies only its choice rule and the
 * probability it gives every arm.
 */
import { RouterError, type Rng } from '../core/index.js';
import type { LinearArmsOptions } from './arms-options.js';
import { LinearArms, type ArmEstimate, type LinearArmsStateJson } from './linear-arms.js';
import type {
  BanditContext,
  BanditFeedback,
  BanditPolicy,
  BanditPolicyName,
  BanditSelection,
  PolicyState,
} from './policy.js';

/** Layout version of {@link LinearPolicyState}. */
export const POLICY_STATE_FORMAT = 1;

/** Serialised linear policy. */
export interface LinearPolicyState extends PolicyState {
  /** The policy's own knobs (alpha, epsilon, explorationScale). */
  readonly params: Readonly<Record<string, number>>;
  readonly model: LinearArmsStateJson;
}

/** A context without the rng: what {@link LinearPolicy.probabilities} needs. */
export type ScoringContext = Omit<BanditContext, 'rng'>;

/** What a choice rule returns. */
export interface Choice {
  readonly index: number;
  readonly propensity: number;
  readonly scores: readonly number[];
}

/** Index of the largest value; ties go to the lower index (the better offline rank). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

/** Base class of the linear bandit policies. */
export abstract class LinearPolicy implements BanditPolicy {
  abstract readonly name: BanditPolicyName;
  protected readonly model: LinearArms;

  protected constructor(model: LinearArms | LinearArmsOptions | undefined) {
    this.model = model instanceof LinearArms ? model : new LinearArms(model ?? {});
  }

  /** Updates applied so far. */
  get version(): number {
    return this.model.time;
  }

  /** Undiscounted outcome count per arm (diagnostics). */
  pulls(): Record<string, number> {
    return this.model.pulls();
  }

  /** Posterior reward estimates per arm for a context. */
  estimates(
    context: ScoringContext,
    x: ArrayLike<number> = this.model.features(context.embedding),
  ): ArmEstimate[] {
    if (context.arms.length === 0)
      throw new RouterError('NO_ELIGIBLE_ARM', 'a bandit needs at least one arm');
    return this.model.estimate({
      arms: context.arms,
      x,
      willingnessToPay: context.willingnessToPay,
      tags: context.tags,
    });
  }

  select(context: BanditContext): BanditSelection {
    const x = this.model.features(context.embedding);
    const estimates = this.estimates(context, x);
    const greedy = argmax(estimates.map((e) => e.mean));
    const choice = this.choose(estimates, greedy, context.rng);
    return {
      index: choice.index,
      propensity: choice.propensity,
      explored: choice.index !== greedy,
      scores: choice.scores,
      features: Array.from(x),
    };
  }

  /** The probability of each arm under the policy for this context (for off-policy evaluation). */
  probabilities(context: ScoringContext): number[] {
    const estimates = this.estimates(context);
    return this.distribution(estimates, argmax(estimates.map((e) => e.mean)));
  }

  update(feedback: BanditFeedback): void {
    this.model.update(feedback);
  }

  features(embedding: Float32Array): Float64Array {
    return this.model.features(embedding);
  }

  toState(): LinearPolicyState {
    return {
      policy: this.name,
      format: POLICY_STATE_FORMAT,
      version: this.model.time,
      dimension: this.model.dimension,
      params: this.params(),
      model: this.model.toJson(),
    };
  }

  /** Pick an arm (may draw from `rng`). */
  protected abstract choose(estimates: readonly ArmEstimate[], greedy: number, rng: Rng): Choice;
  /** Every arm's probability under {@link choose}. */
  protected abstract distribution(estimates: readonly ArmEstimate[], greedy: number): number[];
  /** The policy's own knobs, saved with the state. */
  protected abstract params(): Record<string, number>;
}
