/**
 * The residual policy: routes with the service's own decision rule on the artifact's predictions
 * corrected by the memory of logged outcomes (residual-memory.ts), and explores only where the
 * correction is still uncertain.
 *
 * Selection. The greedy choice g is the decision rule (the context's `rule`: quality floor, then
 * utility, src/router/decision-rule.ts) on the corrected means. An arm m != g is *plausible* when
 * the rule would choose it were its quality at its optimistic value q_m + z std_m (the others at
 * their means), the upper-confidence test of UCB (Auer et al. 2002) applied to the rule itself. With
 * probability epsilon the policy picks uniformly among g and the plausible arms, else g; with no
 * plausible arm it never explores. Propensities are exact: g gets 1 - epsilon + epsilon / |P|, every
 * other member of P epsilon / |P|, the rest 0. As evidence near a prompt grows, std shrinks, P
 * collapses to {g} and the policy is the corrected greedy router.
 */
import { RouterError } from '../../core/index.js';
import type {
  BanditContext,
  BanditFeedback,
  BanditPolicy,
  BanditSelection,
  DecisionRuleFunction,
  PolicyState,
} from '../policy.js';
import { reward } from '../reward.js';
import {
  ResidualMemory,
  type ResidualEstimate,
  type ResidualMemoryJson,
} from './residual-memory.js';
import type { ResidualOptions } from './residual-options.js';

/** Layout version of {@link ResidualPolicyState}. */
export const RESIDUAL_STATE_FORMAT = 1;

/** Serialised residual policy. */
export interface ResidualPolicyState extends PolicyState {
  readonly policy: 'residual';
  readonly memory: ResidualMemoryJson;
}

/** A context without the rng. */
type ScoringContext = Omit<BanditContext, 'rng'>;

/** Highest utility, ties to the lower index: the rule when the caller gives none. */
const utilityRule: (willingnessToPay: number) => DecisionRuleFunction =
  (willingnessToPay) => (arms) => {
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    arms.forEach((arm, i) => {
      const score = reward(arm.predictedQuality, arm.estimatedCostUsd, willingnessToPay);
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    return best;
  };

/** The residual policy (see the file comment). */
export class ResidualPolicy implements BanditPolicy {
  readonly name = 'residual' as const;
  /** The router passes every ranked candidate and the rule, not only those over the offline floor. */
  readonly candidates = 'all' as const;
  /** The state holds the memory (about 1 MB of JSON at 2,000 outcomes): saved every 500 updates. */
  readonly saveEvery = 500;
  readonly memory: ResidualMemory;

  constructor(options: ResidualOptions = {}, memory?: ResidualMemory) {
    this.memory = memory ?? new ResidualMemory(options);
  }

  get version(): number {
    return this.memory.time;
  }

  /** Undiscounted outcome count per arm (diagnostics). */
  pulls(): Record<string, number> {
    return this.memory.pulls();
  }

  features(embedding: Float32Array): Float64Array {
    return this.memory.features(embedding);
  }

  /** Corrected estimates per arm for a context. */
  estimates(context: ScoringContext, x?: ArrayLike<number>): ResidualEstimate[] {
    if (context.arms.length === 0)
      throw new RouterError('NO_ELIGIBLE_ARM', 'a bandit needs at least one arm');
    return this.memory.estimate(x ?? this.memory.features(context.embedding), context.arms);
  }

  select(context: BanditContext): BanditSelection {
    const x = this.memory.features(context.embedding);
    const estimates = this.estimates(context, x);
    const { greedy, plausible } = this.candidateSet(context, estimates);
    const epsilon = this.memory.options.epsilon;
    let index = greedy;
    if (plausible.length > 1 && context.rng.next() < epsilon) {
      index = plausible[
        Math.min(plausible.length - 1, Math.floor(context.rng.next() * plausible.length))
      ] as number;
      // A trained arm is kept with probability trainedExploration (one more draw, only then).
      const keep = this.armEpsilon(context, index) / epsilon;
      if (index !== greedy && keep < 1 && !(context.rng.next() < keep)) index = greedy;
    }
    const probabilities = this.distribution(context, greedy, plausible);
    return {
      index,
      propensity: probabilities[index] as number,
      explored: index !== greedy,
      scores: estimates.map((e) => reward(e.quality, e.costUsd, context.willingnessToPay)),
      features: Array.from(x),
    };
  }

  probabilities(context: ScoringContext): number[] {
    const estimates = this.estimates(context);
    const { greedy, plausible } = this.candidateSet(context, estimates);
    return this.distribution(context, greedy, plausible);
  }

  update(feedback: BanditFeedback): void {
    this.memory.update(feedback);
  }

  toState(): ResidualPolicyState {
    return {
      policy: 'residual',
      format: RESIDUAL_STATE_FORMAT,
      version: this.memory.time,
      dimension: this.memory.dimension,
      memory: this.memory.toJson(),
    };
  }

  /** The rule's choice on the corrected means, and the arms it would choose when optimistic. */
  private candidateSet(
    context: ScoringContext,
    estimates: readonly ResidualEstimate[],
  ): { greedy: number; plausible: number[] } {
    const rule = context.rule ?? utilityRule(context.willingnessToPay);
    const means = estimates.map((e) => ({
      predictedQuality: e.quality,
      estimatedCostUsd: e.costUsd,
    }));
    const greedy = Math.max(0, rule(means));
    const z = this.memory.options.optimism;
    const plausible = [greedy];
    // One working copy of the means: arm m's entry is swapped for its optimistic one, the rule is
    // asked, and the entry is put back (the rule only reads the list).
    const optimistic = means.slice();
    estimates.forEach((e, m) => {
      if (m === greedy || e.std <= 0 || z <= 0) return;
      const mean = means[m] as (typeof means)[number];
      optimistic[m] = { ...mean, predictedQuality: Math.min(1, e.quality + z * e.std) };
      if (rule(optimistic) === m) plausible.push(m);
      optimistic[m] = mean;
    });
    plausible.sort((a, b) => a - b);
    return { greedy, plausible };
  }

  /**
   * Exploration probability toward arm m: `epsilon`, times `trainedExploration` when its offline
   * estimate comes from the trained predictor.
   */
  private armEpsilon(context: ScoringContext, m: number): number {
    const { epsilon, trainedExploration } = this.memory.options;
    return context.tags?.[m]?.source === 'predictor' ? epsilon * trainedExploration : epsilon;
  }

  /** Exact choice probabilities: each plausible m != g gets its epsilon / |P|, g the rest. */
  private distribution(
    context: ScoringContext,
    greedy: number,
    plausible: readonly number[],
  ): number[] {
    const out = new Array<number>(context.arms.length).fill(0);
    let explored = 0;
    if (plausible.length > 1) {
      for (const m of plausible) {
        if (m === greedy) continue;
        out[m] = this.armEpsilon(context, m) / plausible.length;
        explored += out[m];
      }
    }
    out[greedy] = 1 - explored;
    return out;
  }
}
