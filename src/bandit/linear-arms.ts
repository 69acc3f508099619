/**
 * The learning core shared by every bandit policy: one discounted Bayesian ridge model per arm (a
 * "disjoint" linear model, Li et al. 2010, LinUCB §3.1) on a residual over the offline router.
 *
 * Reward of a call: r = quality - lambda * cost with lambda = 1 / willingnessToPay (tradeoff.ts). We
 * split it as r = q̂_a + δ_a(x) - lambda * ĉ_a * R_a, where q̂_a and ĉ_a are the offline predictor's
 * quality and cost estimates for arm a and
 *  - δ_a(x) = xᵀθ_a is a linear correction of the quality estimate in the context features x,
 *    learned by ridge regression on y = q_observed - q̂_a with a Gaussian prior θ_a ~ N(m_a, s² Λ⁻¹),
 *    so with no data the bandit routes exactly as the offline router does (θ = 0);
 *  - R_a is a discounted ratio of observed to estimated cost (price changes, length misestimates),
 *    with `costPriorWeight` pseudo-observations at 1.
 * Non-stationarity: every outcome discounts all arms' statistics by γ (D-LinUCB, Russac, Cappé and
 * Garivier, NeurIPS 2019: V_t = Σ γ^{t-s} x_s x_sᵀ + Λ), so evidence has an effective window of
 * 1 / (1 - γ) outcomes: a model that got worse loses its good record, and an arm that gets no
 * traffic drifts back to its prior uncertainty and is explored again.
 * Posterior (Bayesian ridge, noise s): A = Λ + Σ γ^{t-s} x xᵀ, θ̂ = A⁻¹ (Λ m + Σ γ^{t-s} y x),
 * Var[xᵀθ] = s² xᵀ A⁻¹ x.
 */
import { RouterError } from '../core/index.js';
import {
  DEFAULT_ARMS_OPTIONS,
  validateOptions,
  type LinearArmsOptions,
  type ResolvedArmsOptions,
} from './arms-options.js';
import { RandomProjection } from './features.js';
import {
  addOuter,
  choleskyInPlace,
  choleskySolve,
  dot,
  inverseQuadraticForm,
  scaleInPlace,
} from './linalg.js';
import type { ArmTags, BanditArm, BanditFeedback } from './policy.js';
import { costPair, shrunkCostRatio } from './reward.js';

/** One arm's sufficient statistics. */
interface ArmModel {
  readonly model: string;
  /** Global update count when the statistics were last brought up to date. */
  time: number;
  /** Σ γ^{time-s} x xᵀ (d × d, row-major). */
  readonly gram: Float64Array;
  /** Σ γ^{time-s} y x. */
  readonly moment: Float64Array;
  /** Diagonal prior precision Λ. */
  readonly priorPrecision: Float64Array;
  /** Prior mean m. */
  readonly priorMean: Float64Array;
  readonly family: string | undefined;
  /** Undiscounted outcome count. */
  pulls: number;
  /** Discounted outcome count. */
  weight: number;
  /** Discounted sums of observed and estimated cost, USD. */
  costObserved: number;
  costEstimated: number;
  /** Cached factor of A and θ̂ for `cacheTime`. */
  cacheTime: number;
  factor: Float64Array | undefined;
  theta: Float64Array | undefined;
}

/** Posterior estimate of one arm for one context. */
export interface ArmEstimate {
  /** Posterior mean reward q̂ + xᵀθ̂ - ĉ R / wtp. */
  readonly mean: number;
  /** Posterior std of the reward, s √(xᵀA⁻¹x). */
  readonly std: number;
}

/** Serialised arm (JSON-safe). */
export interface ArmStateJson {
  readonly model: string;
  readonly time: number;
  readonly gram: number[];
  readonly moment: number[];
  readonly priorPrecision: number[];
  readonly priorMean: number[];
  readonly family: string | null;
  readonly pulls: number;
  readonly weight: number;
  readonly costObserved: number;
  readonly costEstimated: number;
}

/** Serialised {@link LinearArms}. */
export interface LinearArmsStateJson {
  readonly options: ResolvedArmsOptions;
  readonly time: number;
  readonly embeddingDimension: number | null;
  readonly arms: readonly ArmStateJson[];
}

/** Per-arm discounted ridge models plus the shared feature map. */
export class LinearArms {
  readonly options: ResolvedArmsOptions;
  readonly projection: RandomProjection;
  private readonly arms = new Map<string, ArmModel>();
  /** Outcomes applied (global time of the discount). */
  private clock = 0;
  private readonly scratch: Float64Array;

