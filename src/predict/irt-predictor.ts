/**
 * Joint quality model in the spirit of multidimensional item response theory (IRT-Router, Song et
 * al., ACL 2025): a prompt's difficulty is shared by every model and each model has an ability.
 *
 *   P(model m answers prompt x well) = sigmoid(a_m + w_m . (P x) - s_m * d(x)),   d(x) = u . x
 *
 * - d(x): the prompt's difficulty, one linear direction of the embedding shared by all models;
 * - a_m: model m's ability (intercept); s_m = exp(rho_m) > 0 its discrimination (how fast its
 *   success falls with difficulty: strong models fall slower, so the quality gap between a strong
 *   and a weak model grows with difficulty, which is what routing needs);
 * - P x (k dims) and w_m: a low-rank per-model specialisation (code, maths, ...), shrunk by L2.
 *   With prompt clusters (`clusters` = C > 0), P reads [x; s phi(x)]: phi(x) the soft membership of
 *   the prompt in C clusters of the training prompts (softmax of cosine / temperature), so the
 *   specialisation can follow per-task, per-model structure that is not linear in the embedding
 *   (training/experiments/README.md, "Prompt clusters"). The difficulty d(x) reads x alone, and
 *   with k = 0 there is no specialisation, so two-model fits are unchanged.
 *
 * Labels may be 0/1 or graded in [0, 1] (soft cross-entropy), so datasets with different label
 * scales train one model; `rowWeights` balances datasets. Abilities of models that have a public
 * aggregate score (AlpacaEval length-controlled win rate) are tied by a Gaussian prior to a linear
 * function of that score, `a_m ~ N(alpha + beta * logit(score), 1 / priorStrength)`, which links
 * models that never answered the same prompts and lets a model without outcomes get an ability
 * from its score alone (see {@link IrtPredictor.priorAbility}).
 *
 * Uncertainty: the predictor is an ensemble of fits on bootstrap resamples of the prompts; the
 * spread of the members' probabilities is reported per prompt and model.
 */
import { createRng, randomInt, randomNormal, RouterError, shuffled } from '../core/index.js';
import type { PredictorState, QualityPredictor, TrainingSet } from './predictor.js';
import { Adam } from './adam.js';
import { decodeFloat32, decodeFloat32Rows, encodeFloat32, encodeFloat32Rows } from './encoding.js';
import { axpy, dot, dotRow, logit, normalized, sigmoid, solveSpd, type Vector } from './linalg.js';
import {
  assertQueryDimension,
  assertStateHeader,
  numberField,
  PREDICTOR_STATE_VERSION,
} from './state.js';
import { assertTrainingSet, dimensionOf } from './training-set.js';
import { knnPredictorFromState } from './knn-predictor.js';
import { blendRows } from './neighbour-blend.js';

/** Options for {@link fitIrtPredictor}. */
export interface IrtOptions {
  /** Specialisation dimensions k. @default 0 */
  readonly latentDimension?: number;
  /** Passes over the prompts. @default 20 */
  readonly epochs?: number;
  /** Prompts per Adam step. @default 128 */
  readonly batchSize?: number;
  /** Adam step size. @default 0.01 */
  readonly learningRate?: number;
  /** L2 on the difficulty direction u. @default 1e-4 */
  readonly l2Difficulty?: number;
  /** L2 on the projection P and the specialisations w_m. @default 1e-3 */
  readonly l2Specialisation?: number;
  /** L2 on the dataset offsets. @default 1e-2 */
  readonly l2Offset?: number;
  /** L2 on log-discriminations rho_m (towards s = 1). @default 1e-2 */
  readonly l2Discrimination?: number;
  /**
   * Per-prompt discrimination alpha(x) = exp(v . x) scaling each logit, as in item response theory
   * (P = sigmoid(alpha(x) (a_m - s_m d(x)))): prompts that separate models well get larger gaps,
   * noisy or trivial ones smaller. Off by default: trained on the four permissive sets it lowered
   * the served MT-Bench ordering (training/experiments/irt-mtbench.ts). @default false
   */
  readonly itemDiscrimination?: boolean;
  /**
   * Bootstrap members of the ensemble (1 = a single fit on all rows). 8, the shipped recipe's: with
   * 4 the artifact's seed alone moved 6 of 114 easy dev prompts across the frontier line
   * (training/experiments/README.md, "Formula, science, arts and SQL rows, and eight members").
   * @default {@link DEFAULT_IRT_MEMBERS}
   */
  readonly members?: number;
  /** Per-row loss weights (dataset balance). @default all 1 */
  readonly rowWeights?: ArrayLike<number>;
  /**
   * Source dataset per row: each dataset gets its own logit offset (its label scale: exact match,
   * F1, pass@1 and judge preferences are not equally hard to score on), shrunk by L2 and not used
   * at prediction time, so difficulty and abilities are learned net of each dataset's scale. Rows
   * marked '' are on the served scale itself and get no offset.
   */
  readonly rowDatasets?: readonly string[];
  /** Public aggregate score per model id, a win rate in (0, 1): ties abilities to it. */
  readonly publicScores?: ReadonlyMap<string, number>;
  /** Price tier per model id (frontier, mid, small): the prior for unseen models is set per tier. */
  readonly modelTiers?: ReadonlyMap<string, string>;
  /** Strength of the public-score prior on abilities (1 / variance, in loss units). @default 0.05 */
  readonly priorStrength?: number;
  /**
   * Prompt clusters C read by the specialisation (spherical k-means on the training prompts; only
   * with k > 0). @default 0
   */
  readonly clusters?: number;
  /**
   * Where the cluster centroids come from (only with `clusters` > 0): `kmeans` (C centroids of a
   * spherical k-means) or `scale`: one centroid per label scale of `rowDatasets` with at least
   * {@link GROUP_CLUSTER_MIN_PROMPTS} prompts (a dataset, or an LLMRouter task, which has its own
   * metric), the normalised mean of its prompts, so that the memberships follow the tasks whose
   * per-model means the specialisation should learn. K-means when fewer than two scales qualify
   * (one dataset, a log). In the shipped mixture it fits held-out outcomes better than k-means
   * but sends hard out-of-set prompts to the cheap models of the task they resemble, so it is not
   * the default (training/experiments/README.md, "Task centroids"). @default 'kmeans'
   */
  readonly clusterBy?: 'kmeans' | 'scale';
  /**
   * Keep each model's specialisation relative to the models it shares prompts with (its
   * component; rows marked '' in `rowDatasets` link nobody): after every step the specialisation
   * vectors w_m of a component are moved to mean zero. Models of different datasets never answer
   * the same prompt, so a term common to one dataset's models is not identified by the data (it
   * trades against that region's difficulty) and extrapolates freely: on the hand-written hard dev
   * prompts it lifted every LLMRouter model by about 0.3 logits and lowered every RouterBench
   * model by as much. Centred, the specialisation orders models within their component only, and
   * trained models meet catalog models on priors (which have none) on the shared difficulty and
   * their abilities. @default true
   */
  readonly centreSpecialisation?: boolean;
  /** @default 0 */
  readonly seed?: number;
}

