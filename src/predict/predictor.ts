/**
 * Quality and output-length prediction contracts. predict/ is pure: no fs, no DuckDB, no clock,
 * no Math.random (randomness arrives as a seed). Artifacts are serialised to plain JSON-safe state.
 */

/** Training rows for one fit: aligned embeddings and per-model labels. */
export interface TrainingSet {
  /** Model ids, the columns of `quality` / `outputTokens`. */
  readonly models: readonly string[];
  /** One L2-normalised embedding per prompt. */
  readonly embeddings: readonly Float32Array[];
  /** quality[i][m] in [0, 1], NaN when prompt i has no label for model m. */
  readonly quality: readonly Float64Array[];
  /** outputTokens[i][m] when known, NaN otherwise. */
  readonly outputTokens?: readonly Float64Array[];
}

/** A fitted per-model quality estimator. */
export interface QualityPredictor {
  /** Estimator kind, e.g. `knn`, `logistic`, `mf`. */
  readonly kind: string;
  readonly models: readonly string[];
  /** Predicted quality in [0, 1] (calibrated probability of success for 0/1 labels), per prompt per model. */
  predict(embeddings: readonly Float32Array[]): Float64Array[];
  /** JSON-safe state; restored by the matching factory. */
  toState(): PredictorState;
}

/** Serialised predictor; `kind` selects the factory, `version` guards format changes. */
export interface PredictorState {
  readonly kind: string;
  readonly version: number;
  readonly models: readonly string[];
  readonly dimension: number;
  readonly [key: string]: unknown;
}

/** A fitted per-model output-length estimator (expected output tokens). */
export interface OutputLengthPredictor {
  readonly kind: string;
  readonly models: readonly string[];
  /** Expected output tokens (>= 1) per prompt per model. */
  predict(embeddings: readonly Float32Array[]): Float64Array[];
  /** Expected output tokens of a model it has no data for (undefined: it cannot say). */
  predictUnseen?(x: Float32Array): number | undefined;
  /** JSON-safe state; restored by the matching factory. */
  toState(): PredictorState;
}
