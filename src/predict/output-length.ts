/**
 * Per-model output-length estimator: ridge regression of log(1 + tokens) on the prompt embedding for
 * models with enough observations, else the model's median, else the median over all models.
 * Predicting on the log scale and exponentiating gives the conditional geometric mean, which is
 * robust to the heavy right tail of response lengths. A model's own regression is trusted only near
 * prompts carrying its answers; elsewhere a shared prompt-verbosity model (floored) takes over.
 */
import type { OutputLengthPredictor, PredictorState, TrainingSet } from './predictor.js';
import {
  decodeFloat32,
  decodeFloat32Rows,
  encodeFloat32,
  encodeFloat32Rows,
  roundSignificant,
} from './encoding.js';
import { dot, median } from './linalg.js';
import { createRng, shuffled } from '../core/index.js';
import { fitClusterCentroids, nearestCentroid } from './irt-predictor.js';
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
  /**
   * Smallest prediction for a model without length data of its own (the shared prompt effect):
   * chat models rarely answer an open question in fewer tokens. Models with data keep theirs.
   * @default 32
   */
  readonly floorTokens?: number;
  /**
   * Gate each model's own regression by the evidence near the prompt: centroids of the prompts with
   * answer lengths, and the cosine above which a held-out such prompt usually lies. Far from them (an
   * open chat question when the lengths come from multiple-choice and math benchmarks) every model
   * gets the shared prediction instead of extrapolating its own. @default true
   */
  readonly evidenceGate?: boolean;
  /** Seed of the evidence centroids and their held-out split. @default 0 */
  readonly seed?: number;
}

/** Evidence centroids of the length data (spherical k-means). */
export const LENGTH_EVIDENCE_CENTROIDS = 64;
/** Held-out quantile of the max cosine to the centroids above which a prompt's data is trusted. */
export const LENGTH_EVIDENCE_QUANTILE = 0.05;
/** A model's answers near a centroid at which its own regression is fully trusted there. */
export const LENGTH_EVIDENCE_ANSWERS = 20;
/** Cosine span below that threshold over which trust falls linearly to none. */
export const LENGTH_EVIDENCE_WIDTH = 0.1;

/** Default smallest predicted output length, tokens. */
export const MIN_OUTPUT_TOKENS = 32;

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
  // Shared prompt-verbosity model for models without data of their own: log(1 + tokens) =
  // offset_m + v . x + b over every observation, offsets centred per model (one ridge on the
  // targets minus each model's mean), so it transfers the prompt effect, not one model's verbosity.
  const sharedRows: Float32Array[] = [];
  const sharedTargets: number[] = [];
  const offsets: number[] = [];
  for (let j = 0; j < m; j++) {
    const values: { x: Float32Array; t: number }[] = [];
    tokens.forEach((row, i) => {
      const t = row[j] ?? Number.NaN;
      if (Number.isFinite(t) && t >= 0)
        values.push({ x: set.embeddings[i] as Float32Array, t: Math.log1p(t) });
    });
    if (values.length === 0) continue;
    const offset = values.reduce((sum, v) => sum + v.t, 0) / values.length;
    offsets.push(offset);
    for (const v of values) {
      sharedRows.push(v.x);
      sharedTargets.push(v.t - offset);
    }
  }
  const meanOffset =
    offsets.length > 0
      ? offsets.reduce((sum, v) => sum + v, 0) / offsets.length
      : Math.log1p(globalMedian);
  const shared =
    sharedRows.length >= (options.minObservations ?? 50)
      ? fitLinearModel({
          rows: sharedRows,
          targets: sharedTargets,
          loss: 'squared',
          l2: options.l2 ?? 1e-2,
        })
      : { weights: new Float64Array(d), bias: 0 };
  const evidence = options.evidenceGate === false ? undefined : fitEvidence(set, options.seed ?? 0);
  // Round now exactly as toState() does, so a restored predictor predicts identically.
  return new RidgeOutputLength(
    set.models,
    d,
    roundSignificant(globalMedian, 7),
    medians.map((v) => roundSignificant(v, 7)),
    fitted,
    Float64Array.from(Float32Array.from(weights)),
    Float64Array.from(Float32Array.from(bias)),
    {
      weights: Float64Array.from(Float32Array.from(shared.weights)),
      bias: roundSignificant(shared.bias + meanOffset, 7),
      floor: options.floorTokens ?? MIN_OUTPUT_TOKENS,
      unseen: Uint8Array.from(set.models, (_, j) =>
        tokens.some((row) => Number.isFinite(row[j] ?? Number.NaN)) ? 0 : 1,
      ),
    },
    evidence,
  );
}

