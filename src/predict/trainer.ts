/**
 * One entry point for the CLI and the benchmark suite: fit a quality predictor of a given kind, with
 * optional hyperparameter search by cross-validation on the training rows and optional held-out
 * calibration.
 */
import type { QualityPredictor, TrainingSet } from './predictor.js';
import type { CalibrationMethod } from './calibration.js';
import { fitCalibratedPredictor } from './calibration.js';
import type { CrossValidationResult } from './cross-validation.js';
import { crossValidate } from './cross-validation.js';
import { fitKnnPredictor } from './knn-predictor.js';
import type { LinearLoss } from './linear-model.js';
import { fitLogisticPredictor } from './logistic-predictor.js';
import { fitMfPredictor } from './mf-predictor.js';
import { fitIrtPredictor } from './irt-predictor.js';

/** Trainable quality-predictor kinds. */
export const TRAINER_KINDS = ['irt', 'knn', 'logistic', 'mf'] as const;
/** A trainable kind. */
export type TrainerKind = (typeof TRAINER_KINDS)[number];

/** Hyperparameters across kinds; each kind reads its own fields (see the fit functions' options). */
export interface QualityHyperparameters {
  /** knn: neighbours per model. */
  readonly k?: number;
  /** knn: softmax temperature (0 = uniform). */
  readonly temperature?: number;
  /** knn: shrinkage pseudo-observations. */
  readonly priorStrength?: number;
  /** logistic: L2 penalty. */
  readonly l2?: number;
  /** logistic: loss. */
  readonly loss?: LinearLoss;
  /** mf: latent dimension. */
  readonly latentDimension?: number;
  /** mf: epochs. */
  readonly epochs?: number;
  /** mf: L2 on per-model deviations. */
  readonly l2Model?: number;
  /** mf: L2 on the shared projection. */
  readonly l2Shared?: number;
  /** mf, irt: Adam step size. */
  readonly learningRate?: number;
  /** irt: L2 on the difficulty direction. */
  readonly l2Difficulty?: number;
  /** irt: L2 on the specialisation projection and vectors. */
  readonly l2Specialisation?: number;
  /** irt: bootstrap ensemble members. */
  readonly members?: number;
  /** irt: prompt clusters read by the specialisation (0: none; only with latentDimension > 0). */
  readonly clusters?: number;
  /** irt: the clusters' centroids: k-means, or one per label scale (see IrtOptions.clusterBy). */
  readonly clusterBy?: 'kmeans' | 'scale';
  /** irt: 1 (default) keeps each model's specialisation centred within its component, 0 does not. */
  readonly centreSpecialisation?: number;
  /** irt: the neighbour term's weight, as chosen on training folds (reported; see neighbour-blend.ts). */
  readonly neighbourWeight?: number;
}

/** Public facts the irt trainer ties abilities to (catalog priors and tiers). */
export interface PublicModelFacts {
  /** Public aggregate win rate in (0, 1) per model id. */
  readonly publicScores: ReadonlyMap<string, number>;
  /** Catalog tier per model id. */
  readonly modelTiers: ReadonlyMap<string, string>;
}

/**
 * Prompt-cluster counts the irt grid tries beside each k > 0 (0: none), k-means centroids. 32: on
 * the LLMRouter suite's training 80%, 5-fold CV Brier 0.1774 (none) / 0.1712 (32); 64 clusters
 * fitted no better than 32 in the experiment that appended memberships to the embedding
 * (training/experiments/README.md, "Prompt clusters"). One centroid per label scale
 * (`clusterBy: 'scale'`) fits the shipped mixture better (held-out Brier 0.1826 -> 0.1798) but
 * sent a third of the hard dev prompts to the cheap models of the task they resemble, so it is an
 * option, not a grid point ("Task centroids").
 */
export const IRT_CLUSTER_GRID: readonly number[] = [0, 32];

/**
 * A small default search grid per kind (kept small: every point costs `folds` fits).
 *
 * irt: the specialisation dimensions k of the grid {0, 4, 8} are kept only while the joint model
 * stays joint: each model's vector (discrimination, specialisation) has 1 + k entries, and once
 * 1 + k reaches the number of labelled models nothing ties the models together any more; the fit
 * is then as free as one logistic model per model, whose quality differences between models are
 * what routing acts on and do not transfer (training/experiments/README.md, "The joint model stays joint").
 * `labelledModels` is that count; omitted, every k is a candidate. Each k > 0 is tried without and
 * with prompt clusters in the specialisation ({@link IRT_CLUSTER_GRID}); k = 0 has no specialisation
 * for them to enter.
 */