/**
 * Connected components of the models under "labelled on the same prompt" (rows whose
 * `rowDatasets` entry is '' are left out: they state one fact about every model): component
 * index per model.
 */
export function modelComponents(
  quality: readonly Float64Array[],
  models: number,
  rowDatasets?: readonly string[],
): Int32Array {
  const parent = Int32Array.from({ length: models }, (_, j) => j);
  const find = (j: number): number => {
    let r = j;
    while (parent[r] !== r) r = parent[r] as number;
    while (parent[j] !== r) {
      const next = parent[j] as number;
      parent[j] = r;
      j = next;
    }
    return r;
  };
  quality.forEach((row, i) => {
    if (rowDatasets?.[i] === '') return;
    let first = -1;
    for (let j = 0; j < models; j++) {
      if (Number.isNaN(row[j] ?? Number.NaN)) continue;
      if (first < 0) first = j;
      else parent[find(j)] = find(first);
    }
  });
  const index = new Map<number, number>();
  return Int32Array.from({ length: models }, (_, j) => {
    const root = find(j);
    if (!index.has(root)) index.set(root, index.size);
    return index.get(root) as number;
  });
}

/** Move the specialisation vectors w_m of each component to mean zero (in place). */
function centreSpecialisations(
  theta: Float64Array,
  at: { readonly w: number },
  k: number,
  components: Int32Array,
): void {
  const count = Math.max(0, ...components) + 1;
  const sums = new Float64Array(count * k);
  const sizes = new Float64Array(count);
  components.forEach((g, j) => {
    sizes[g] = (sizes[g] ?? 0) + 1;
    for (let c = 0; c < k; c++)
      sums[g * k + c] = (sums[g * k + c] ?? 0) + (theta[at.w + j * k + c] ?? 0);
  });
  components.forEach((g, j) => {
    for (let c = 0; c < k; c++)
      theta[at.w + j * k + c] =
        (theta[at.w + j * k + c] ?? 0) - (sums[g * k + c] ?? 0) / (sizes[g] ?? 1);
  });
}

/** Prompts a group needs to get its own centroid under `clusterBy: 'scale'`. */
export const GROUP_CLUSTER_MIN_PROMPTS = 20;

/** Softmax temperature of the cluster memberships (cosine units). */
export const CLUSTER_TEMPERATURE = 0.05;
/** Scale of the memberships beside the unit-norm-ish embedding. */
export const CLUSTER_SCALE = 3;
/** Points the k-means runs on at most (a seeded sample of the training prompts). */
const CLUSTER_SAMPLE = 6000;
/** Lloyd iterations of the k-means. */
const CLUSTER_ITERATIONS = 15;

interface Shape {
  readonly d: number;
  readonly k: number;
  readonly m: number;
  /** Prompt clusters read by the specialisation (0: none); P is k x (d + c). */
  readonly c: number;
  /** Item discrimination alpha(x) = exp(v . x) multiplies each logit (state written since v2). */
  readonly itemDiscrimination: boolean;
}

function layout({ d, k, m, c, itemDiscrimination }: Shape): {
  p: number;
  u: number;
  a: number;
  w: number;
  rho: number;
  alpha: number;
  beta: number;
  v: number;
  size: number;
} {
  const p = 0;
  const u = p + k * (d + c);
  const a = u + d;
  const w = a + m;
  const rho = w + m * k;
  const alpha = rho + m;
  const beta = alpha + 1;
  const v = beta + 1;
  return { p, u, a, w, rho, alpha, beta, v, size: v + (itemDiscrimination ? d : 0) };
}

/** Clip a win rate away from 0 and 1 and take its log-odds. */
export function scoreLogit(winRate: number): number {
  return logit(Math.min(0.99, Math.max(0.01, winRate)));
}

