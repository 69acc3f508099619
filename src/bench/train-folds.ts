/**
 * Per-fold training for the benchmark suite: fit the output-length predictor (cost estimates), pick
 * the best single model on the fold's training rows, train each router kind (hyperparameters by
 * cross-validation on a sample of the training rows only) and predict the fold's test prompts;
 * for two-model suites also calibrate the knob RouteLLM-style.
 */
import type { Catalog, CatalogModel } from '../catalog/index.js';
import { createRng, shuffled } from '../core/index.js';
import {
  fitOutputLengthPredictor,
  labelStatistics,
  subsetTrainingSet,
  trainingSetFromDatasets,
  trainQualityPredictor,
  jointRowInputs,
  type NeighbourMode,
  type PublicModelFacts,
  type QualityHyperparameters,
  type QualityPredictor,
  type TrainerKind,
  type MergedTrainingSet,
  type OutputLengthPredictor,
} from '../predict/index.js';
import { DEFAULT_IRT_MEMBERS } from '../predict/irt-predictor.js';
import { trainedArmPredictor, type ArmEstimate, type ArmPredictor } from '../router/index.js';
import { estimateCost } from '../tokens/index.js';
import { calibrateFold } from './calibrate-router.js';
import { estimatedCosts } from './cost.js';
import { withNeighbourTerm } from './fold-routing-score.js';
import { assertTrainable, type DatasetPart, type EvaluationFold } from './folds.js';

/** A seeded sample of at most `limit` of `rows` row indices, ascending. */
export function sampleRows(rows: number, limit: number, seed: number): number[] {
  const all = Array.from({ length: rows }, (_, i) => i);
  return rows <= limit
    ? all
    : shuffled(all, createRng(seed))
        .slice(0, limit)
        .sort((a, b) => a - b);
}

/** A per-prompt array restricted to rows. */
export function rowsOf<T>(values: readonly T[], rows: readonly number[]): T[] {
  return rows.map((i) => values[i] as T);
}

/**
 * Maps a predictor row (its model order) to the suite's: `columns[m]` is suite model m's column in
 * the row, -1 for a model the predictor lacks (it gets `fallback`).
 */
function aligner(
  columns: readonly number[],
): (row: ArrayLike<number>, fallback: number) => Float64Array {
  return (row, fallback) =>
    Float64Array.from(columns, (c) => (c < 0 ? fallback : ((row[c] as number) ?? fallback)));
}

/** Options for {@link trainFolds}. */
export interface TrainFoldsOptions {
  readonly folds: readonly EvaluationFold[];
  readonly test: DatasetPart;
  /** Catalog entries of the test dataset's models. */
  readonly entries: readonly CatalogModel[];
  /** Input tokens per test prompt per model. */
  readonly inputTokens: readonly Float64Array[];
  readonly routers: readonly TrainerKind[];
  readonly seed: number;
  readonly defaultOutputTokens: number;
  /** Hyperparameter CV runs on at most this many training rows. */
  readonly tuneRows: number;
  readonly tuneFolds: number;
  /** Strong model index for two-model calibration; -1 otherwise. */
  readonly strong: number;
  readonly calibrationTargets: readonly number[];
  readonly log: (line: string) => void;
  /** Public facts for the irt trainer (catalog priors and tiers). */
  readonly facts?: PublicModelFacts;
  /** Loss weight of `everyday` rows in the joint model. @default EVERYDAY_ROW_WEIGHT */
  readonly everydayWeight?: number;
  /** Catalog for the joint model's neighbour-term choice (fold-routing-score.ts); without it, none. */
  readonly catalog?: Catalog;
  /** How the neighbour weight is chosen. @default 'off' */
  readonly neighbours?: NeighbourMode;
  /**
   * The joint model's hyperparameters, fixed (`arbiter bench --set`, or the served artifact's): no
   * CV; `members` defaults to DEFAULT_IRT_MEMBERS (8) as after CV.
   * @default chosen by CV on at most `tuneRows` training rows
   */
  readonly irtHyperparameters?: QualityHyperparameters;
  /**
   * The served artifact, scored as `router-irt` instead of a fit (one transfer fold whose training
   * rows are the artifact's own: the caller checks). Its arm predictor also gives every router's
   * cost estimates, as /v1/route computes them. @default none: irt is fitted on the fold
   */
  readonly served?: ServedFoldArtifact;
}

