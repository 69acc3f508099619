/**
 * Synthetic routing data with a known truth, for predictor tests: unit-norm embeddings in `dimension`
 * dims and per-model true success probabilities sigmoid(scale * w_m . x + b_m).
 */
import { createRng, randomNormal } from '../../core/index.js';
import type { Rng } from '../../core/index.js';
import type { TrainingSet } from '../predictor.js';
import { sigmoid } from '../linalg.js';

/** A unit vector with normal coordinates. */
export function randomUnit(rng: Rng, dimension: number): Float32Array {
  const v = Float32Array.from({ length: dimension }, () => randomNormal(rng));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Options for {@link syntheticSet}. */
export interface SyntheticOptions {
  readonly rows: number;
  readonly dimension: number;
  /** True weight direction per model (unit-ish); length = models. */
  readonly directions: readonly Float32Array[];
  readonly biases?: readonly number[];
  /** Logit scale. @default 6 */
  readonly scale?: number;
  /** Labelled rows per model (the first n rows); default all. */
  readonly labelledRows?: readonly number[];
  readonly seed: number;
  /** Fractional labels (the true probability) instead of 0/1 draws. @default false */
  readonly soft?: boolean;
}

/** A training set plus its true probabilities. */
export function syntheticSet(options: SyntheticOptions): {
  set: TrainingSet;
  truth: Float64Array[];
} {
  const rng = createRng(options.seed);
  const scale = options.scale ?? 6;
  const models = options.directions.map((_, m) => `model-${m}`);
  const embeddings: Float32Array[] = [];
  const quality: Float64Array[] = [];
  const truth: Float64Array[] = [];
  for (let i = 0; i < options.rows; i++) {
    const x = randomUnit(rng, options.dimension);
    const p = Float64Array.from(options.directions, (w, m) => {
      let z = options.biases?.[m] ?? 0;
      for (let j = 0; j < options.dimension; j++) z += scale * (w[j] ?? 0) * (x[j] ?? 0);
      return sigmoid(z);
    });
    const y = Float64Array.from(p, (pm, m) => {
      if (i >= (options.labelledRows?.[m] ?? options.rows)) return Number.NaN;
      return options.soft === true ? pm : rng.next() < pm ? 1 : 0;
    });
    embeddings.push(x);
    quality.push(y);
    truth.push(p);
  }
  return { set: { models, embeddings, quality }, truth };
}

/** Column m of a row-major list of rows. */
export function column(rows: readonly Float64Array[], m: number): number[] {
  return rows.map((r) => r[m] ?? Number.NaN);
}