/** Row `r` of P (stride d + c) times [x; phi]. */
function specialisation(
  theta: Float64Array,
  r: number,
  d: number,
  c: number,
  x: Float32Array,
  phi: Float32Array | undefined,
): number {
  const offset = r * (d + c);
  let sum = 0;
  for (let t = 0; t < d; t++) sum += (theta[offset + t] as number) * (x[t] as number);
  if (phi !== undefined)
    for (let t = 0; t < c; t++) sum += (theta[offset + d + t] as number) * (phi[t] as number);
  return sum;
}

/** Row `r` of P's gradient += g [x; phi]. */
function addSpecialisationGradient(
  gradient: Float64Array,
  r: number,
  d: number,
  c: number,
  g: number,
  x: Float32Array,
  phi: Float32Array | undefined,
): void {
  const offset = r * (d + c);
  for (let t = 0; t < d; t++)
    gradient[offset + t] = (gradient[offset + t] as number) + g * (x[t] as number);
  if (phi !== undefined)
    for (let t = 0; t < c; t++)
      gradient[offset + d + t] = (gradient[offset + d + t] as number) + g * (phi[t] as number);
}

/** A unit-length float32 copy. */
function unitVector(x: Vector): Float32Array {
  return Float32Array.from(normalized(x));
}

/**
 * Spherical k-means: `count` unit centroids of the (normalised) embeddings, seeded, on a sample of
 * at most 6,000 of them, 15 Lloyd iterations. An empty cluster keeps its centroid.
 */
export function fitClusterCentroids(
  embeddings: readonly Float32Array[],
  count: number,
  seed: number,
): Float32Array[] {
  const rng = createRng(seed + 104729);
  const sample = shuffled(embeddings, rng)
    .slice(0, CLUSTER_SAMPLE)
    .map((x) => unitVector(x));
  if (sample.length === 0) return [];
  let centroids: Float32Array[] = Array.from({ length: count }, (_, j) =>
    Float32Array.from(sample[j % sample.length] as Float32Array),
  );
  const d = (sample[0] as Float32Array).length;
  for (let iteration = 0; iteration < CLUSTER_ITERATIONS; iteration++) {
    const sums = centroids.map(() => new Float64Array(d));
    for (const x of sample) axpy(sums[nearestCentroid(x, centroids).index] as Float64Array, 1, x);
    centroids = sums.map((sum, j) =>
      sum.some((v) => v !== 0) ? unitVector(sum) : (centroids[j] as Float32Array),
    );
  }
  return centroids;
}

/**
 * The centroid with the largest dot product with `x` (the first on ties), and that dot product:
 * the most similar by cosine when the centroids are unit vectors.
 */
export function nearestCentroid(
  x: Float32Array,
  centroids: readonly Float32Array[],
): { readonly index: number; readonly similarity: number } {
  let index = 0;
  let similarity = Number.NEGATIVE_INFINITY;
  centroids.forEach((centroid, j) => {
    const s = dot(centroid, x, x.length);
    if (s > similarity) {
      similarity = s;
      index = j;
    }
  });
  return { index, similarity };
}

/**
 * One unit centroid per group of at least `minPrompts` rows (the normalised mean of its normalised
 * embeddings), in the groups' sorted order; '' is no group.
 */
export function groupCentroids(
  embeddings: readonly Float32Array[],
  groups: readonly string[],
  minPrompts = GROUP_CLUSTER_MIN_PROMPTS,
): Float32Array[] {
  const sums = new Map<string, { sum: Float64Array; count: number }>();
  embeddings.forEach((x, i) => {
    const group = groups[i] ?? '';
    if (group === '') return;
    let entry = sums.get(group);
    if (entry === undefined)
      sums.set(group, (entry = { sum: new Float64Array(x.length), count: 0 }));
    axpy(entry.sum, 1, unitVector(x));
    entry.count++;
  });
  return [...sums.entries()]
    .filter(([, entry]) => entry.count >= minPrompts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => unitVector(entry.sum));
}

/**
 * Soft membership of a prompt in the clusters, times {@link CLUSTER_SCALE}: softmax over clusters
 * of cosine(x, centroid) / {@link CLUSTER_TEMPERATURE}.
 */
export function clusterMemberships(
  x: Float32Array,
  centroids: readonly Float32Array[],
): Float32Array {
  const u = unitVector(x);
  const logits = centroids.map((centroid) => dot(centroid, u, u.length) / CLUSTER_TEMPERATURE);
  const top = Math.max(...logits);
  const weights = logits.map((l) => Math.exp(l - top));
  const total = weights.reduce((a, b) => a + b, 0);
  return Float32Array.from(weights, (w) => (CLUSTER_SCALE * w) / total);
}