/** The served artifact as the suite scores it (src/retrain/served-artifact.ts loads one). */
export interface ServedFoldArtifact {
  /** `<id>@<first 12 hex of the predictor sha256>`, as decisions record it. */
  readonly version: string;
  readonly quality: QualityPredictor;
  readonly outputLength: OutputLengthPredictor;
  /** What /v1/route estimates with: the artifact's models, public priors for the others. */
  readonly arm: ArmPredictor;
}

/** Summed calibration results of one router for one target share. */
export interface CalibrationTally {
  willingness: number[];
  calibrationShare: number;
  strongCalls: number;
}

/** Per-test-prompt predictions (indexed like the test dataset) and training metadata. */
export interface TrainedFolds {
  readonly estimatedAll: Float64Array[];
  readonly bestSingleAll: Int32Array;
  readonly predictedAll: Map<TrainerKind, Float64Array[]>;
  readonly hyperparameters: Map<TrainerKind, unknown[]>;
  readonly trainMs: Map<TrainerKind, number>;
  readonly calibration: Map<TrainerKind, CalibrationTally[]>;
}

/** Train every router on every fold and predict each fold's test prompts. */
export function trainFolds(options: TrainFoldsOptions): TrainedFolds {
  const { folds, test, entries, inputTokens, routers, seed, strong, calibrationTargets, log } =
    options;
  const models = test.dataset.models;
  const twoModel = strong >= 0;
  // Per router: per target share, summed over folds: calibration share × rows, held-out strong calls.
  const calibration = new Map<TrainerKind, CalibrationTally[]>(
    routers.map((kind) => [
      kind,
      calibrationTargets.map(() => ({ willingness: [], calibrationShare: 0, strongCalls: 0 })),
    ]),
  );

  const total = test.dataset.prompts.length;
  const estimatedAll: Float64Array[] = new Array<Float64Array>(total);
  const bestSingleAll = new Int32Array(total);
  const predictedAll = new Map<TrainerKind, Float64Array[]>(
    routers.map((kind) => [kind, new Array<Float64Array>(total)]),
  );
  const hyperparameters = new Map<TrainerKind, unknown[]>(routers.map((kind) => [kind, []]));
  const trainMs = new Map<TrainerKind, number>(routers.map((kind) => [kind, 0]));
  for (const [f, fold] of folds.entries()) {
    assertTrainable(fold, f);
    const set = trainingSetFromDatasets(fold.train);
    const testEmbeddings = rowsOf(test.embeddings, fold.test);
    const columns = models.map((model) => set.models.indexOf(model));
    const align = aligner(columns);
    const servedArtifact = options.served;
    const lengthPredictor =
      servedArtifact?.outputLength ??
      fitOutputLengthPredictor(set, { defaultTokens: options.defaultOutputTokens });
    // The served artifact's estimates are exactly /v1/route's (output length and hidden reasoning
    // included); a fold's own are assembled below from the fitted predictors.
    const servedEstimates =
      servedArtifact === undefined
        ? undefined
        : testEmbeddings.map((x) => servedArtifact.arm.estimate(x, entries));
    // A model the fold never trained on (a test file naming current models) gets the output length
    // /v1/route gives it: the shared prompt-verbosity estimate.
    const foldEstimates = estimatedCosts({
      models: entries,
      inputTokens: rowsOf(inputTokens, fold.test),
      predictedOutputTokens:
        servedEstimates?.map((row) => Float64Array.from(row, (e) => e.outputTokens)) ??
        lengthPredictor
          .predict(testEmbeddings)
          .map((row, k) =>
            align(
              row,
              lengthPredictor.predictUnseen?.(testEmbeddings[k] as Float32Array) ??
                options.defaultOutputTokens,
            ),
          ),
    });
    // The best single model: the highest mean training label. When some model has no training label
    // (a test file naming current models), every model competes by the first router's mean predicted
    // quality on the fold's test prompts instead (predictions only, no test label; one scale for all),
    // set once that router has predicted.
    const means = align(labelStatistics(set).mean, Number.NEGATIVE_INFINITY);
    const chooseBest = (): number =>
      means.reduce((b, v, m) => (v > (means[b] as number) ? m : b), 0);
    fold.test.forEach((row, k) => {
      estimatedAll[row] = foldEstimates[k] as Float64Array;
      bestSingleAll[row] = chooseBest();
    });
    // Without a training label for some model, the best single model by the first router's mean
    // prediction over the fold's test prompts.
    const chooseBestByPredictions = (out: readonly Float64Array[]): void => {
      if (fold.test.length === 0) return;
      columns.forEach((_, m) => {
        let sum = 0;
        for (const row of fold.test) sum += (out[row] as Float64Array)[m] as number;
        means[m] = sum / fold.test.length;
      });
      const best = chooseBest();
      for (const row of fold.test) bestSingleAll[row] = best;
    };
    // Two-model suites: the knob calibrated RouteLLM-style on training prompts, tallied per target.
    const tallyCalibration = (
      kind: TrainerKind,
      predictor: QualityPredictor,
      alignRow: (row: ArrayLike<number>, fallback: number) => Float64Array,
    ): void => {
      const calibrationRows = sampleRows(set.embeddings.length, 1000, seed + 1);
      const trainPrompts = fold.train.flatMap((part) => part.dataset.prompts);
      const out = predictedAll.get(kind) as Float64Array[];
      calibrateFold({
        predictor,
        lengths: lengthPredictor,
        prompts: rowsOf(trainPrompts, calibrationRows),
        embeddings: rowsOf(set.embeddings, calibrationRows),
        align: alignRow,
        entries,
        defaultOutputTokens: options.defaultOutputTokens,
        strong,
        targets: calibrationTargets,
        testQuality: fold.test.map((row) => out[row] as Float64Array),
        testCosts: foldEstimates,
      }).forEach((result, j) => {
        const entry = (calibration.get(kind) ?? [])[j];
        if (entry === undefined) return;
        entry.willingness.push(result.willingnessToPay);
        entry.calibrationShare += result.calibrationShare / folds.length;
        entry.strongCalls += result.heldOutStrongCalls;
      });
    };
    for (const kind of routers) {
      const t0 = performance.now();
      if (kind === 'irt' && servedArtifact !== undefined && servedEstimates !== undefined) {
        log(`fold ${f + 1}/${folds.length}: irt is the served artifact ${servedArtifact.version}`);
        const out = predictedAll.get(kind) as Float64Array[];
        fold.test.forEach((row, k) => {
          out[row] = Float64Array.from(servedEstimates[k] as ArmEstimate[], (e) => e.quality);
        });
        if (kind === routers[0] && columns.some((c) => c < 0)) chooseBestByPredictions(out);
        if (twoModel) {
          const served = aligner(models.map((m) => servedArtifact.quality.models.indexOf(m)));
          tallyCalibration(kind, servedArtifact.quality, served);
        }
        (hyperparameters.get(kind) as unknown[]).push({ servedArtifact: servedArtifact.version });
        trainMs.set(kind, (trainMs.get(kind) ?? 0) + performance.now() - t0);
        continue;
      }
      log(`fold ${f + 1}/${folds.length}: training ${kind} on ${set.embeddings.length} rows`);
      const facts = options.facts === undefined ? {} : { facts: options.facts };
      const chosen = kind === 'irt' ? options.irtHyperparameters : undefined;
      // The ensemble's members: the shipped recipe's after CV (which compares single fits), or as
      // fixed (the same default).
      const foldHyperparameters =
        chosen === undefined
          ? {
              ...tunedHyperparameters(kind, set, options, facts),
              ...(kind === 'irt' ? { members: DEFAULT_IRT_MEMBERS } : {}),
            }
          : { members: DEFAULT_IRT_MEMBERS, ...chosen };
      // The final fit on the fold's training rows (or a subset of them, for the neighbour weight's
      // folds). The joint model is calibrated by construction (cross-entropy on every label) and keeps
      // its own uncertainty; Platt scaling per model would discard the shared difficulty.
      const fitRows = (rows?: readonly number[]) => {
        const on = <T>(values: readonly T[]): readonly T[] =>
          rows === undefined ? values : rows.map((i) => values[i] as T);
        return trainQualityPredictor({
          kind,
          set: rows === undefined ? set : subsetTrainingSet(set, rows),
          seed,
          ...facts,
          ...(kind === 'irt'
            ? jointRowInputs(on(set.datasets), on(set.groups), options.everydayWeight)
            : {}),
          hyperparameters: foldHyperparameters,
          calibration: kind === 'knn' || kind === 'irt' ? 'none' : 'platt',
        });
      };
      const trained = fitRows();
      // The joint model's neighbour term, its weight chosen by the served rule on training folds.
      const neighbourMode = options.neighbours ?? 'off';
      const blended =
        kind === 'irt' && options.catalog !== undefined && neighbourMode !== 'off'
          ? withNeighbourTerm({
              predictor: trained.predictor,
              set,
              sources: fold.train.flatMap((part) =>
                part.dataset.prompts.map((prompt) => ({ prompt, dataset: part.dataset })),
              ),
              catalog: options.catalog,
              defaultOutputTokens: options.defaultOutputTokens,
              seed,
              groups: set.groups,
              mode: neighbourMode,
              fitJoint: (rows) => fitRows(rows).predictor,
            })
          : undefined;
      if (blended !== undefined) {
        log(
          `fold ${f + 1}/${folds.length}: neighbour weight ${blended.weight}${blended.scores.length === 0 ? ' (not considered)' : ` (fold scores ${blended.scores.map((v) => v.toFixed(4)).join(' / ')})`}`,
        );
      }
      const predictor = blended?.predictor ?? trained.predictor;
      const rows = predictor.predict(testEmbeddings);
      const out = predictedAll.get(kind) as Float64Array[];
      // What /v1/route adds through its arm predictor: a model the fold never trained on gets the
      // estimate from public priors (tier, public score) at the prompt's difficulty, and a reasoning
      // model's estimated cost its hidden reasoning at the prompt's hardness (ranked by the first
      // router; the estimated costs are shared by every router).
      const reasoning =
        servedEstimates === undefined &&
        kind === routers[0] &&
        entries.some((m) => m.reasoning !== undefined);
      const served =
        columns.some((c) => c < 0) || reasoning
          ? foldArmPredictor(predictor, set, seed)
          : undefined;
      fold.test.forEach((row, k) => {
        const predicted = align(rows[k] as Float64Array, 0);
        const estimates = served?.estimate(testEmbeddings[k] as Float32Array, entries);
        if (estimates !== undefined) {
          columns.forEach((c, m) => {
            if (c < 0) predicted[m] = estimates[m]?.quality ?? 0;
          });
          if (reasoning) addReasoningCost(foldEstimates[k] as Float64Array, estimates, entries);
        }
        out[row] = predicted;
      });
      if (kind === routers[0] && columns.some((c) => c < 0)) chooseBestByPredictions(out);
      if (twoModel) tallyCalibration(kind, predictor, align);
      (hyperparameters.get(kind) as unknown[]).push(
        blended === undefined
          ? trained.hyperparameters
          : { ...trained.hyperparameters, neighbourWeight: blended.weight },
      );
      trainMs.set(kind, (trainMs.get(kind) ?? 0) + performance.now() - t0);
    }
  }
  return { estimatedAll, bestSingleAll, predictedAll, hyperparameters, trainMs, calibration };
}

