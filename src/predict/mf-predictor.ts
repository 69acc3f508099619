/**
 * Shared-strength quality model (matrix factorisation with side information):
 *   p(prompt i, model m) = sigmoid((u + v_m) . (P x_i) + b + c_m)
 * P (r x d) projects the embedding into an r-dim latent space shared by all models; u is a shared
 * model vector and v_m a per-model deviation with its own (stronger) L2 penalty, b / c_m likewise.
 * That is a hierarchical Gaussian prior v_m ~ N(0, 1/l2Model): a model with few labels stays near the
 * population vector u and the shared P, so it borrows strength from the others (cf. RouteLLM's MF
 * router, Ong et al. 2024, Sec. 4.2; Koren et al. 2009, eq. 5). Trained jointly on every observed
 * (prompt, model) label with Adam (Kingma & Ba 2015, Algorithm 1) on minibatches of prompts.
 */
import { createRng, randomNormal, shuffled } from '../core/index.js';
import type { PredictorState, QualityPredictor, TrainingSet } from './predictor.js';
import { Adam } from './adam.js';
import { decodeFloat32, encodeFloat32 } from './encoding.js';
import { axpyRow, dotRow, sigmoid } from './linalg.js';
import {
  assertQueryDimension,
  assertStateHeader,
  numberField,
  PREDICTOR_STATE_VERSION,
} from './state.js';
import { assertTrainingSet, dimensionOf } from './training-set.js';

/** Options for {@link fitMfPredictor}. */
export interface MfOptions {
  /** Latent dimension r. @default 16 */
  readonly latentDimension?: number;
  /** Passes over the prompts. @default 20 */
  readonly epochs?: number;
  /** Prompts per Adam step. @default 64 */
  readonly batchSize?: number;
  /** Adam step size. @default 0.005 */
  readonly learningRate?: number;
  /** L2 on the projection P and the shared vector u. @default 1e-4 */
  readonly l2Shared?: number;
  /** L2 on the per-model deviations v_m and c_m (the strength of borrowing). @default 1e-2 */
  readonly l2Model?: number;
  /** Per-row loss weights (e.g. to balance datasets). @default all 1 */
  readonly rowWeights?: ArrayLike<number>;
  /** Seed for initialisation and minibatch order. @default 0 */
  readonly seed?: number;
}

interface MfShape {
  readonly d: number;
  readonly r: number;
  readonly m: number;
}

/** Offsets of each parameter block inside the flat parameter vector. */
function layout({ d, r, m }: MfShape): {
  p: number;
  u: number;
  v: number;
  b: number;
  c: number;
  size: number;
} {
  const p = 0;
  const u = p + r * d;
  const v = u + r;
  const b = v + m * r;
  const c = b + 1;
  return { p, u, v, b, c, size: c + m };
}