export function defaultGrid(kind: TrainerKind, labelledModels?: number): QualityHyperparameters[] {
  switch (kind) {
    case 'knn':
      return [10, 25, 50, 100].map((k) => ({ k, temperature: 0.05, priorStrength: 2 }));
    case 'logistic':
      return [1e-4, 1e-3, 1e-2].map((l2) => ({ l2 }));
    case 'mf':
      return [8, 16, 32].map((latentDimension) => ({ latentDimension }));
    case 'irt':
      return [0, 4, 8]
        .filter((k) => k === 0 || labelledModels === undefined || 1 + k < labelledModels)
        .flatMap((latentDimension) =>
          (latentDimension === 0 ? [0] : IRT_CLUSTER_GRID).map((clusters) => ({
            latentDimension,
            members: 1,
            ...(clusters === 0 ? {} : { clusters }),
          })),
        );
  }
}

/** How many of the set's models have at least one quality label. */
export function labelledModelCount(set: TrainingSet): number {
  let count = 0;
  for (let m = 0; m < set.models.length; m++) {
    if (set.quality.some((row) => !Number.isNaN(row[m] ?? Number.NaN))) count++;
  }
  return count;
}

/** Fit one predictor of `kind` with fixed hyperparameters. */
export function fitQualityPredictor(options: {
  readonly kind: TrainerKind;
  readonly set: TrainingSet;
  readonly hyperparameters?: QualityHyperparameters;
  readonly seed?: number;
  /** Per-row loss weights (mf, irt). */
  readonly rowWeights?: ArrayLike<number>;
  /** Source dataset per row: per-dataset label-scale offsets (irt). */
  readonly rowDatasets?: readonly string[];
  /** Public facts (irt). */
  readonly facts?: PublicModelFacts;
}): QualityPredictor {
  const h = options.hyperparameters ?? {};
  switch (options.kind) {
    case 'knn':
      return fitKnnPredictor(options.set, {
        ...(h.k === undefined ? {} : { k: h.k }),
        ...(h.temperature === undefined ? {} : { temperature: h.temperature }),
        ...(h.priorStrength === undefined ? {} : { priorStrength: h.priorStrength }),
      });
    case 'logistic':
      return fitLogisticPredictor(options.set, {
        ...(h.l2 === undefined ? {} : { l2: h.l2 }),
        ...(h.loss === undefined ? {} : { loss: h.loss }),
      });
    case 'mf':
      return fitMfPredictor(options.set, {
        seed: options.seed ?? 0,
        ...(h.latentDimension === undefined ? {} : { latentDimension: h.latentDimension }),
        ...(h.epochs === undefined ? {} : { epochs: h.epochs }),
        ...(h.l2Model === undefined ? {} : { l2Model: h.l2Model }),
        ...(h.l2Shared === undefined ? {} : { l2Shared: h.l2Shared }),
        ...(h.learningRate === undefined ? {} : { learningRate: h.learningRate }),
        ...(options.rowWeights === undefined ? {} : { rowWeights: options.rowWeights }),
      });
    case 'irt':
      return fitIrtPredictor(options.set, {
        seed: options.seed ?? 0,
        ...(h.latentDimension === undefined ? {} : { latentDimension: h.latentDimension }),
        ...(h.epochs === undefined ? {} : { epochs: h.epochs }),
        ...(h.learningRate === undefined ? {} : { learningRate: h.learningRate }),
        ...(h.l2Difficulty === undefined ? {} : { l2Difficulty: h.l2Difficulty }),
        ...(h.l2Specialisation === undefined ? {} : { l2Specialisation: h.l2Specialisation }),
        ...(h.members === undefined ? {} : { members: h.members }),
        ...(h.clusters === undefined ? {} : { clusters: h.clusters }),
        ...(h.clusterBy === undefined ? {} : { clusterBy: h.clusterBy }),
        ...(h.centreSpecialisation === undefined
          ? {}
          : { centreSpecialisation: h.centreSpecialisation !== 0 }),
        ...(options.rowWeights === undefined ? {} : { rowWeights: options.rowWeights }),
        ...(options.rowDatasets === undefined ? {} : { rowDatasets: options.rowDatasets }),
        ...(options.facts === undefined ? {} : options.facts),
      });
  }
}

