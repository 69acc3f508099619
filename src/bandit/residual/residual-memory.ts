/**
 * The residual learner's model: the offline artifact's quality prediction q̂(x, m) is the prior mean
 * for prompt x and model m, and the memory of logged outcomes learns a correction of it:
 *
 *   q(x, m) ≈ q̂(x, m) + g + b_m + s(x) + l_m(x)
 *
 *  - g: the global offset, the mean residual r = q_observed - q̂ over every outcome (a stream whose
 *    labels sit on another scale than the artifact's training data moves every model at once);
 *  - b_m: model m's own offset beyond g;
 *  - s(x): the prompt's shared residual, a kernel-weighted mean of what is left of the residuals of
 *    the outcomes nearest to x (any model: the prompt is harder or easier than predicted);
 *  - l_m(x): model m's local residual, the same over m's own nearest outcomes.
 *
 * Each term is a shrunk mean sum(w r) / (sum(w) + k) with k = s² / std²: the posterior mean of a
 * normal mean with a N(0, std²) prior under outcome noise s (empirical Bayes, a hierarchical
 * shrinkage estimator; s is the pooled within-model spread of the residuals), so with no evidence
 * near x the prediction is the artifact's, and it moves to the observed outcomes as their weight n
 * grows (n / (n + k)); noisy 0/1 labels need more evidence than graded ones. Neighbours are found by cosine
 * similarity on a seeded random projection of the prompt embedding (Johnson-Lindenstrauss) and
 * weigh exp((cos - 1) / tau) (a Nadaraya-Watson kernel over the k nearest). Evidence about a model
 * is discounted by gamma per newer outcome of that model (drift: a degraded model's past outcomes
 * fade as its new ones arrive, while a rarely chosen model keeps what little evidence it has); the
 * global offset by gamma per outcome. The estimated cost is corrected by a shrunk ratio of observed to
 * estimated cost per model.
 */
import { RouterError } from '../../core/index.js';
import { RandomProjection } from '../features.js';
import { costPair, shrunkCostRatio } from '../reward.js';
import {
  DEFAULT_RESIDUAL_OPTIONS,
  validateResidualOptions,
  type ResidualOptions,
  type ResolvedResidualOptions,
} from './residual-options.js';

/** Per-model statistics, discounted by gamma per outcome of that model. */
interface ModelStats {
  /** Discounted outcome count. */
  weight: number;
  /** Discounted residual sum. */
  residual: number;
  /** Discounted sum of squared residuals (the pooled noise estimate). */
  residualSquares: number;
  /** Discounted observed and estimated cost, USD. */
  costObserved: number;
  costEstimated: number;
  /** Undiscounted outcome count. */
  pulls: number;
}

/** One remembered outcome. */
export interface MemoryEntry {
  /** Unit-norm projected features (rounded to 1e-4, so JSON round trips are exact). */
  readonly features: readonly number[];
  readonly model: string;
  /** Observed minus predicted quality. */
  readonly residual: number;
  /** Update count when it was learned. */
  readonly time: number;
}

/** Corrected estimate of one arm. */
export interface ResidualEstimate {
  /** Corrected quality in [0, 1]. */
  readonly quality: number;
  /** Corrected cost, USD. */
  readonly costUsd: number;
  /** Std of the corrected quality. */
  readonly std: number;
}

/** JSON form of {@link ResidualMemory}. */
export interface ResidualMemoryJson {
  readonly options: ResolvedResidualOptions;
  readonly time: number;
  /** Global discounted weight and residual sum, discounted to `time`. */
  readonly global: { readonly weight: number; readonly residual: number };
  readonly models: readonly ({ readonly model: string } & Readonly<ModelStats>)[];
  readonly entries: readonly MemoryEntry[];
  readonly embeddingDimension: number | null;
}

/** What one arm contributes to {@link ResidualMemory.estimate}. */
export interface ResidualArm {
  readonly model: string;
  readonly predictedQuality: number;
  readonly estimatedCostUsd: number;
  /** The artifact's own std for this prediction (wider for a model it never saw). */
  readonly qualityUncertainty?: number;
}

const round4 = (value: number): number => Math.round(value * 1e4) / 1e4;

/** Neighbour lists longer than this are selected by a full sort instead of insertion. */
const INSERTION_LIMIT = 256;

/**
 * The k best of the logical indices pushed, best first, where better means a higher similarity,
 * ties to the lower (older) index: the order of a full sort by (similarity desc, index asc), kept by
 * insertion so a search over n outcomes costs O(n) rather than a sort's O(n log n).
 */
class TopK {
  readonly items: Int32Array;
  count = 0;
  private readonly k: number;
  private readonly similarity: Float64Array;

  constructor(k: number, similarity: Float64Array) {
    this.k = k;
    this.similarity = similarity;
    this.items = new Int32Array(k);
  }

