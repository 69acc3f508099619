/**
 * Per-model output-length estimator: ridge regression of log(1 + tokens) on the prompt embedding for
 * models with enough observations, else the model's median, else the median over all models.
 * Predicting on the log scale and exponentiating gives the conditional geometric mean, which is
 * robust to the heavy right tail of response lengths.
 */
import type { OutputLengthPredictor, PredictorState, TrainingSet } from './predictor.js';
import { decodeFloat32, encodeFloat32, roundSignificant } from './encoding.js';
import { dot, median } from './linalg.js';
import { fitLinearModel } from './linear-model.js';
import {
  assertQueryDimension,
  assertStateHeader,
  numberArrayField,
  numberField,
  PREDICTOR_STATE_VERSION,
} from './state.js';
import { assertTrainingSet, dimensionOf } from './training-set.js';
import { RouterError } from '../core/index.js';

/** Options for {@link fitOutputLengthPredictor}. */
export interface OutputLengthOptions {
  /** Ridge penalty. @default 1e-2 */
  readonly l2?: number;
  /** Observations a model needs before it gets a regression (else its median). @default 50 */
  readonly minObservations?: number;
  /** Used when no model has any output-token data. @default 256 */
  readonly defaultTokens?: number;
}

/** Fit from `set.outputTokens` (models without data fall back to medians). */
export function fitOutputLengthPredictor(
  set: TrainingSet,
  options: OutputLengthOptions = {},
): OutputLengthPredictor {
  assertTrainingSet(set);
  const d = dimensionOf(set);
  const m = set.models.length;
  const tokens = set.outputTokens ?? [];
  const all: number[] = [];
  for (const row of tokens) for (const t of row) if (Number.isFinite(t) && t >= 0) all.push(t);
  const globalMedian = all.length > 0 ? median(all) : (options.defaultTokens ?? 256);
  const medians = new Float64Array(m);
  const weights = new Float64Array(m * d);
  const bias = new Float64Array(m);
  const fitted = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    const rows: Float32Array[] = [];
    const targets: number[] = [];
    tokens.forEach((row, i) => {
      const t = row[j] ?? Number.NaN;
      if (!Number.isFinite(t) || t < 0) return;
      rows.push(set.embeddings[i] as Float32Array);
      targets.push(Math.log1p(t));
    });
    medians[j] = rows.length > 0 ? median(targets.map((t) => Math.expm1(t))) : globalMedian;
    if (rows.length < (options.minObservations ?? 50)) continue;
    const model = fitLinearModel({ rows, targets, loss: 'squared', l2: options.l2 ?? 1e-2 });
    weights.set(model.weights, j * d);
    bias[j] = model.bias;
    fitted[j] = 1;
  }
  // Round now exactly as toState() does, so a restored predictor predicts identically.
  return new RidgeOutputLength(
    set.models,
    d,
    roundSignificant(globalMedian, 7),
    medians.map((v) => roundSignificant(v, 7)),
    fitted,
    Float64Array.from(Float32Array.from(weights)),
    Float64Array.from(Float32Array.from(bias)),
  );
}

class RidgeOutputLength implements OutputLengthPredictor {
  readonly kind = 'ridge-log-tokens';

  readonly models: readonly string[];
  private readonly dimension: number;
  private readonly globalMedian: number;
  private readonly medians: Float64Array;
  private readonly fitted: Uint8Array;
  private readonly weights: Float64Array;
  private readonly bias: Float64Array;

  constructor(
    models: readonly string[],
    dimension: number,
    globalMedian: number,
    medians: Float64Array,
    fitted: Uint8Array,
    weights: Float64Array,
    bias: Float64Array,
  ) {
    this.models = models;
    this.dimension = dimension;
    this.globalMedian = globalMedian;
    this.medians = medians;
    this.fitted = fitted;
    this.weights = weights;
    this.bias = bias;
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    assertQueryDimension(embeddings, this.dimension);
    const d = this.dimension;
    return embeddings.map((x) =>
      Float64Array.from(this.models, (_, j) => {
        if (this.fitted[j] !== 1) return Math.max(1, this.medians[j] ?? this.globalMedian);
        const z = dot(this.weights.subarray(j * d, (j + 1) * d), x, d) + (this.bias[j] ?? 0);
        return Math.max(1, Math.expm1(z));
      }),
    );
  }

  toState(): PredictorState {
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...this.models],
      dimension: this.dimension,
      globalMedian: roundSignificant(this.globalMedian, 7),
      medians: [...this.medians].map((v) => roundSignificant(v, 7)),
      fitted: [...this.fitted],
      weights: encodeFloat32(this.weights),
      bias: encodeFloat32(this.bias),
    };
  }
}

/** Restore an output-length predictor from its state. */
export function outputLengthPredictorFromState(value: unknown): OutputLengthPredictor {
  const state = assertStateHeader(value, 'ridge-log-tokens');
  const m = state.models.length;
  const fitted = numberArrayField(state, 'fitted', m);
  if (fitted.some((f) => f !== 0 && f !== 1))
    throw new RouterError('ARTIFACT_INVALID', 'fitted flags must be 0/1');
  return new RidgeOutputLength(
    state.models,
    state.dimension,
    numberField(state, 'globalMedian'),
    numberArrayField(state, 'medians', m),
    Uint8Array.from(fitted),
    decodeFloat32(state.weights, m * state.dimension),
    decodeFloat32(state.bias, m),
  );
}
