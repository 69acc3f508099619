/**
 * Epsilon-greedy baseline (Sutton and Barto, Reinforcement Learning, 2nd ed., §2.2) on the same
 * residual models: with probability ε a uniformly random eligible arm, otherwise the arm with the
 * best posterior mean reward. Propensity of arm a: (1 - ε)·[a = greedy] + ε / K.
 */
import { RouterError, randomInt, type Rng } from '../../core/index.js';
import type { LinearArmsOptions } from '../arms-options.js';
import type { ArmEstimate, LinearArms } from '../linear-arms.js';
import { LinearPolicy, type Choice } from '../linear-policy.js';

/** Options of {@link EpsilonGreedyPolicy}. */
export interface EpsilonGreedyOptions extends LinearArmsOptions {
  /** Exploration probability in [0, 1]. @default 0.05 */
  readonly epsilon?: number;
}

/** Epsilon-greedy over catalog models. */
export class EpsilonGreedyPolicy extends LinearPolicy {
  readonly name = 'epsilon-greedy' as const;
  readonly epsilon: number;

  constructor(options: EpsilonGreedyOptions = {}, model?: LinearArms) {
    const { epsilon, ...arms } = options;
    super(model ?? arms);
    this.epsilon = epsilon ?? 0.05;
    if (!(this.epsilon >= 0 && this.epsilon <= 1)) {
      throw new RouterError('INPUT_INVALID', 'epsilon must be in [0, 1]');
    }
  }

  protected choose(estimates: readonly ArmEstimate[], greedy: number, rng: Rng): Choice {
    const explore = rng.next() < this.epsilon;
    const index = explore ? randomInt(rng, estimates.length) : greedy;
    const probabilities = this.distribution(estimates, greedy);
    return {
      index,
      propensity: probabilities[index] as number,
      scores: estimates.map((e) => e.mean),
    };
  }

  protected distribution(estimates: readonly ArmEstimate[], greedy: number): number[] {
    const uniform = this.epsilon / estimates.length;
    return estimates.map((_, i) => uniform + (i === greedy ? 1 - this.epsilon : 0));
  }

  protected params(): Record<string, number> {
    return { epsilon: this.epsilon };
  }
}
