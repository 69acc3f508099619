/**
 * k-nearest-neighbour quality estimator: cosine similarity over L2-normalised embeddings; for each
 * model, the k most similar training prompts that have a label for it vote, with optional softmax
 * distance weights w = exp((sim - 1) / temperature), shrunk toward the model's mean label with
 * `priorStrength` pseudo-observations:  p = (sum w_i y_i + a * mean_m) / (sum w_i + a).
 * Stored neighbours are int8-quantised (cosine error ~ 1e-3) so artifacts stay small; the fitted
 * predictor uses the same quantised rows, so a state round trip predicts identically.
 */
import type { PredictorState, QualityPredictor, TrainingSet } from './predictor.js';
import { dequantizeRows, quantizeRows, roundSignificant } from './encoding.js';
import type { QuantizedRows } from './encoding.js';
import { dot, norm } from './linalg.js';
import {
  assertQueryDimension,
  assertStateHeader,
  numberField,
  PREDICTOR_STATE_VERSION,
} from './state.js';
import { assertTrainingSet, dimensionOf, labelStatistics } from './training-set.js';
import { RouterError } from '../core/index.js';

/** Options for {@link fitKnnPredictor}. */
export interface KnnOptions {
  /** Neighbours per model. @default 20 */
  readonly k?: number;
  /** Softmax temperature on cosine similarity; undefined or 0 = uniform weights. @default undefined */
  readonly temperature?: number;
  /** Pseudo-observations at the model's mean label. @default 1 */
  readonly priorStrength?: number;
}

/** Fit (store) the labelled prompts. */
export function fitKnnPredictor(set: TrainingSet, options: KnnOptions = {}): QualityPredictor {
  assertTrainingSet(set);
  const d = dimensionOf(set);
  const normalisedRows = set.embeddings.map((e) => {
    const n = norm(e) || 1;
    return Float32Array.from(e, (v) => v / n);
  });
  const stored = quantizeRows(normalisedRows, d);
  const { mean } = labelStatistics(set);
  // Labels are stored rounded to 1e-3; use the rounded values here too so a round trip is exact.
  const labels = set.quality.map((row) =>
    Float64Array.from(row, (y) =>
      Number.isNaN(y) ? y : Math.round(Math.min(1, Math.max(0, y)) * 1000) / 1000,
    ),
  );
  return new KnnPredictor({
    models: set.models,
    dimension: d,
    stored,
    rows: dequantizeRows(stored),
    labels,
    prior: Float64Array.from(mean, (v) => roundSignificant(Number.isNaN(v) ? 0.5 : v, 7)),
    k: options.k ?? 20,
    temperature: options.temperature ?? 0,
    priorStrength: options.priorStrength ?? 1,
  });
}

interface KnnParts {
  readonly models: readonly string[];
  readonly dimension: number;
  readonly stored: QuantizedRows;
  readonly rows: readonly Float32Array[];
  readonly labels: readonly Float64Array[];
  readonly prior: Float64Array;
  readonly k: number;
  readonly temperature: number;
  readonly priorStrength: number;
}

class KnnPredictor implements QualityPredictor {
  readonly kind = 'knn';
  readonly models: readonly string[];
  /** Row indices labelled for each model. */
  private readonly labelled: Int32Array[];

  private readonly parts: KnnParts;

  constructor(parts: KnnParts) {
    this.parts = parts;
    this.models = parts.models;
    this.labelled = parts.models.map((_, m) => {
      const rows: number[] = [];
      parts.labels.forEach((row, i) => {
        if (!Number.isNaN(row[m] ?? Number.NaN)) rows.push(i);
      });
      return Int32Array.from(rows);
    });
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    const { rows, labels, prior, k, temperature, priorStrength, dimension } = this.parts;
    assertQueryDimension(embeddings, dimension);
    const sims = new Float64Array(rows.length);
    const topSim = new Float64Array(k);
    const topRow = new Int32Array(k);
    return embeddings.map((query) => {
      const qn = norm(query) || 1;
      for (let i = 0; i < rows.length; i++)
        sims[i] = dot(rows[i] as Float32Array, query, dimension) / qn;
      const out = new Float64Array(this.models.length);
      this.labelled.forEach((candidates, m) => {
        // Keep the k best in a descending buffer (insertion; k is small).
        let filled = 0;
        for (const i of candidates) {
          const s = sims[i] ?? -2;
          if (filled === k && s <= (topSim[k - 1] ?? -2)) continue;
          let position = filled < k ? filled++ : k - 1;
          while (position > 0 && (topSim[position - 1] ?? -2) < s) {
            topSim[position] = topSim[position - 1] ?? -2;
            topRow[position] = topRow[position - 1] ?? 0;
            position--;
          }
          topSim[position] = s;
          topRow[position] = i;
        }
        let weightSum = priorStrength;
        let valueSum = priorStrength * (prior[m] ?? 0.5);
        for (let r = 0; r < filled; r++) {
          const w = temperature > 0 ? Math.exp(((topSim[r] ?? 0) - 1) / temperature) : 1;
          weightSum += w;
          valueSum += w * (labels[topRow[r] ?? 0]?.[m] ?? 0);
        }
        out[m] = weightSum > 0 ? valueSum / weightSum : (prior[m] ?? 0.5);
      });
      return out;
    });
  }

  toState(): PredictorState {
    const p = this.parts;
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...p.models],
      dimension: p.dimension,
      k: p.k,
      temperature: p.temperature,
      priorStrength: p.priorStrength,
      prior: [...p.prior].map((v) => roundSignificant(v, 7)),
      rows: p.stored,
      // One column per model: the label rounded to 1e-3, null where missing.
      labels: p.models.map((_, m) =>
        p.labels.map((row) => {
          const y = row[m] ?? Number.NaN;
          return Number.isNaN(y) ? null : Math.round(y * 1000) / 1000;
        }),
      ),
    };
  }
}

/** Restore a predictor written by {@link fitKnnPredictor}'s `toState()`. */
export function knnPredictorFromState(value: unknown): QualityPredictor {
  const state = assertStateHeader(value, 'knn');
  const rows = dequantizeRows(state.rows);
  const columns = state.labels;
  if (!Array.isArray(columns) || columns.length !== state.models.length) {
    throw new RouterError('ARTIFACT_INVALID', 'knn state needs one label column per model');
  }
  const labels = rows.map((_, i) =>
    Float64Array.from(columns as unknown[], (column) => {
      const y: unknown = Array.isArray(column) ? column[i] : undefined;
      return typeof y === 'number' ? y : Number.NaN;
    }),
  );
  const priorRaw = state.prior;
  if (!Array.isArray(priorRaw) || priorRaw.length !== state.models.length) {
    throw new RouterError('ARTIFACT_INVALID', 'knn state needs one prior per model');
  }
  if (rows.some((r) => r.length !== state.dimension)) {
    throw new RouterError('ARTIFACT_INVALID', 'knn rows do not match the dimension');
  }
  return new KnnPredictor({
    models: state.models,
    dimension: state.dimension,
    stored: state.rows as QuantizedRows,
    rows,
    labels,
    prior: Float64Array.from(priorRaw as number[]),
    k: numberField(state, 'k'),
    temperature: numberField(state, 'temperature'),
    priorStrength: numberField(state, 'priorStrength'),
  });
}
