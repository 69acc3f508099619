/**
 * LinUCB with disjoint linear models (Li, Chu, Langford and Schapire, WWW 2010, Algorithm 1), on the
 * residual over the offline router (see linear-arms.ts): choose argmax_a μ_a + α σ_a, where μ_a is
 * the posterior mean reward and σ_a = s √(xᵀA_a⁻¹x) its posterior std. Deterministic: the choice has
 * propensity 1 and the rng is not used, so logs of a LinUCB policy support no off-policy estimate of
 * a different policy (IPS needs π_log(a|x) > 0); use Thompson or epsilon-greedy when that matters.
 */
import { RouterError } from '../../core/index.js';
import type { LinearArmsOptions } from '../arms-options.js';
import type { ArmEstimate, LinearArms } from '../linear-arms.js';
import { LinearPolicy, argmax, type Choice } from '../linear-policy.js';

/** Options of {@link LinUcbPolicy}. */
export interface LinUcbOptions extends LinearArmsOptions {
  /** Width of the confidence bonus, in posterior stds. @default 1 */
  readonly alpha?: number;
}

/** LinUCB over catalog models. */
export class LinUcbPolicy extends LinearPolicy {
  readonly name = 'linucb' as const;
  readonly alpha: number;

  constructor(options: LinUcbOptions = {}, model?: LinearArms) {
    const { alpha, ...arms } = options;
    super(model ?? arms);
    this.alpha = alpha ?? 1;
    if (!(this.alpha >= 0)) throw new RouterError('INPUT_INVALID', 'alpha must be >= 0');
  }

  protected choose(estimates: readonly ArmEstimate[]): Choice {
    const scores = estimates.map((e) => e.mean + this.alpha * e.std);
    return { index: argmax(scores), propensity: 1, scores };
  }

  protected distribution(estimates: readonly ArmEstimate[]): number[] {
    const chosen = this.choose(estimates).index;
    return estimates.map((_, i) => (i === chosen ? 1 : 0));
  }

  protected params(): Record<string, number> {
    return { alpha: this.alpha };
  }
}