  private better(a: number, b: number): boolean {
    const sa = this.similarity[a] as number;
    const sb = this.similarity[b] as number;
    return sa > sb || (sa === sb && a < b);
  }

  push(index: number): void {
    const { items, k } = this;
    if (this.count === k && !this.better(index, items[k - 1] as number)) return;
    let at = this.count === k ? k - 1 : this.count++;
    while (at > 0 && this.better(index, items[at - 1] as number)) {
      items[at] = items[at - 1] as number;
      at -= 1;
    }
    items[at] = index;
  }
}

/** The `k` best of `indices` (see {@link TopK}), best first. */
function topK(indices: ArrayLike<number>, k: number, similarity: Float64Array): Int32Array {
  if (k > INSERTION_LIMIT) {
    const all = Array.from(indices);
    all.sort((a, b) => (similarity[b] as number) - (similarity[a] as number) || a - b);
    return Int32Array.from(all.slice(0, k));
  }
  const top = new TopK(k, similarity);
  for (let r = 0; r < indices.length; r++) top.push(indices[r] as number);
  return top.items.subarray(0, top.count);
}

/**
 * The remembered outcomes, oldest first, in typed arrays: features packed row by row, a ring once
 * `capacity` is reached (the oldest is overwritten), grown by doubling before that.
 */
class EntryRing {
  private slots = 0;
  private start = 0;
  size = 0;
  features = new Float64Array(0);
  models = new Int32Array(0);
  residuals = new Float64Array(0);
  times = new Float64Array(0);

  readonly capacity: number;
  readonly dimension: number;

  constructor(capacity: number, dimension: number) {
    this.capacity = capacity;
    this.dimension = dimension;
  }

  /** Physical slot of the logical index `i` (0 = oldest). */
  slot(i: number): number {
    const p = this.start + i;
    return p >= this.slots ? p - this.slots : p;
  }

  push(features: ArrayLike<number>, model: number, residual: number, time: number): void {
    let p: number;
    if (this.size < this.capacity) {
      if (this.size === this.slots) this.grow();
      p = this.size++;
    } else {
      p = this.start;
      this.start = this.start + 1 === this.slots ? 0 : this.start + 1;
    }
    this.features.set(features, p * this.dimension);
    this.models[p] = model;
    this.residuals[p] = residual;
    this.times[p] = time;
  }

  private grow(): void {
    const slots = Math.min(this.capacity, Math.max(64, this.slots * 2));
    const features = new Float64Array(slots * this.dimension);
    features.set(this.features);
    const models = new Int32Array(slots);
    models.set(this.models);
    const residuals = new Float64Array(slots);
    residuals.set(this.residuals);
    const times = new Float64Array(slots);
    times.set(this.times);
    Object.assign(this, { slots, features, models, residuals, times });
  }
}

/** The memory of logged outcomes and the shrunk offsets. */
export class ResidualMemory {
  readonly options: ResolvedResidualOptions;
  private readonly projection: RandomProjection;
  private clock = 0;
  private globalWeight = 0;
  private globalResidual = 0;
  private readonly stats = new Map<string, ModelStats>();
  /** Model names by the ids the ring stores. */
  private readonly modelNames: string[] = [];
  private readonly modelIds = new Map<string, number>();
  private readonly ring: EntryRing;

  constructor(options: ResidualOptions = {}, embeddingDimension?: number) {
    this.options = { ...DEFAULT_RESIDUAL_OPTIONS, ...options };
    validateResidualOptions(this.options);
    this.projection = new RandomProjection({
      k: this.options.projectionDimension,
      seed: this.options.projectionSeed,
      ...(embeddingDimension === undefined ? {} : { inputDimension: embeddingDimension }),
    });
    this.ring = new EntryRing(this.options.capacity, this.options.projectionDimension);
  }

  /** Outcomes learned so far. */
  get time(): number {
    return this.clock;
  }

  /** Feature dimension (the projected coordinates). */
  get dimension(): number {
    return this.options.projectionDimension;
  }

  /** Undiscounted outcome count per model. */
  pulls(): Record<string, number> {
    return Object.fromEntries([...this.stats].map(([model, s]) => [model, s.pulls]));
  }

  /** Unit-norm projected features of an embedding, rounded like the stored ones. */
  features(embedding: Float32Array): Float64Array {
    const raw = this.projection.features(embedding);
    let norm = 0;
    for (let j = 1; j < raw.length; j++) norm += (raw[j] as number) ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const out = new Float64Array(raw.length - 1);
    for (let j = 1; j < raw.length; j++) out[j - 1] = round4((raw[j] as number) * scale);
    return out;
  }

