/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with per-parameter L2, as the gradient-trained predictors use
 * it: one optimiser state per parameter vector, one `step` per minibatch.
 */
export class Adam {
  private readonly first: Float64Array;
  private readonly second: Float64Array;
  private readonly learningRate: number;
  private t = 0;

  constructor(size: number, learningRate: number) {
    this.first = new Float64Array(size);
    this.second = new Float64Array(size);
    this.learningRate = learningRate;
  }

  /** Update `theta` in place from `gradient` plus `l2[k] * theta[k]` (a number applies to all). */
  step(theta: Float64Array, gradient: Float64Array, l2: Float64Array | number): void {
    const beta1 = 0.9;
    const beta2 = 0.999;
    this.t++;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    for (let k = 0; k < theta.length; k++) {
      const penalty = typeof l2 === 'number' ? l2 : (l2[k] ?? 0);
      const g = (gradient[k] ?? 0) + penalty * (theta[k] ?? 0);
      const m1 = beta1 * (this.first[k] ?? 0) + (1 - beta1) * g;
      const m2 = beta2 * (this.second[k] ?? 0) + (1 - beta2) * g * g;
      this.first[k] = m1;
      this.second[k] = m2;
      theta[k] =
        (theta[k] ?? 0) -
        (this.learningRate * (m1 / correction1)) / (Math.sqrt(m2 / correction2) + 1e-8);
    }
  }
}
