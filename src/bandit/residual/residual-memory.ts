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

/** The memory of logged outcomes and the shrunk offsets. */
export class ResidualMemory {
  readonly options: ResolvedResidualOptions;
  private readonly projection: RandomProjection;
  private clock = 0;
  private globalWeight = 0;
  private globalResidual = 0;
  private readonly stats = new Map<string, ModelStats>();
  private entries: MemoryEntry[] = [];

  constructor(options: ResidualOptions = {}, embeddingDimension?: number) {
    this.options = { ...DEFAULT_RESIDUAL_OPTIONS, ...options };
    validateResidualOptions(this.options);
    this.projection = new RandomProjection({
      k: this.options.projectionDimension,
      seed: this.options.projectionSeed,
      ...(embeddingDimension === undefined ? {} : { inputDimension: embeddingDimension }),
    });
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
    const offsets = new Map<string, number>();
    const offsetOf = (model: string): number => {
      let value = offsets.get(model);
      if (value === undefined) {
        const s = this.stats.get(model);
        const weight = s === undefined ? 0 : s.weight;
        const sum = s === undefined ? 0 : s.residual;
        value = (sum - weight * global) / (weight + k.model);
        offsets.set(model, value);
      }
      return value;
    };
    // Neighbours: every entry's similarity, kernel weight (times its age discount), and what is
    // left of its residual after the global and model offsets.
    const n = this.entries.length;
    const order = Array.from({ length: n }, (_, i) => i);
    const similarity = new Float64Array(n);
    const weight = new Float64Array(n);
    const deviation = new Float64Array(n);
    // An entry ages with the newer outcomes of its own model (newest first; the memory drops the
    // oldest entries, so the newer ones of a model are always all there).
    const newer = new Map<string, number>();
    for (let i = n - 1; i >= 0; i--) {
      const entry = this.entries[i] as MemoryEntry;
      let dot = 0;
      for (let j = 0; j < entry.features.length; j++)
        dot += (entry.features[j] as number) * ((x[j] as number) ?? 0);
      const age = newer.get(entry.model) ?? 0;
      newer.set(entry.model, age + 1);
      similarity[i] = dot;
      weight[i] = Math.exp((dot - 1) / o.temperature) * o.discount ** age;
      deviation[i] = entry.residual - global - offsetOf(entry.model);
    }
    order.sort((a, b) => (similarity[b] as number) - (similarity[a] as number) || a - b);
    let sharedWeight = 0;
    let sharedSum = 0;
    for (let r = 0; r < Math.min(o.sharedNeighbours, n); r++) {
      const i = order[r] as number;
      sharedWeight += weight[i] as number;
      sharedSum += (weight[i] as number) * (deviation[i] as number);
    }
    const shared = sharedSum / (sharedWeight + k.shared);
    const wanted = new Set(arms.map((arm) => arm.model));
    const local = new Map<string, { weight: number; sum: number; count: number }>();
    for (const i of order) {
      const model = (this.entries[i] as MemoryEntry).model;
      if (!wanted.has(model)) continue;
      const acc = local.get(model) ?? { weight: 0, sum: 0, count: 0 };
      if (acc.count >= o.neighbours) continue;
      acc.count += 1;
      acc.weight += weight[i] as number;
      acc.sum += (weight[i] as number) * ((deviation[i] as number) - shared);
      local.set(model, acc);
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
    this.entries.push({
      features: outcome.features.map(round4),
      model: outcome.model,
      residual,
      time: this.clock,
    });
    if (this.entries.length > this.options.capacity) {
      this.entries = this.entries.slice(this.entries.length - this.options.capacity);
    }
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
      entries: this.entries.map((entry) => ({ ...entry, features: [...entry.features] })),
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
    memory.entries = json.entries.map((entry) => ({ ...entry, features: [...entry.features] }));
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