function fitMember(
  set: TrainingSet,
  shape: Shape,
  options: IrtOptions,
  rows: readonly number[],
  seed: number,
  phis: readonly Float32Array[] | undefined,
  /** Component per model when the specialisation is centred (k > 0), else undefined. */
  components?: Int32Array,
): Float64Array {
  const { d, k, m, c: clusters } = shape;
  const at = layout(shape);
  const rng = createRng(seed);
  const theta = new Float64Array(at.size);
  // P's cluster columns start at 0; its embedding columns are drawn in the same order as without.
  for (let r = 0; r < k; r++)
    for (let t = 0; t < d; t++)
      theta[at.p + r * (d + clusters) + t] = randomNormal(rng) * (0.5 / Math.sqrt(d));
  for (let i = 0; i < d; i++) theta[at.u + i] = randomNormal(rng) * (0.5 / Math.sqrt(d));
  // Abilities start at each model's log-odds of success.
  const sum = new Float64Array(m);
  const count = new Float64Array(m);
  for (const i of rows) {
    const row = set.quality[i] as Float64Array;
    for (let j = 0; j < m; j++) {
      const y = row[j] ?? Number.NaN;
      if (Number.isNaN(y)) continue;
      sum[j] = (sum[j] ?? 0) + Math.min(1, Math.max(0, y));
      count[j] = (count[j] ?? 0) + 1;
    }
  }
  for (let j = 0; j < m; j++) {
    const mean = (count[j] ?? 0) > 0 ? (sum[j] ?? 0) / (count[j] ?? 1) : 0.5;
    theta[at.a + j] = logit(Math.min(0.98, Math.max(0.02, mean)));
  }
  theta[at.beta] = 1;

  const l2 = new Float64Array(at.size);
  l2.fill(options.l2Specialisation ?? 1e-3, at.p, at.u);
  l2.fill(options.l2Difficulty ?? 1e-4, at.u, at.a);
  l2.fill(options.l2Specialisation ?? 1e-3, at.w, at.rho);
  l2.fill(options.l2Discrimination ?? 1e-2, at.rho, at.alpha);
  l2.fill(options.l2Difficulty ?? 1e-4, at.v, at.size);
  const scored = set.models.map((id) => {
    const score = options.publicScores?.get(id);
    return score === undefined ? Number.NaN : scoreLogit(score);
  });
  const priorStrength = options.priorStrength ?? 0.05;
  // '' marks rows on the served (reference) label scale: no offset.
  const datasetNames = [...new Set(options.rowDatasets ?? [])].filter((name) => name !== '');
  const datasetIndex = Int32Array.from(options.rowDatasets ?? [], (name) =>
    datasetNames.indexOf(name),
  );
  const offsets = new Float64Array(datasetNames.length);
  const offsetGradient = new Float64Array(datasetNames.length);

  const prompts = rows
    .map((i) => ({
      i,
      observed: [...(set.quality[i] as Float64Array)].flatMap((y, j) =>
        Number.isNaN(y) ? [] : [j],
      ),
    }))
    .filter((p) => p.observed.length > 0);
  const epochs = options.epochs ?? 20;
  const batchSize = options.batchSize ?? 128;
  const learningRate = options.learningRate ?? 0.01;
  const optimiser = new Adam(at.size, learningRate);
  const offsetOptimiser = new Adam(offsets.length, learningRate);
  const gradient = new Float64Array(at.size);
  const h = new Float64Array(k);
  const gradH = new Float64Array(k);
  const discrimination = new Float64Array(m);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = shuffled(prompts, rng);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      gradient.fill(0);
      offsetGradient.fill(0);
      let batchWeight = 0;
      for (const { i, observed } of batch)
        batchWeight += observed.length * (options.rowWeights?.[i] ?? 1);
      if (batchWeight <= 0) continue;
      for (let j = 0; j < m; j++) discrimination[j] = Math.exp(theta[at.rho + j] ?? 0);
      for (const { i, observed } of batch) {
        const x = set.embeddings[i] as Float32Array;
        const phi = phis?.[i];
        const rowWeight = (options.rowWeights?.[i] ?? 1) / batchWeight;
        for (let c = 0; c < k; c++) h[c] = specialisation(theta, c, d, clusters, x, phi);
        const difficulty = dotRow(theta.subarray(at.u, at.u + d), 0, d, x);
        const itemAlpha = shape.itemDiscrimination
          ? Math.exp(dotRow(theta.subarray(at.v, at.v + d), 0, d, x))
          : 1;
        let gradLogAlpha = 0;
        gradH.fill(0);
        let gradDifficulty = 0;
        const row = set.quality[i] as Float64Array;
        const source = datasetIndex.length > 0 ? (datasetIndex[i] ?? -1) : -1;
        const offset = source >= 0 ? (offsets[source] ?? 0) : 0;
        for (const j of observed) {
          const y = Math.min(1, Math.max(0, row[j] ?? 0));
          const s = discrimination[j] ?? 1;
          let inner = (theta[at.a + j] ?? 0) - s * difficulty;
          for (let c = 0; c < k; c++) inner += (theta[at.w + j * k + c] ?? 0) * (h[c] ?? 0);
          const z = offset + itemAlpha * inner;
          const outer = rowWeight * (sigmoid(z) - y);
          if (source >= 0) offsetGradient[source] = (offsetGradient[source] ?? 0) + outer;
          gradLogAlpha += outer * itemAlpha * inner;
          // Below, g is the gradient with respect to the inner logit.
          const g = outer * itemAlpha;
          gradient[at.a + j] = (gradient[at.a + j] ?? 0) + g;
          gradient[at.rho + j] = (gradient[at.rho + j] ?? 0) - g * s * difficulty;
          gradDifficulty -= g * s;
          for (let c = 0; c < k; c++) {
            gradH[c] = (gradH[c] ?? 0) + g * (theta[at.w + j * k + c] ?? 0);
            gradient[at.w + j * k + c] = (gradient[at.w + j * k + c] ?? 0) + g * (h[c] ?? 0);
          }
        }
        for (let c = 0; c < k; c++)
          addSpecialisationGradient(gradient, c, d, clusters, gradH[c] ?? 0, x, phi);
        for (let t = 0; t < d; t++)
          gradient[at.u + t] = (gradient[at.u + t] ?? 0) + gradDifficulty * (x[t] ?? 0);
        if (shape.itemDiscrimination)
          for (let t = 0; t < d; t++)
            gradient[at.v + t] = (gradient[at.v + t] ?? 0) + gradLogAlpha * (x[t] ?? 0);
      }
      // Public-score prior: a_m ~ N(alpha + beta * score_m, 1 / priorStrength) (scaled per batch).
      const priorScale = priorStrength / Math.max(1, prompts.length / batchSize);
      for (let j = 0; j < m; j++) {
        const sj = scored[j] ?? Number.NaN;
        if (Number.isNaN(sj)) continue;
        const residual =
          (theta[at.a + j] ?? 0) - (theta[at.alpha] ?? 0) - (theta[at.beta] ?? 0) * sj;
        gradient[at.a + j] = (gradient[at.a + j] ?? 0) + priorScale * residual;
        gradient[at.alpha] = (gradient[at.alpha] ?? 0) - priorScale * residual;
        gradient[at.beta] = (gradient[at.beta] ?? 0) - priorScale * residual * sj;
      }
      offsetOptimiser.step(offsets, offsetGradient, options.l2Offset ?? 1e-2);
      optimiser.step(theta, gradient, l2);
      if (components !== undefined) centreSpecialisations(theta, at, k, components);
    }
  }
  // alpha/beta only tie abilities to public scores during the fit; the prior for unseen models is
  // refitted from the abilities afterwards (fitPriorMap).
  return Float64Array.from(Float32Array.from(theta));
}