  constructor(options: LinearArmsOptions = {}, embeddingDimension?: number) {
    this.options = { ...DEFAULT_ARMS_OPTIONS, ...options };
    validateOptions(this.options);
    this.projection = new RandomProjection({
      k: this.options.projectionDimension,
      seed: this.options.projectionSeed,
      ...(embeddingDimension === undefined ? {} : { inputDimension: embeddingDimension }),
    });
    this.scratch = new Float64Array(this.dimension);
  }

  /** Feature dimension d. */
  get dimension(): number {
    return this.options.projectionDimension + 1;
  }

  /** Outcomes applied so far. */
  get time(): number {
    return this.clock;
  }

  /** Undiscounted outcome count per known arm. */
  pulls(): Record<string, number> {
    return Object.fromEntries([...this.arms.values()].map((arm) => [arm.model, arm.pulls]));
  }

  /** Context features of an embedding. */
  features(embedding: Float32Array): Float64Array {
    return this.projection.features(embedding);
  }

  /** Posterior reward estimate of each arm for features `x` and willingness to pay `wtp`. */
  estimate(options: {
    readonly arms: readonly BanditArm[];
    readonly x: ArrayLike<number>;
    readonly willingnessToPay: number;
    readonly tags?: readonly (ArmTags | undefined)[] | undefined;
  }): ArmEstimate[] {
    const { x, willingnessToPay } = options;
    const d = this.dimension;
    const s = this.options.noiseScale;
    return options.arms.map((arm, i) => {
      const model = this.arms.get(arm.model) ?? this.newArm(arm.model, options.tags?.[i]);
      this.refresh(model);
      const factor = model.factor as Float64Array;
      const theta = model.theta as Float64Array;
      const quality = arm.predictedQuality + dot(theta, x, d);
      const cost = arm.estimatedCostUsd * this.costRatio(model);
      const spread = inverseQuadraticForm(factor, d, x, this.scratch);
      // The predictor's own uncertainty for this prompt adds to the posterior's, fading as the
      // arm's outcomes (discounted count) take over from the prediction.
      const offline = arm.qualityUncertainty ?? 0;
      const variance = s * s * Math.max(spread, 0) + (offline * offline) / (1 + model.weight);
      return { mean: quality - cost / willingnessToPay, std: Math.sqrt(variance) };
    });
  }

  /** Apply one outcome: discount everything by γ, then add the sample to its arm. */
  update(feedback: BanditFeedback): void {
    const d = this.dimension;
    if (feedback.features.length !== d) {
      throw new RouterError(
        'INPUT_INVALID',
        `feedback features have ${feedback.features.length} entries, expected ${d}`,
        {
          details: { expected: d, got: feedback.features.length },
        },
      );
    }
    if (!Number.isFinite(feedback.quality) || !Number.isFinite(feedback.predictedQuality)) {
      throw new RouterError(
        'INPUT_INVALID',
        'feedback quality and predicted quality must be finite',
      );
    }
    this.clock += 1;
    let arm = this.arms.get(feedback.model);
    if (arm === undefined) {
      arm = this.newArm(feedback.model, feedback.tags);
      this.arms.set(arm.model, arm);
    }
    this.bringUpToDate(arm);
    const residual = feedback.quality - feedback.predictedQuality;
    addOuter(arm.gram, d, feedback.features);
    for (let j = 0; j < d; j++)
      arm.moment[j] = (arm.moment[j] as number) + residual * (feedback.features[j] as number);
    arm.pulls += 1;
    arm.weight += 1;
    const { estimated, observed } = costPair(feedback.estimatedCostUsd, feedback.costUsd);
    arm.costObserved += observed;
    arm.costEstimated += estimated;
    arm.cacheTime = -1;
  }

  /** JSON-safe state. */
  toJson(): LinearArmsStateJson {
    return {
      options: { ...this.options },
      time: this.clock,
      embeddingDimension: this.projection.dimension ?? null,
      arms: [...this.arms.values()]
        .sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
        .map((arm) => ({
          model: arm.model,
          time: arm.time,
          gram: Array.from(arm.gram),
          moment: Array.from(arm.moment),
          priorPrecision: Array.from(arm.priorPrecision),
          priorMean: Array.from(arm.priorMean),
          family: arm.family ?? null,
          pulls: arm.pulls,
          weight: arm.weight,
          costObserved: arm.costObserved,
          costEstimated: arm.costEstimated,
        })),
    };
  }