/** Where the length data lies: unit centroids, whose models it holds, the trusted-cosine threshold. */
interface LengthEvidence {
  readonly centroids: readonly Float32Array[];
  /**
   * coverage[c * models + m] in [0, 1]: model m's answer lengths among the prompts nearest centroid
   * c, against {@link LENGTH_EVIDENCE_ANSWERS} or half the best-covered model's count there (a
   * model's regression is trusted only where its own answers were seen).
   */
  readonly coverage: Float64Array;
  /** Max cosine at or above which a prompt's own-model regressions are fully trusted. */
  readonly high: number;
  /** Span below `high` over which trust falls to zero. */
  readonly width: number;
}

/**
 * Centroids of 80% of the prompts with any answer length (seeded), and the
 * {@link LENGTH_EVIDENCE_QUANTILE} quantile of the other 20%'s max cosine to them: a prompt below it
 * is less like the length data than 95% of prompts drawn from it. Undefined without enough data.
 */
function fitEvidence(set: TrainingSet, seed: number): LengthEvidence | undefined {
  const hasLength = (t: number | undefined): boolean =>
    t !== undefined && Number.isFinite(t) && t >= 0;
  const indices = set.embeddings
    .map((_, i) => i)
    .filter((i) => (set.outputTokens?.[i] ?? []).some(hasLength));
  const rows = indices.map((i) => set.embeddings[i] as Float32Array);
  if (rows.length < 2 * LENGTH_EVIDENCE_CENTROIDS) return undefined;
  const order = shuffled(rows, createRng(seed + 7919));
  const cut = Math.floor(order.length * 0.8);
  const centroids = fitClusterCentroids(order.slice(0, cut), LENGTH_EVIDENCE_CENTROIDS, seed).map(
    (c) => Float32Array.from(c),
  );
  const held = order.slice(cut).map((x) => nearest(x, centroids).cosine);
  held.sort((a, b) => a - b);
  const high = held[Math.floor(LENGTH_EVIDENCE_QUANTILE * (held.length - 1))] ?? 1;
  const m = set.models.length;
  const covered = new Float64Array(centroids.length * m);
  for (const i of indices) {
    const c = nearest(set.embeddings[i] as Float32Array, centroids).index;
    set.models.forEach((_, j) => {
      if (hasLength(set.outputTokens?.[i]?.[j]))
        covered[c * m + j] = (covered[c * m + j] as number) + 1;
    });
  }
  // Full once a model has LENGTH_EVIDENCE_ANSWERS answers near the centroid, or half as many as the
  // best-covered model there: in a routing log each prompt carries one model's answer, so a share of
  // the cluster's prompts would understate every model's evidence.
  const coverage = covered.map((v, k) => {
    const c = Math.floor(k / m);
    let most = 0;
    for (let j = 0; j < m; j++) most = Math.max(most, covered[c * m + j] as number);
    const full = Math.min(LENGTH_EVIDENCE_ANSWERS, most / 2);
    return full > 0 ? roundSignificant(Math.min(1, v / full), 3) : 0;
  });
  return { centroids, coverage, high: roundSignificant(high, 7), width: LENGTH_EVIDENCE_WIDTH };
}

/** The unit centroid most similar to `x`: its index and the cosine (0 for a zero vector). */
function nearest(
  x: Float32Array,
  centroids: readonly Float32Array[],
): { readonly index: number; readonly cosine: number } {
  let norm = 0;
  for (const v of x) norm += v * v;
  const { index, similarity } = nearestCentroid(x, centroids);
  return { index, cosine: norm === 0 ? 0 : similarity / Math.sqrt(norm) };
}

/** The shared part of the length model (absent in artifacts written before it existed). */
interface SharedLength {
  readonly weights: Float64Array;
  /** Bias including the mean model offset. */
  readonly bias: number;
  readonly floor: number;
  /** 1 for models without any length observation (they get the shared prediction). */
  readonly unseen: Uint8Array;
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
  private readonly shared: SharedLength | undefined;
  private readonly evidence: LengthEvidence | undefined;

  constructor(
    models: readonly string[],
    dimension: number,
    globalMedian: number,
    medians: Float64Array,
    fitted: Uint8Array,
    weights: Float64Array,
    bias: Float64Array,
    shared?: SharedLength,
    evidence?: LengthEvidence,
  ) {
    this.models = models;
    this.dimension = dimension;
    this.globalMedian = globalMedian;
    this.medians = medians;
    this.fitted = fitted;
    this.weights = weights;
    this.bias = bias;
    this.shared = shared;
    this.evidence = evidence;
  }