/** Fit the joint model (an ensemble of bootstrap members). Deterministic given the seed. */
export function fitIrtPredictor(set: TrainingSet, options: IrtOptions = {}): IrtPredictor {
  assertTrainingSet(set);
  const k = options.latentDimension ?? 0;
  // Clusters feed the specialisation only: without one (k = 0) they would change nothing.
  const clusterCount = k > 0 ? Math.max(0, Math.round(options.clusters ?? 0)) : 0;
  const byGroup =
    clusterCount > 0 && options.clusterBy === 'scale' && options.rowDatasets !== undefined
      ? groupCentroids(set.embeddings, options.rowDatasets)
      : [];
  const centroids =
    clusterCount === 0
      ? []
      : byGroup.length >= 2
        ? byGroup
        : fitClusterCentroids(set.embeddings, clusterCount, options.seed ?? 0);
  const shape: Shape = {
    d: dimensionOf(set),
    k,
    m: set.models.length,
    c: centroids.length,
    itemDiscrimination: options.itemDiscrimination ?? false,
  };
  const phis =
    centroids.length > 0 ? set.embeddings.map((x) => clusterMemberships(x, centroids)) : undefined;
  const members = Math.max(1, Math.round(options.members ?? DEFAULT_IRT_MEMBERS));
  const n = set.embeddings.length;
  const all = Array.from({ length: n }, (_, i) => i);
  const rng = createRng((options.seed ?? 0) + 7919);
  const components =
    k > 0 && options.centreSpecialisation !== false
      ? modelComponents(set.quality, shape.m, options.rowDatasets)
      : undefined;
  const thetas: Float64Array[] = [];
  for (let b = 0; b < members; b++) {
    const rows = members === 1 ? all : all.map(() => randomInt(rng, n));
    thetas.push(fitMember(set, shape, options, rows, (options.seed ?? 0) + b, phis, components));
  }
  const priorMaps = thetas.map((theta) => {
    const { ability, discrimination } = IrtPredictor.memberParameters(shape, theta);
    return fitPriorMap({
      models: set.models,
      ability,
      discrimination,
      publicScores: options.publicScores ?? new Map(),
      modelTiers: options.modelTiers ?? new Map(),
    });
  });
  return new IrtPredictor(set.models, shape, thetas, priorMaps, undefined, centroids);
}

/** Mean and spread of the ensemble's probabilities for one prompt. */
export interface IrtEstimate {
  /** Mean P(good) per model. */
  readonly mean: Float64Array;
  /** Standard deviation across ensemble members per model. */
  readonly spread: Float64Array;
}

/** Tiers the prior distinguishes. */
export const IRT_TIERS = ['frontier', 'mid', 'small'] as const;

/** Bootstrap members of the joint model when none are given (see {@link IrtOptions.members}). */
export const DEFAULT_IRT_MEMBERS = 8;

/**
 * How one ensemble member sets a model's parameters from public facts: ability =
 * alpha + beta * logit(score) + tierShift[tier] (least squares over trained models with a score,
 * tier shifts shrunk towards 0), or tierAbility[tier] without a score; discrimination =
 * tierDiscrimination[tier] (geometric mean over trained models of the tier). `sd`: residual sd.
 */
export interface IrtPriorMap {
  /** Mean public-score logit of the trained, scored models of each tier (0 when none). */
  readonly tierScoreMean: readonly number[];
  readonly alpha: number;
  readonly beta: number;
  readonly sd: number;
  readonly tierShift: readonly number[];
  readonly tierAbility: readonly number[];
  readonly tierDiscrimination: readonly number[];
}