  /** Restore from {@link toJson}'s output (already shape-checked by state.ts). */
  static fromJson(json: LinearArmsStateJson): LinearArms {
    const arms = new LinearArms(json.options, json.embeddingDimension ?? undefined);
    arms.clock = json.time;
    const d = arms.dimension;
    for (const entry of json.arms) {
      const sized = (values: readonly number[], length: number, field: string): Float64Array => {
        if (values.length !== length || !values.every(Number.isFinite)) {
          throw new RouterError(
            'POLICY_STATE_INVALID',
            `arm ${entry.model}: ${field} must hold ${length} finite numbers`,
            {
              details: { model: entry.model, field },
            },
          );
        }
        return Float64Array.from(values);
      };
      arms.arms.set(entry.model, {
        model: entry.model,
        time: entry.time,
        gram: sized(entry.gram, d * d, 'gram'),
        moment: sized(entry.moment, d, 'moment'),
        priorPrecision: sized(entry.priorPrecision, d, 'priorPrecision'),
        priorMean: sized(entry.priorMean, d, 'priorMean'),
        family: entry.family ?? undefined,
        pulls: entry.pulls,
        weight: entry.weight,
        costObserved: entry.costObserved,
        costEstimated: entry.costEstimated,
        cacheTime: -1,
        factor: undefined,
        theta: undefined,
      });
    }
    return arms;
  }

  /**
   * A fresh arm's prior. Intercept and context precisions come from the prior stds (scaled up for a
   * model the offline predictor never saw, so it is explored until its own outcomes pin it down). The
   * prior mean borrows the average correction learned for models of the same catalog family.
   */
  private newArm(model: string, tags: ArmTags | undefined): ArmModel {
    const d = this.dimension;
    const o = this.options;
    const scale = tags?.source === 'prior' ? o.unseenPriorScale : 1;
    const s2 = o.noiseScale * o.noiseScale;
    const priorPrecision = new Float64Array(d);
    priorPrecision[0] = s2 / (o.interceptPriorStd * scale) ** 2;
    // k projected coordinates of size O(1) each: per-coefficient variance τ² / k gives the
    // contextual part a total prior std of about τ.
    const perCoefficient = (s2 * o.projectionDimension) / (o.contextPriorStd * scale) ** 2;
    for (let j = 1; j < d; j++) priorPrecision[j] = perCoefficient;
    const priorMean = new Float64Array(d);
    const family = tags?.family;
    if (family !== undefined) {
      const mates = [...this.arms.values()].filter((arm) => arm.family === family && arm.pulls > 0);
      for (const mate of mates) {
        this.refresh(mate);
        const theta = mate.theta as Float64Array;
        for (let j = 0; j < d; j++)
          priorMean[j] = (priorMean[j] as number) + (theta[j] as number) / mates.length;
      }
    }
    return {
      model,
      time: this.clock,
      gram: new Float64Array(d * d),
      moment: new Float64Array(d),
      priorPrecision,
      priorMean,
      family,
      pulls: 0,
      weight: 0,
      costObserved: 0,
      costEstimated: 0,
      cacheTime: -1,
      factor: undefined,
      theta: undefined,
    };
  }

  /** Apply the discount accumulated since the arm's last update. */
  private bringUpToDate(arm: ArmModel): void {
    const steps = this.clock - arm.time;
    if (steps > 0 && this.options.discount < 1) {
      const factor = this.options.discount ** steps;
      scaleInPlace(arm.gram, factor);
      scaleInPlace(arm.moment, factor);
      arm.weight *= factor;
      arm.costObserved *= factor;
      arm.costEstimated *= factor;
    }
    arm.time = this.clock;
  }

  /** Factor A and solve for θ̂ at the current time (cached until the next update). */
  private refresh(arm: ArmModel): void {
    if (arm.cacheTime === this.clock && arm.factor !== undefined) return;
    const d = this.dimension;
    const decay = this.options.discount < 1 ? this.options.discount ** (this.clock - arm.time) : 1;
    const a = new Float64Array(d * d);
    const rhs = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i * d + j] = decay * (arm.gram[i * d + j] as number);
      const precision = arm.priorPrecision[i] as number;
      a[i * d + i] = (a[i * d + i] as number) + precision;
      rhs[i] = precision * (arm.priorMean[i] as number) + decay * (arm.moment[i] as number);
    }
    if (!choleskyInPlace(a, d)) {
      throw new RouterError(
        'POLICY_STATE_INVALID',
        `arm ${arm.model}: posterior precision is not positive definite`,
        {
          details: { model: arm.model },
        },
      );
    }
    arm.factor = a;
    arm.theta = choleskySolve(a, d, rhs);
    arm.cacheTime = this.clock;
  }

  private costRatio(arm: ArmModel): number {
    const decay = this.options.discount < 1 ? this.options.discount ** (this.clock - arm.time) : 1;
    return shrunkCostRatio({
      observed: decay * arm.costObserved,
      estimated: decay * arm.costEstimated,
      weight: decay * arm.weight,
      priorWeight: this.options.costPriorWeight,
    });
  }
}