  /**
   * How far each model's own regression is trusted on this prompt, in [0, 1]: near the prompts with
   * answer lengths, times the model's coverage of the nearest cluster;
   * falling linearly to 0 over `width` below the held-out threshold (all 1 for artifacts without
   * evidence centroids or a shared part).
   */
  trust(x: Float32Array): Float64Array {
    const m = this.models.length;
    if (this.evidence === undefined || this.shared === undefined)
      return new Float64Array(m).fill(1);
    const { centroids, coverage, high, width } = this.evidence;
    const { index: c, cosine } = nearest(x, centroids);
    const near = Math.min(1, Math.max(0, (cosine - (high - width)) / width));
    return Float64Array.from({ length: m }, (_, j) => near * (coverage[c * m + j] as number));
  }

  /**
   * Expected output tokens of a model this predictor has no data for: the shared prompt effect at
   * the mean model verbosity (floored); undefined for artifacts without a shared part.
   */
  predictUnseen(x: Float32Array): number | undefined {
    if (this.shared === undefined) return undefined;
    const z = dot(this.shared.weights, x, this.dimension) + this.shared.bias;
    return Math.max(this.shared.floor, Math.expm1(z));
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    assertQueryDimension(embeddings, this.dimension);
    const d = this.dimension;
    return embeddings.map((x) => {
      const trust = this.trust(x);
      // The shared prediction, once per prompt: models without data get it, the others blend to it.
      const shared = this.predictUnseen(x);
      // Far from a model's length data it gets the shared prediction (log-linear blend between);
      // an answer shorter than the floor is believed only where the model's evidence is full.
      const gated = (own: number, j: number): number => {
        const t = trust[j] as number;
        if (shared === undefined || t >= 1) return own;
        const blend = Math.expm1(t * Math.log1p(own) + (1 - t) * Math.log1p(shared));
        return Math.max(this.shared?.floor ?? 1, blend);
      };
      return Float64Array.from(this.models, (_, j) => {
        if (this.fitted[j] !== 1) {
          const median = Math.max(1, this.medians[j] ?? this.globalMedian);
          return this.shared?.unseen[j] === 1 ? (shared ?? median) : gated(median, j);
        }
        const z = dot(this.weights.subarray(j * d, (j + 1) * d), x, d) + (this.bias[j] ?? 0);
        return gated(Math.max(1, Math.expm1(z)), j);
      });
    });
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
      ...(this.shared === undefined
        ? {}
        : {
            sharedWeights: encodeFloat32(this.shared.weights),
            sharedBias: this.shared.bias,
            floorTokens: this.shared.floor,
            unseen: [...this.shared.unseen],
          }),
      ...(this.evidence === undefined
        ? {}
        : {
            evidenceCentroids: encodeFloat32Rows(this.evidence.centroids),
            evidenceCount: this.evidence.centroids.length,
            evidenceCoverage: [...this.evidence.coverage],
            evidenceHigh: this.evidence.high,
            evidenceWidth: this.evidence.width,
          }),
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
    state['sharedWeights'] === undefined
      ? undefined
      : {
          weights: decodeFloat32(state['sharedWeights'], state.dimension),
          bias: numberField(state, 'sharedBias'),
          floor: numberField(state, 'floorTokens'),
          unseen: Uint8Array.from(numberArrayField(state, 'unseen', m)),
        },
    state['evidenceCentroids'] === undefined ? undefined : evidenceFromState(state),
  );
}

function evidenceFromState(state: PredictorState): LengthEvidence {
  const count = numberField(state, 'evidenceCount');
  if (!Number.isInteger(count) || count < 1)
    throw new RouterError('ARTIFACT_INVALID', 'evidenceCount must be a positive integer');
  return {
    centroids: decodeFloat32Rows(state['evidenceCentroids'], count, state.dimension),
    coverage: Float64Array.from(
      numberArrayField(state, 'evidenceCoverage', count * state.models.length),
    ),
    high: numberField(state, 'evidenceHigh'),
    width: numberField(state, 'evidenceWidth'),
  };
}

/**
 * Median over observed (prompt, model) pairs of |log(1 + predicted) - log(1 + actual)| output
 * tokens (NaN when the set has no lengths).
 */
export function medianAbsoluteLogError(predictor: OutputLengthPredictor, set: TrainingSet): number {
  const tokens = set.outputTokens;
  if (tokens === undefined || set.embeddings.length === 0) return Number.NaN;
  const predicted = predictor.predict(set.embeddings);
  const columns = set.models.map((id) => predictor.models.indexOf(id));
  const errors: number[] = [];
  tokens.forEach((row, i) => {
    row.forEach((actual, j) => {
      const c = columns[j] ?? -1;
      if (!Number.isFinite(actual) || actual < 0 || c < 0) return;
      const guess = predicted[i]?.[c] ?? Number.NaN;
      errors.push(Math.abs(Math.log1p(guess) - Math.log1p(actual)));
    });
  });
  return errors.length === 0 ? Number.NaN : median(errors);
}