function meanOf(values: readonly number[], fallback: number): number {
  return values.length === 0 ? fallback : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Fit one member's prior map from its abilities and discriminations (pure). */
export function fitPriorMap(options: {
  readonly models: readonly string[];
  readonly ability: ArrayLike<number>;
  readonly discrimination: ArrayLike<number>;
  readonly publicScores: ReadonlyMap<string, number>;
  readonly modelTiers: ReadonlyMap<string, string>;
}): IrtPriorMap {
  const { models, ability, discrimination } = options;
  const tierOf = (id: string): number =>
    (IRT_TIERS as readonly string[]).indexOf(options.modelTiers.get(id) ?? '');
  const allAbility = Array.from(models, (_, j) => ability[j] ?? 0);
  const allLogDisc = Array.from(models, (_, j) => Math.log(discrimination[j] ?? 1));
  const inTier = (values: readonly number[], t: number): number[] =>
    values.filter((_, j) => tierOf(models[j] ?? '') === t);
  const tierAbility = IRT_TIERS.map((_, t) => meanOf(inTier(allAbility, t), meanOf(allAbility, 0)));
  const tierDiscrimination = IRT_TIERS.map((_, t) =>
    Math.exp(meanOf(inTier(allLogDisc, t), meanOf(allLogDisc, 0))),
  );
  // Ridge regression a = alpha + beta * x + shift[tier] over scored models (penalty 1 on shifts).
  const rows: { x: number; y: number; t: number }[] = [];
  models.forEach((id, j) => {
    const score = options.publicScores.get(id);
    if (score !== undefined) rows.push({ x: scoreLogit(score), y: ability[j] ?? 0, t: tierOf(id) });
  });
  const flat = IRT_TIERS.map(() => 0);
  const tierScoreMean = IRT_TIERS.map((_, t) =>
    meanOf(
      rows.filter((r) => r.t === t).map((r) => r.x),
      0,
    ),
  );
  if (rows.length < 3) {
    const alpha = meanOf(
      rows.map((r) => r.y),
      meanOf(allAbility, 0),
    );
    return {
      tierScoreMean,
      alpha,
      beta: 0,
      sd: 1,
      tierShift: flat,
      tierAbility,
      tierDiscrimination,
    };
  }
  const size = 2 + IRT_TIERS.length;
  const gram = new Float64Array(size * size);
  const rhs = new Float64Array(size);
  for (const row of rows) {
    const f = new Float64Array(size);
    f[0] = 1;
    f[1] = row.x;
    if (row.t >= 0) f[2 + row.t] = 1;
    for (let p = 0; p < size; p++) {
      rhs[p] = (rhs[p] ?? 0) + (f[p] ?? 0) * row.y;
      for (let q = 0; q < size; q++)
        gram[p * size + q] = (gram[p * size + q] ?? 0) + (f[p] ?? 0) * (f[q] ?? 0);
    }
  }
  for (let p = 0; p < size; p++)
    gram[p * size + p] = (gram[p * size + p] ?? 0) + (p >= 2 ? 1 : 1e-6);
  const solution = solveSpd(gram, size, rhs) ?? new Float64Array(size);
  const alpha = solution[0] ?? 0;
  const beta = Math.max(0.1, solution[1] ?? 0);
  const tierShift = IRT_TIERS.map((_, t) => solution[2 + t] ?? 0);
  let ss = 0;
  for (const row of rows) {
    const fitted = alpha + beta * row.x + (row.t >= 0 ? (tierShift[row.t] ?? 0) : 0);
    ss += (row.y - fitted) ** 2;
  }
  const sd = Math.max(0.1, Math.sqrt(ss / Math.max(1, rows.length - 2)));
  return { tierScoreMean, alpha, beta, sd, tierShift, tierAbility, tierDiscrimination };
}

/** Half the smallest gap between adjacent tiers' abilities (0.25 when tiers are not ordered). */
function tierBand(tierAbility: readonly number[]): number {
  let gap = Number.POSITIVE_INFINITY;
  for (let t = 1; t < tierAbility.length; t++)
    gap = Math.min(gap, (tierAbility[t - 1] ?? 0) - (tierAbility[t] ?? 0));
  return gap > 0 && Number.isFinite(gap) ? gap / 2 : 0.25;
}

/** Public facts about a model the artifact never saw. */
export interface IrtPriorFacts {
  /** Public aggregate win rate in (0, 1) (AlpacaEval LC win rate / 100). */
  readonly publicScore?: number;
  /** Catalog tier. */
  readonly tier: string;
}

/** The fitted joint model. */
export class IrtPredictor implements QualityPredictor {
  readonly kind = 'irt';

  readonly models: readonly string[];
  private readonly shape: Shape;
  private readonly thetas: readonly Float64Array[];
  private readonly priorMaps: readonly IrtPriorMap[];
  /** Optional neighbour term: q = (1 - weight) q_joint + weight q_neighbours (see neighbour-blend.ts). */
  readonly neighbours: IrtNeighbours | undefined;
  /** Unit centroids of the prompt clusters the specialisation reads (empty: none). */
  private readonly centroids: readonly Float32Array[];

  constructor(
    models: readonly string[],
    shape: Shape,
    thetas: readonly Float64Array[],
    priorMaps: readonly IrtPriorMap[],
    neighbours?: IrtNeighbours,
    centroids: readonly Float32Array[] = [],
  ) {
    if (centroids.length !== shape.c || centroids.some((c) => c.length !== shape.d)) {
      throw new RouterError(
        'ARTIFACT_INVALID',
        `irt needs ${shape.c} cluster centroids of ${shape.d} dimensions`,
      );
    }
    this.centroids = centroids;
    this.models = models;
    this.shape = shape;
    this.thetas = thetas;
    this.priorMaps = priorMaps;
    if (neighbours !== undefined) {
      const { weight, predictor } = neighbours;
      if (!(weight > 0 && weight <= 1) || predictor.models.join('\n') !== models.join('\n')) {
        throw new RouterError(
          'ARTIFACT_INVALID',
          "the neighbour term needs a weight in (0, 1] and the joint model's models in order",
        );
      }
    }
    this.neighbours = neighbours;
  }

  /**
   * The same joint model with a neighbour term: each prediction moves toward the neighbour
   * predictor's by `weight` (the spread, the prior estimates for unseen models and the difficulty
   * stay the joint model's). A weight of 0 returns the joint model alone.
   */
  withNeighbours(predictor: QualityPredictor, weight: number): IrtPredictor {
    return new IrtPredictor(
      this.models,
      this.shape,
      this.thetas,
      this.priorMaps,
      weight === 0 ? undefined : { weight, predictor },
      this.centroids,
    );
  }

  /** Ability and discrimination in one member's parameter vector. */
  static memberParameters(
    shape: Shape,
    theta: Float64Array,
  ): { ability: Float64Array; discrimination: Float64Array } {
    const at = layout(shape);
    return {
      ability: theta.slice(at.a, at.a + shape.m),
      discrimination: Float64Array.from(theta.subarray(at.rho, at.rho + shape.m), (r) =>
        Math.exp(r),
      ),
    };
  }

  /** Specialisation vector w_m of each model (length k), the ensemble's mean. */
  specialisationWeights(): Float64Array[] {
    const { k, m } = this.shape;
    const at = layout(this.shape);
    return Array.from({ length: m }, (_, j) => {
      const w = new Float64Array(k);
      for (const theta of this.thetas)
        for (let c = 0; c < k; c++)
          w[c] = (w[c] ?? 0) + (theta[at.w + j * k + c] ?? 0) / this.thetas.length;
      return w;
    });
  }

  /**
   * P(good) for a model the artifact never saw, from public facts only (no specialisation): mean
   * and spread over members; the spread adds the prior map's residual sd (delta method).
   */
  priorEstimate(x: Float32Array, facts: IrtPriorFacts): { mean: number; spread: number } {
    return this.priorEstimator(x)(facts);
  }

  /**
   * {@link priorEstimate} for one prompt and any number of models: the prompt's per-member
   * difficulty and item discrimination are computed once, not once per model.
   */
  priorEstimator(x: Float32Array): (facts: IrtPriorFacts) => { mean: number; spread: number } {
    const { d } = this.shape;
    const at = layout(this.shape);
    const prompt = this.thetas.map((theta) => ({
      difficulty: dotRow(theta.subarray(at.u, at.u + d), 0, d, x),
      itemAlpha: this.itemAlpha(theta, x),
    }));
    return (facts) => {
      const tier = Math.max(0, (IRT_TIERS as readonly string[]).indexOf(facts.tier));
      let residual = 0;
      const values = this.priorMaps.map((map, b) => {
        // The tier sets the level (price tiers track capability on hard tasks, where
        // chat-preference scores do not); the public score moves a model within its tier's band,
        // at most half-way to the next tier, relative to the trained models of that tier.
        const level = map.tierAbility[tier] ?? map.alpha;
        const band = tierBand(map.tierAbility);
        const shift =
          facts.publicScore === undefined
            ? 0
            : map.beta * (scoreLogit(facts.publicScore) - (map.tierScoreMean[tier] ?? 0));
        const ability = level + Math.max(-band, Math.min(band, shift));
        residual += map.sd / this.priorMaps.length;
        const { difficulty, itemAlpha } = prompt[b] as (typeof prompt)[number];
        return sigmoid(itemAlpha * (ability - (map.tierDiscrimination[tier] ?? 1) * difficulty));
      });
      const average = meanOf(values, 0.5);
      const variance = meanOf(
        values.map((v) => (v - average) ** 2),
        0,
      );
      const slope = average * (1 - average);
      return { mean: average, spread: Math.sqrt(variance + (residual * slope) ** 2) };
    };
  }

  /** One member's item discrimination alpha(x) (1 without the item-discrimination block). */
  private itemAlpha(theta: Float64Array, x: Float32Array): number {
    if (!this.shape.itemDiscrimination) return 1;
    const at = layout(this.shape);
    return Math.exp(dotRow(theta.subarray(at.v, at.v + this.shape.d), 0, this.shape.d, x));
  }

  /** Fitted abilities a_m and discriminations s_m (ensemble means), by model. */
  parameters(): { ability: Float64Array; discrimination: Float64Array } {
    const ability = new Float64Array(this.shape.m);
    const discrimination = new Float64Array(this.shape.m);
    for (const theta of this.thetas) {
      const member = IrtPredictor.memberParameters(this.shape, theta);
      member.ability.forEach((v, j) => (ability[j] = (ability[j] ?? 0) + v / this.thetas.length));
      member.discrimination.forEach(
        (v, j) => (discrimination[j] = (discrimination[j] ?? 0) + v / this.thetas.length),
      );
    }
    return { ability, discrimination };
  }

  /** Ensemble mean and spread per model for each prompt. */
  estimate(embeddings: readonly Float32Array[]): IrtEstimate[] {
    const { d, k, m } = this.shape;
    assertQueryDimension(embeddings, d);
    const at = layout(this.shape);
    const h = new Float64Array(k);
    const clusters = this.shape.c;
    const joint = embeddings.map((x) => {
      const sum = new Float64Array(m);
      const squares = new Float64Array(m);
      const phi = clusters > 0 ? clusterMemberships(x, this.centroids) : undefined;
      for (const theta of this.thetas) {
        for (let c = 0; c < k; c++) h[c] = specialisation(theta, c, d, clusters, x, phi);
        const difficulty = dotRow(theta.subarray(at.u, at.u + d), 0, d, x);
        const itemAlpha = this.itemAlpha(theta, x);
        for (let j = 0; j < m; j++) {
          let z = (theta[at.a + j] ?? 0) - Math.exp(theta[at.rho + j] ?? 0) * difficulty;
          for (let c = 0; c < k; c++) z += (theta[at.w + j * k + c] ?? 0) * (h[c] ?? 0);
          const p = sigmoid(itemAlpha * z);
          sum[j] = (sum[j] ?? 0) + p;
          squares[j] = (squares[j] ?? 0) + p * p;
        }
      }
      const count = this.thetas.length;
      const mean = Float64Array.from(sum, (s) => s / count);
      const spread = Float64Array.from(squares, (s, j) =>
        Math.sqrt(Math.max(0, s / count - (mean[j] ?? 0) ** 2)),
      );
      return { mean, spread };
    });
    const near = this.neighbours;
    if (near === undefined) return joint;
    const means = blendRows(
      joint.map((e) => e.mean),
      near.predictor.predict(embeddings),
      near.weight,
    );
    return joint.map(({ spread }, i) => ({ mean: means[i] as Float64Array, spread }));
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    return this.estimate(embeddings).map((e) => e.mean);
  }

  toState(): PredictorState {
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...this.models],
      dimension: this.shape.d,
      latentDimension: this.shape.k,
      itemDiscrimination: this.shape.itemDiscrimination,
      ...(this.shape.c === 0
        ? {}
        : {
            clusters: this.shape.c,
            centroids: encodeFloat32Rows(this.centroids),
          }),
      members: this.thetas.map((theta) => encodeFloat32(theta)),
      priorMaps: this.priorMaps,
      ...(this.neighbours === undefined
        ? {}
        : {
            neighbours: {
              weight: this.neighbours.weight,
              predictor: this.neighbours.predictor.toState(),
            },
          }),
    };
  }
}

