/**
 * One L2-regularised linear model per model id over the prompt embedding: logistic for 0/1 (or soft)
 * labels, squared loss (ridge, clipped to [0, 1]) as the least-squares variant for fractional labels.
 */
import type { PredictorState, QualityPredictor, TrainingSet } from './predictor.js';
import { decodeFloat32, encodeFloat32 } from './encoding.js';
import { dot, sigmoid } from './linalg.js';
import type { LinearLoss } from './linear-model.js';
import { fitLinearModel } from './linear-model.js';
import { assertQueryDimension, assertStateHeader, PREDICTOR_STATE_VERSION } from './state.js';
import { assertTrainingSet, dimensionOf, labelStatistics } from './training-set.js';

/** Options for {@link fitLogisticPredictor}. */
export interface LogisticOptions {
  /** L2 penalty per unit of mean loss. @default 1e-3 */
  readonly l2?: number;
  /** @default 'logistic' */
  readonly loss?: LinearLoss;
  /** L-BFGS iterations per model. @default 300 */
  readonly maxIterations?: number;
  /** Per-row loss weights (e.g. to balance datasets). @default all 1 */
  readonly rowWeights?: ArrayLike<number>;
}

/** Fit one linear head per model on the rows where it has a label. */
export function fitLogisticPredictor(
  set: TrainingSet,
  options: LogisticOptions = {},
): QualityPredictor {
  assertTrainingSet(set);
  const loss = options.loss ?? 'logistic';
  const d = dimensionOf(set);
  const { mean } = labelStatistics(set);
  const overall = meanOfFinite(mean, 0.5);
  const weights = new Float64Array(set.models.length * d);
  const bias = new Float64Array(set.models.length);
  set.models.forEach((_, m) => {
    const rows: Float32Array[] = [];
    const targets: number[] = [];
    const sampleWeights: number[] = [];
    set.quality.forEach((row, i) => {
      const y = row[m] ?? Number.NaN;
      if (Number.isNaN(y)) return;
      rows.push(set.embeddings[i] as Float32Array);
      targets.push(Math.min(1, Math.max(0, y)));
      sampleWeights.push(options.rowWeights?.[i] ?? 1);
    });
    if (rows.length === 0) {
      bias[m] = loss === 'logistic' ? Math.log(overall / (1 - overall)) : overall;
      return;
    }
    const model = fitLinearModel({
      rows,
      targets,
      loss,
      l2: options.l2 ?? 1e-3,
      sampleWeights,
      maxIterations: options.maxIterations ?? 300,
    });
    weights.set(model.weights, m * d);
    bias[m] = model.bias;
  });
  // Round through float32 now, as toState() does, so a restored predictor predicts identically.
  return new LogisticPredictor(
    set.models,
    d,
    loss,
    Float64Array.from(Float32Array.from(weights)),
    Float64Array.from(Float32Array.from(bias)),
  );
}

function meanOfFinite(values: Float64Array, fallback: number): number {
  const finite = [...values].filter((v) => Number.isFinite(v));
  if (finite.length === 0) return fallback;
  return Math.min(0.99, Math.max(0.01, finite.reduce((a, b) => a + b, 0) / finite.length));
}

class LogisticPredictor implements QualityPredictor {
  readonly kind = 'logistic';

  readonly models: readonly string[];
  private readonly dimension: number;
  private readonly loss: LinearLoss;
  private readonly weights: Float64Array;
  private readonly bias: Float64Array;

  constructor(
    models: readonly string[],
    dimension: number,
    loss: LinearLoss,
    weights: Float64Array,
    bias: Float64Array,
  ) {
    this.models = models;
    this.dimension = dimension;
    this.loss = loss;
    this.weights = weights;
    this.bias = bias;
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    assertQueryDimension(embeddings, this.dimension);
    const d = this.dimension;
    return embeddings.map((x) => {
      const out = new Float64Array(this.models.length);
      for (let m = 0; m < this.models.length; m++) {
        const z = dot(this.weights.subarray(m * d, (m + 1) * d), x, d) + (this.bias[m] ?? 0);
        out[m] = this.loss === 'logistic' ? sigmoid(z) : Math.min(1, Math.max(0, z));
      }
      return out;
    });
  }

  toState(): PredictorState {
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...this.models],
      dimension: this.dimension,
      loss: this.loss,
      weights: encodeFloat32(this.weights),
      bias: encodeFloat32(this.bias),
    };
  }
}

/** Restore a predictor written by {@link fitLogisticPredictor}'s `toState()`. */
export function logisticPredictorFromState(value: unknown): QualityPredictor {
  const state = assertStateHeader(value, 'logistic');
  const loss: LinearLoss = state.loss === 'squared' ? 'squared' : 'logistic';
  const m = state.models.length;
  const weights = decodeFloat32(state.weights, m * state.dimension);
  const bias = decodeFloat32(state.bias, m);
  return new LogisticPredictor(state.models, state.dimension, loss, weights, bias);
}