/** Reference prompts a fold ranks hardness against, as the artifact's reference traffic. */
const REASONING_REFERENCE_ROWS = 400;

/**
 * The arm predictor /v1/route would serve with the fold's quality model, its reference prompts a
 * seeded sample of the fold's training prompts.
 */
export function foldArmPredictor(
  predictor: QualityPredictor,
  set: MergedTrainingSet,
  seed: number,
): ArmPredictor {
  const reference = sampleRows(set.embeddings.length, REASONING_REFERENCE_ROWS, seed + 2);
  return trainedArmPredictor({
    version: 'bench',
    quality: predictor,
    reference: { embeddings: reference.map((i) => set.embeddings[i] as Float32Array) },
  });
}

/**
 * Adds to one prompt's estimated costs what /v1/route adds (src/router/reasoning.ts): each reasoning
 * model's hidden reasoning tokens from the served estimates, at its output price.
 */
export function addReasoningCost(
  costs: Float64Array,
  estimates: readonly ArmEstimate[],
  entries: readonly CatalogModel[],
): void {
  estimates.forEach((estimate, m) => {
    const tokens = estimate.reasoningTokens ?? 0;
    if (tokens > 0) {
      costs[m] =
        (costs[m] as number) +
        estimateCost(entries[m] as CatalogModel, { inputTokens: 0, outputTokens: tokens });
    }
  });
}

/**
 * Hyperparameters chosen by CV on a seeded sample of the fold's training rows, the CV folds fitted as
 * the final fit is: with the rows' weights and label scales.
 */
function tunedHyperparameters(
  kind: TrainerKind,
  set: MergedTrainingSet,
  options: TrainFoldsOptions,
  facts: { readonly facts?: PublicModelFacts },
): QualityHyperparameters {
  const sample = sampleRows(set.embeddings.length, options.tuneRows, options.seed);
  const sampleGroups = sample.map((i) => set.groups[i] as string);
  return trainQualityPredictor({
    kind,
    set: subsetTrainingSet(set, sample),
    seed: options.seed,
    ...facts,
    ...(kind === 'irt'
      ? jointRowInputs(
          sample.map((i) => set.datasets[i] as string),
          sampleGroups,
          options.everydayWeight,
        )
      : {}),
    tune: { folds: options.tuneFolds, groups: sampleGroups },
  }).hyperparameters;
}