/** The joint model's optional neighbour term. */
export interface IrtNeighbours {
  /** Share of the neighbour predictor in (0, 1]. */
  readonly weight: number;
  /** A predictor over the same models (a kNN over the training prompts). */
  readonly predictor: QualityPredictor;
}

/** Restore a predictor written by {@link IrtPredictor.toState}. */
export function irtPredictorFromState(value: unknown): IrtPredictor {
  const state = assertStateHeader(value, 'irt');
  const clusters = state['clusters'] === undefined ? 0 : numberField(state, 'clusters');
  if (!Number.isInteger(clusters) || clusters < 0)
    throw new RouterError('ARTIFACT_INVALID', 'irt clusters must be a whole number >= 0');
  const shape: Shape = {
    d: state.dimension,
    k: numberField(state, 'latentDimension'),
    m: state.models.length,
    c: clusters,
    itemDiscrimination: state['itemDiscrimination'] === true,
  };
  let centroids: Float32Array[] = [];
  if (clusters > 0) {
    const raw = state['centroids'];
    if (typeof raw !== 'string')
      throw new RouterError('ARTIFACT_INVALID', 'irt clusters need their centroids');
    centroids = decodeFloat32Rows(raw, clusters, shape.d);
  }
  const size = layout(shape).size;
  const members = state['members'];
  const maps = state['priorMaps'];
  if (!Array.isArray(members) || members.length === 0 || !Array.isArray(maps)) {
    throw new RouterError('ARTIFACT_INVALID', 'irt state needs members and priorMaps');
  }
  const thetas = members.map((text) => decodeFloat32(text, size));
  const numbers = (value: unknown, length: number): number[] => {
    if (!Array.isArray(value) || value.length !== length || !value.every((v) => Number.isFinite(v)))
      throw new RouterError('ARTIFACT_INVALID', 'irt priorMaps hold finite numbers');
    return value as number[];
  };
  const priorMaps = maps.map((raw): IrtPriorMap => {
    const map = (raw ?? {}) as Record<string, unknown>;
    const [alpha = 0, beta = 0, sd = 1] = numbers([map['alpha'], map['beta'], map['sd']], 3);
    return {
      tierScoreMean: numbers(map['tierScoreMean'], IRT_TIERS.length),
      alpha,
      beta,
      sd,
      tierShift: numbers(map['tierShift'], IRT_TIERS.length),
      tierAbility: numbers(map['tierAbility'], IRT_TIERS.length),
      tierDiscrimination: numbers(map['tierDiscrimination'], IRT_TIERS.length),
    };
  });
  if (priorMaps.length !== thetas.length)
    throw new RouterError('ARTIFACT_INVALID', 'irt priorMaps must match members');
  const near = state['neighbours'];
  if (near === undefined)
    return new IrtPredictor(state.models, shape, thetas, priorMaps, undefined, centroids);
  const { weight, predictor } = (near ?? {}) as Record<string, unknown>;
  if (typeof weight !== 'number')
    throw new RouterError('ARTIFACT_INVALID', 'irt neighbours need a weight');
  return new IrtPredictor(
    state.models,
    shape,
    thetas,
    priorMaps,
    { weight, predictor: knnPredictorFromState(predictor) },
    centroids,
  );
}