  /** Corrected quality, cost and uncertainty of each arm for the features `x`. */
  estimate(x: ArrayLike<number>, arms: readonly ResidualArm[]): ResidualEstimate[] {
    const o = this.options;
    const noise = this.noiseScale();
    const s2 = noise * noise;
    // Shrinkage pseudo-counts k = s² / std² (a normal mean with a N(0, std²) prior, noise s).
    const k = {
      global: s2 / o.globalPriorStd ** 2,
      model: s2 / o.modelPriorStd ** 2,
      shared: s2 / o.sharedPriorStd ** 2,
      local: s2 / o.localPriorStd ** 2,
    };
    const global = this.globalResidual / (this.globalWeight + k.global);
    const offsetOf = (model: string): number => {
      const s = this.stats.get(model);
      const weight = s === undefined ? 0 : s.weight;
      const sum = s === undefined ? 0 : s.residual;
      return (sum - weight * global) / (weight + k.model);
    };
    const offsets = Float64Array.from(this.modelNames, offsetOf);
    // Neighbours: every entry's similarity, kernel weight (times its age discount), and what is
    // left of its residual after the global and model offsets. An entry ages with the newer
    // outcomes of its own model (newest first; the memory drops the oldest entries, so the newer
    // ones of a model are always all there).
    const ring = this.ring;
    const n = ring.size;
    const dim = this.dimension;
    const query = new Float64Array(dim);
    for (let j = 0; j < dim; j++) query[j] = x[j] ?? 0;
    const similarity = new Float64Array(n);
    const age = new Int32Array(n);
    const newer = new Int32Array(this.modelNames.length);
    const { features, models, residuals } = ring;
    for (let i = n - 1; i >= 0; i--) {
      const p = ring.slot(i);
      const base = p * dim;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += (features[base + j] as number) * (query[j] as number);
      similarity[i] = dot;
      const model = models[p] as number;
      age[i] = newer[model] as number;
      newer[model] = (age[i] as number) + 1;
    }
    // Kernel weight and deviation, needed only for the neighbours chosen below.
    const weightOf = (i: number): number =>
      Math.exp(((similarity[i] as number) - 1) / o.temperature) * o.discount ** (age[i] as number);
    const deviationOf = (i: number): number => {
      const p = ring.slot(i);
      return (residuals[p] as number) - global - (offsets[models[p] as number] as number);
    };
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    let sharedWeight = 0;
    let sharedSum = 0;
    for (const i of topK(all, Math.min(o.sharedNeighbours, n), similarity)) {
      const w = weightOf(i);
      sharedWeight += w;
      sharedSum += w * deviationOf(i);
    }
    const shared = sharedSum / (sharedWeight + k.shared);
    // Each wanted model's nearest own outcomes.
    const byModel = new Map<number, number[]>();
    for (const arm of arms) {
      const id = this.modelIds.get(arm.model);
      if (id !== undefined) byModel.set(id, []);
    }
    for (let i = 0; i < n; i++) byModel.get(models[ring.slot(i)] as number)?.push(i);
    const local = new Map<string, { weight: number; sum: number }>();
    for (const [id, indices] of byModel) {
      if (indices.length === 0) continue;
      const acc = { weight: 0, sum: 0 };
      for (const i of topK(indices, o.neighbours, similarity)) {
        const w = weightOf(i);
        acc.weight += w;
        acc.sum += w * (deviationOf(i) - shared);
      }
      local.set(this.modelNames[id] as string, acc);
    }
    return arms.map((arm) => {
      const s = this.stats.get(arm.model);
      const pulls = s === undefined ? 0 : s.weight;
      const near = local.get(arm.model);
      const nearWeight = near?.weight ?? 0;
      const correction =
        global +
        offsetOf(arm.model) +
        shared +
        (near === undefined ? 0 : near.sum / (nearWeight + k.local));
      const quality = Math.min(1, Math.max(0, arm.predictedQuality + correction));
      // Posterior variance of the model's offset and of its local residual, plus the artifact's
      // own spread fading with the model's outcomes.
      const offline = arm.qualityUncertainty ?? 0;
      const variance =
        s2 / (k.model + pulls) + s2 / (k.local + nearWeight) + (offline * offline) / (1 + pulls);
      return {
        quality,
        costUsd: Math.max(arm.estimatedCostUsd, 0) * this.costRatio(s),
        std: Math.sqrt(variance),
      };
    });
  }

