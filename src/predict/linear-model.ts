/**
 * L2-regularised generalised linear models fitted full-batch with L-BFGS.
 * Objective (mean over rows, bias unpenalised):
 *   logistic:  (1/W) sum_i w_i [softplus(z_i) - y_i z_i] + (l2 / 2) |beta|^2,  z_i = beta.x_i + b
 *     (binary cross-entropy; with fractional y it is the quasi-binomial / "soft label" fit)
 *   squared:   (1/W) sum_i w_i (z_i - y_i)^2 / 2 + (l2 / 2) |beta|^2             (ridge regression)
 * Hastie, Tibshirani & Friedman, Elements of Statistical Learning, 2nd ed., eq. 3.41 and 4.20.
 */
import { axpy, dot, sigmoid, softplus } from './linalg.js';
import type { Vector } from './linalg.js';
import { minimizeLbfgs } from './lbfgs.js';

/** Link/loss of a linear model. */
export const LINEAR_LOSSES = ['logistic', 'squared'] as const;
/** `logistic` for 0/1 or fractional labels through a sigmoid; `squared` for ridge regression. */
export type LinearLoss = (typeof LINEAR_LOSSES)[number];

/** Options for {@link fitLinearModel}. */
export interface LinearFitOptions {
  /** Feature rows, all of one length. */
  readonly rows: readonly Vector[];
  /** One target per row. */
  readonly targets: ArrayLike<number>;
  readonly loss: LinearLoss;
  /** L2 penalty on the weights (not the bias). @default 1e-3 */
  readonly l2?: number;
  /** Per-row weights. @default all 1 */
  readonly sampleWeights?: ArrayLike<number>;
  /** L-BFGS iteration cap. @default 300 */
  readonly maxIterations?: number;
}

/** A fitted linear model: z = weights . x + bias. */
export interface LinearModel {
  readonly weights: Float64Array;
  readonly bias: number;
}

/** Fit a linear model (deterministic; starts from zero weights and the target-mean bias). */
export function fitLinearModel(options: LinearFitOptions): LinearModel {
  const { rows, targets, loss } = options;
  const l2 = options.l2 ?? 1e-3;
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  const weightsOf = (i: number): number => options.sampleWeights?.[i] ?? 1;
  let totalWeight = 0;
  let weightedTarget = 0;
  for (let i = 0; i < n; i++) {
    totalWeight += weightsOf(i);
    weightedTarget += weightsOf(i) * (targets[i] ?? 0);
  }
  if (n === 0 || totalWeight <= 0) return { weights: new Float64Array(d), bias: 0 };
  const meanTarget = weightedTarget / totalWeight;
  const start = new Float64Array(d + 1);
  start[d] =
    loss === 'logistic'
      ? Math.log(Math.max(1e-4, meanTarget) / Math.max(1e-4, 1 - meanTarget))
      : meanTarget;

  const objective = (x: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    const bias = x[d] ?? 0;
    let value = 0;
    let biasGradient = 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i] as Vector;
      const y = targets[i] ?? 0;
      const w = weightsOf(i) / totalWeight;
      const z = dot(x, row, d) + bias;
      let residual: number;
      if (loss === 'logistic') {
        value += w * (softplus(z) - y * z);
        residual = w * (sigmoid(z) - y);
      } else {
        value += (w * (z - y) ** 2) / 2;
        residual = w * (z - y);
      }
      biasGradient += residual;
      axpy(gradient, residual, row, d);
    }
    for (let j = 0; j < d; j++) {
      const beta = x[j] ?? 0;
      value += (l2 / 2) * beta * beta;
      gradient[j] = (gradient[j] ?? 0) + l2 * beta;
    }
    gradient[d] = biasGradient;
    return value;
  };
  const result = minimizeLbfgs(objective, start, { maxIterations: options.maxIterations ?? 300 });
  return { weights: result.x.slice(0, d), bias: result.x[d] ?? 0 };
}

/** The linear score z = weights . x + bias. */
export function linearScore(model: LinearModel, x: Vector): number {
  return dot(model.weights, x) + model.bias;
}