/** Fit the shared-projection model on every observed label. */
export function fitMfPredictor(set: TrainingSet, options: MfOptions = {}): QualityPredictor {
  assertTrainingSet(set);
  const shape: MfShape = {
    d: dimensionOf(set),
    r: options.latentDimension ?? 16,
    m: set.models.length,
  };
  const { d, r } = shape;
  const at = layout(shape);
  const rng = createRng(options.seed ?? 0);
  const theta = new Float64Array(at.size);
  const initScale = 1 / Math.sqrt(r);
  for (let k = 0; k < r * d; k++) theta[at.p + k] = randomNormal(rng) * initScale;
  for (let k = 0; k < r; k++) theta[at.u + k] = randomNormal(rng) * 0.1;
  // Biases start at the pooled log-odds so early steps shape P, not the intercepts.
  let positives = 0;
  let labelCount = 0;
  for (const row of set.quality) {
    for (const y of row) {
      if (Number.isNaN(y)) continue;
      positives += Math.min(1, Math.max(0, y));
      labelCount++;
    }
  }
  const base = labelCount > 0 ? Math.min(0.99, Math.max(0.01, positives / labelCount)) : 0.5;
  theta[at.b] = Math.log(base / (1 - base));

  const l2 = new Float64Array(at.size);
  l2.fill(options.l2Shared ?? 1e-4, at.p, at.v);
  l2.fill(options.l2Model ?? 1e-2, at.v, at.b);
  l2.fill(options.l2Model ?? 1e-2, at.c, at.size);

  const prompts = set.quality
    .map((row, i) => ({ i, observed: [...row].flatMap((y, j) => (Number.isNaN(y) ? [] : [j])) }))
    .filter((p) => p.observed.length > 0);
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 64;
  const learningRate = options.learningRate ?? 0.005;
  const optimiser = new Adam(at.size, learningRate);
  const gradient = new Float64Array(at.size);
  const h = new Float64Array(r);
  const gradH = new Float64Array(r);

  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffled(prompts, rng);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      gradient.fill(0);
      let batchWeight = 0;
      for (const { i, observed } of batch)
        batchWeight += observed.length * (options.rowWeights?.[i] ?? 1);
      if (batchWeight <= 0) continue;
      for (const { i, observed } of batch) {
        const x = set.embeddings[i] as Float32Array;
        const rowWeight = (options.rowWeights?.[i] ?? 1) / batchWeight;
        for (let k = 0; k < r; k++) h[k] = dotRow(theta, k, d, x);
        gradH.fill(0);
        for (const j of observed) {
          const y = Math.min(1, Math.max(0, set.quality[i]?.[j] ?? 0));
          let z = (theta[at.b] ?? 0) + (theta[at.c + j] ?? 0);
          for (let k = 0; k < r; k++)
            z += ((theta[at.u + k] ?? 0) + (theta[at.v + j * r + k] ?? 0)) * (h[k] ?? 0);
          // d(cross-entropy)/dz = sigmoid(z) - y.
          const g = rowWeight * (sigmoid(z) - y);
          for (let k = 0; k < r; k++) {
            const hk = h[k] ?? 0;
            gradH[k] =
              (gradH[k] ?? 0) + g * ((theta[at.u + k] ?? 0) + (theta[at.v + j * r + k] ?? 0));
            gradient[at.u + k] = (gradient[at.u + k] ?? 0) + g * hk;
            gradient[at.v + j * r + k] = (gradient[at.v + j * r + k] ?? 0) + g * hk;
          }
          gradient[at.b] = (gradient[at.b] ?? 0) + g;
          gradient[at.c + j] = (gradient[at.c + j] ?? 0) + g;
        }
        for (let k = 0; k < r; k++) axpyRow(gradient, k, d, gradH[k] ?? 0, x);
      }
      optimiser.step(theta, gradient, l2);
    }
  }
  // Round through float32 now so the fitted predictor and its restored state agree exactly.
  return new MfPredictor(set.models, shape, Float64Array.from(Float32Array.from(theta)));
}

class MfPredictor implements QualityPredictor {
  readonly kind = 'mf';

  readonly models: readonly string[];
  private readonly shape: MfShape;
  private readonly theta: Float64Array;

  constructor(models: readonly string[], shape: MfShape, theta: Float64Array) {
    this.models = models;
    this.shape = shape;
    this.theta = theta;
  }

  /** Latent prompt vectors h = P x (for diagnostics and shared features). */
  project(x: Float32Array): Float64Array {
    const { d, r } = this.shape;
    const h = new Float64Array(r);
    for (let k = 0; k < r; k++) h[k] = dotRow(this.theta, k, d, x);
    return h;
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    const { d, r, m } = this.shape;
    assertQueryDimension(embeddings, d);
    const at = layout(this.shape);
    const t = this.theta;
    return embeddings.map((x) => {
      const h = this.project(x);
      const out = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        let z = (t[at.b] ?? 0) + (t[at.c + j] ?? 0);
        for (let k = 0; k < r; k++)
          z += ((t[at.u + k] ?? 0) + (t[at.v + j * r + k] ?? 0)) * (h[k] ?? 0);
        out[j] = sigmoid(z);
      }
      return out;
    });
  }

  toState(): PredictorState {
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...this.models],
      dimension: this.shape.d,
      latentDimension: this.shape.r,
      parameters: encodeFloat32(this.theta),
    };
  }
}

/** Restore a predictor written by {@link fitMfPredictor}'s `toState()`. */
export function mfPredictorFromState(value: unknown): QualityPredictor {
  const state = assertStateHeader(value, 'mf');
  const shape: MfShape = {
    d: state.dimension,
    r: numberField(state, 'latentDimension'),
    m: state.models.length,
  };
  const theta = decodeFloat32(state.parameters, layout(shape).size);
  return new MfPredictor(state.models, shape, theta);
}