/** Options for {@link trainQualityPredictor}. */
export interface TrainQualityOptions {
  readonly kind: TrainerKind;
  readonly set: TrainingSet;
  /** Per-row loss weights (mf, irt), for the final fit on `set` and each CV fold. */
  readonly rowWeights?: ArrayLike<number>;
  /** Source dataset per row of `set` (irt offsets), for the final fit and each CV fold. */
  readonly rowDatasets?: readonly string[];
  /** Public facts (irt). */
  readonly facts?: PublicModelFacts;
  /** @default 0 */
  readonly seed?: number;
  /** Fixed hyperparameters (merged over every grid point when tuning). */
  readonly hyperparameters?: QualityHyperparameters;
  /** Choose hyperparameters by K-fold CV over `grid` (default {@link defaultGrid}). */
  readonly tune?: {
    readonly grid?: readonly QualityHyperparameters[];
    /** @default 3 */
    readonly folds?: number;
    /** Group per row for grouped folds. */
    readonly groups?: readonly string[];
  };
  /** Held-out calibration of the final fit. @default 'none' */
  readonly calibration?: CalibrationMethod | 'none';
}

/** A trained predictor and how it was chosen. */
export interface TrainedQualityPredictor {
  readonly predictor: QualityPredictor;
  readonly hyperparameters: QualityHyperparameters;
  readonly crossValidation?: readonly CrossValidationResult<QualityHyperparameters>[];
}

/** Tune (optionally), fit and calibrate (optionally) a quality predictor. Deterministic given the seed. */
export function trainQualityPredictor(options: TrainQualityOptions): TrainedQualityPredictor {
  const seed = options.seed ?? 0;
  const fixed = options.hyperparameters ?? {};
  let chosen: QualityHyperparameters = fixed;
  let crossValidation: readonly CrossValidationResult<QualityHyperparameters>[] | undefined;
  if (options.tune !== undefined) {
    const grid = (
      options.tune.grid ?? defaultGrid(options.kind, labelledModelCount(options.set))
    ).map((g) => ({ ...g, ...fixed }));
    const cv = crossValidate<QualityHyperparameters>({
      set: options.set,
      candidates: grid,
      // Each fold is fitted as the final model is: with the rows' loss weights and label scales.
      fit: (set, hyperparameters, rows) =>
        fitQualityPredictor({
          kind: options.kind,
          set,
          hyperparameters,
          seed,
          ...(options.facts === undefined ? {} : { facts: options.facts }),
          ...(options.rowWeights === undefined
            ? {}
            : { rowWeights: rows.map((i) => options.rowWeights?.[i] ?? 1) }),
          ...(options.rowDatasets === undefined
            ? {}
            : { rowDatasets: rows.map((i) => options.rowDatasets?.[i] ?? '') }),
        }),
      folds: options.tune.folds ?? 3,
      seed,
      ...(options.tune.groups === undefined ? {} : { groups: options.tune.groups }),
    });
    chosen = cv.best;
    crossValidation = cv.results;
  }
  const fit = (set: TrainingSet): QualityPredictor =>
    fitQualityPredictor({
      kind: options.kind,
      set,
      hyperparameters: chosen,
      seed,
      ...(options.facts === undefined ? {} : { facts: options.facts }),
      ...(options.rowWeights !== undefined && set === options.set
        ? { rowWeights: options.rowWeights }
        : {}),
      ...(options.rowDatasets !== undefined && set === options.set
        ? { rowDatasets: options.rowDatasets }
        : {}),
    });
  const calibration = options.calibration ?? 'none';
  const predictor =
    calibration === 'none'
      ? fit(options.set)
      : fitCalibratedPredictor({ set: options.set, fit, method: calibration, seed });
  return {
    predictor,
    hyperparameters: chosen,
    ...(crossValidation === undefined ? {} : { crossValidation }),
  };
}