  /** Learn one outcome: its residual joins the memory and the offsets. */
  update(outcome: {
    readonly model: string;
    readonly features: readonly number[];
    readonly predictedQuality: number;
    readonly quality: number;
    readonly estimatedCostUsd: number;
    readonly costUsd: number | null;
  }): void {
    if (outcome.features.length !== this.dimension) {
      throw new RouterError(
        'INPUT_INVALID',
        `feedback features have ${outcome.features.length} entries, expected ${this.dimension}`,
        { details: { expected: this.dimension, got: outcome.features.length } },
      );
    }
    if (!Number.isFinite(outcome.quality) || !Number.isFinite(outcome.predictedQuality)) {
      throw new RouterError(
        'INPUT_INVALID',
        'feedback quality and predicted quality must be finite',
      );
    }
    // Discount by gamma: the global sums per outcome, a model's own sums per outcome of that model
    // (its evidence is replaced only by newer evidence about it; a rarely chosen model keeps it).
    const gamma = this.options.discount;
    this.globalWeight *= gamma;
    this.globalResidual *= gamma;
    this.clock += 1;
    const residual = outcome.quality - outcome.predictedQuality;
    this.globalWeight += 1;
    this.globalResidual += residual;
    const s = this.stats.get(outcome.model) ?? {
      weight: 0,
      residual: 0,
      residualSquares: 0,
      costObserved: 0,
      costEstimated: 0,
      pulls: 0,
    };
    s.weight *= gamma;
    s.residual *= gamma;
    s.residualSquares *= gamma;
    s.costObserved *= gamma;
    s.costEstimated *= gamma;
    s.weight += 1;
    s.residual += residual;
    s.residualSquares += residual * residual;
    s.pulls += 1;
    const { estimated, observed } = costPair(outcome.estimatedCostUsd, outcome.costUsd);
    s.costObserved += observed;
    s.costEstimated += estimated;
    this.stats.set(outcome.model, s);
    this.remember(outcome.features.map(round4), outcome.model, residual, this.clock);
  }

  /** Append one entry to the ring (the oldest drops out once it is full). */
  private remember(
    features: readonly number[],
    model: string,
    residual: number,
    time: number,
  ): void {
    let id = this.modelIds.get(model);
    if (id === undefined) {
      id = this.modelNames.length;
      this.modelNames.push(model);
      this.modelIds.set(model, id);
    }
    this.ring.push(features, id, residual, time);
  }

  /** The remembered outcomes, oldest first. */
  private entries(): MemoryEntry[] {
    const ring = this.ring;
    const dim = this.dimension;
    return Array.from({ length: ring.size }, (_, i) => {
      const p = ring.slot(i);
      return {
        features: Array.from(ring.features.subarray(p * dim, (p + 1) * dim)),
        model: this.modelNames[ring.models[p] as number] as string,
        residual: ring.residuals[p] as number,
        time: ring.times[p] as number,
      };
    });
  }

  /** JSON-safe state. */
  toJson(): ResidualMemoryJson {
    return {
      options: { ...this.options },
      time: this.clock,
      global: { weight: this.globalWeight, residual: this.globalResidual },
      models: [...this.stats]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([model, s]) => ({ model, ...s })),
      entries: this.entries(),
      embeddingDimension: this.projection.dimension ?? null,
    };
  }

  /** Restore from {@link toJson} (shape-checked by residual-state.ts). */
  static fromJson(json: ResidualMemoryJson): ResidualMemory {
    const memory = new ResidualMemory(json.options, json.embeddingDimension ?? undefined);
    memory.clock = json.time;
    memory.globalWeight = json.global.weight;
    memory.globalResidual = json.global.residual;
    for (const { model, ...s } of json.models) memory.stats.set(model, { ...s });
    for (const entry of json.entries) {
      if (entry.features.length !== memory.dimension || !entry.features.every(Number.isFinite)) {
        throw new RouterError('POLICY_STATE_INVALID', 'memory entry features do not fit', {
          details: { model: entry.model },
        });
      }
    }
    for (const entry of json.entries.slice(-memory.options.capacity)) {
      memory.remember(entry.features, entry.model, entry.residual, entry.time);
    }
    return memory;
  }

  /**
   * Outcome noise s: the pooled within-model spread of the residuals (each model's discounted
   * variance about its own mean), with `noisePriorWeight` pseudo-outcomes at `noiseScale`.
   * Graded labels (win rates) are less noisy than 0/1 ones, so they need less exploration.
   */
  private noiseScale(): number {
    const prior = this.options.noiseScale;
    const pseudo = this.options.noisePriorWeight;
    let squares = pseudo * prior * prior;
    let weight = pseudo;
    // In model order, so a restored state (models sorted) sums to the same last bit.
    for (const model of [...this.stats.keys()].sort()) {
      const s = this.stats.get(model) as ModelStats;
      if (s.weight <= 0) continue;
      squares += Math.max(0, s.residualSquares - (s.residual * s.residual) / s.weight);
      weight += s.weight;
    }
    return Math.sqrt(squares / weight);
  }

  private costRatio(s: ModelStats | undefined): number {
    if (s === undefined) return 1;
    return shrunkCostRatio({
      observed: s.costObserved,
      estimated: s.costEstimated,
      weight: s.weight,
      priorWeight: this.options.costPriorWeight,
    });
  }
}
