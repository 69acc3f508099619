/**
 * The bench suite's 20% hold-out of one dataset, for experiments that score predictors the way the
 * suite does: seed 42, stratified by group, a prompt whose text (whitespace-normalised) is held out
 * is not trained on, only prompts labelled for every model are scored; accounting costs and the
 * served rule's knob sweep (`score`) with or without the served quality floor.
 */
import { accountingCosts, catalogModels, inputTokenMatrix } from '../../src/bench/cost.js';
import { normalisedText } from '../../src/bench/folds.js';
import { KNOB_SLIDERS, scoreRouter, type ScoringContext } from '../../src/bench/score-router.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { createRng } from '../../src/core/index.js';
import type { Interval } from '../../src/metrics/index.js';
import {
  holdOutSplit,
  trainingSetFromDatasets,
  type MergedTrainingSet,
} from '../../src/predict/index.js';
import { loadEmbedded, type EmbeddedDataset } from './lib.js';

/** A suite hold-out: rows of the dataset on each side, and the scorer for the held-out side. */
export interface SuiteHoldOut extends EmbeddedDataset {
  readonly train: readonly number[];
  readonly test: readonly number[];
  /** Outcomes of the given rows, one array per row, one entry per model. */
  readonly labelsOf: (rows: readonly number[]) => Float64Array[];
  readonly embeddingsOf: (rows: readonly number[]) => Float32Array[];
  /** A training set of the given rows (with `embeddings`, one per dataset row, in place of the cached ones). */
  trainingSet(rows: readonly number[], embeddings?: readonly Float32Array[]): MergedTrainingSet;
  /** Predictions over a fitted set's `models`, in the dataset's model order (0.5 for one it lacks). */
  inDatasetOrder(models: readonly string[], predicted: readonly Float64Array[]): Float64Array[];
  /** AIQ of predicted qualities for the test rows under the served rule, over the suite's sweep. */
  score(predicted: readonly Float64Array[], qualityFloor?: number): Interval;
  /**
   * The same for any rows (a CV fold of the training side), rows without every label left out; the
   * AIQ estimate only (no resampling).
   */
  scoreRows(
    rows: readonly number[],
    predicted: readonly Float64Array[],
    qualityFloor?: number,
  ): number;
}

export async function suiteHoldOut(name: string): Promise<SuiteHoldOut> {
  const { dataset, embeddings } = await loadEmbedded(name);
  const prompts = dataset.prompts;
  const split = holdOutSplit({
    rows: prompts.length,
    heldOutFraction: 0.2,
    seed: 42,
    strata: prompts.map((p) => p.group),
  });
  const heldOutTexts = new Set(split.test.map((r) => normalisedText(prompts[r]?.text ?? '')));
  const train = split.train.filter(
    (r) => !heldOutTexts.has(normalisedText(prompts[r]?.text ?? '')),
  );
  const test = split.test.filter((r) => [...(prompts[r]?.quality ?? [])].every(Number.isFinite));
  const labelsOf = (rows: readonly number[]): Float64Array[] =>
    rows.map((r) => Float64Array.from(prompts[r]?.quality ?? []));
  const entries = catalogModels(loadCatalog(), dataset.models);
  const costs = accountingCosts({
    prompts,
    models: entries,
    inputTokens: inputTokenMatrix(prompts, entries),
    defaultOutputTokens: 128,
  });
  const contextOf = (rows: readonly number[], resamples: number): ScoringContext => {
    const truth = { quality: labelsOf(rows), costUsd: rows.map((r) => costs[r] as Float64Array) };
    const singles = dataset.models.map(
      (_, m) => truth.costUsd.reduce((s, row) => s + (row[m] as number), 0) / rows.length,
    );
    return {
      truth,
      models: dataset.models,
      sliders: KNOB_SLIDERS,
      costRange: { min: Math.min(...singles), max: Math.max(...singles) },
      rng: createRng(42),
      resamples,
    };
  };
  const context = contextOf(test, 200);
  const scoreWith = (
    ctx: ScoringContext,
    predicted: readonly Float64Array[],
    qualityFloor: number | undefined,
  ): Interval => {
    const result = scoreRouter(qualityFloor === undefined ? ctx : { ...ctx, qualityFloor }, {
      name: 'experiment',
      description: 'experiment',
      predictedQuality: [...predicted],
      estimatedCostUsd: ctx.truth.costUsd,
      hyperparameters: [],
      trainMs: 0,
    });
    return result.manyModel?.aiq ?? { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };
  };
  return {
    dataset,
    embeddings,
    train,
    test,
    labelsOf,
    embeddingsOf: (rows) => rows.map((r) => embeddings[r] as Float32Array),
    trainingSet: (rows, own = embeddings) =>
      trainingSetFromDatasets([
        {
          dataset: { ...dataset, prompts: rows.map((r) => prompts[r]!) },
          embeddings: rows.map((r) => own[r] as Float32Array),
        },
      ]),
    inDatasetOrder(models, predicted) {
      const columns = dataset.models.map((m) => models.indexOf(m));
      return predicted.map((row) =>
        Float64Array.from(columns, (c) => (c < 0 ? 0.5 : (row[c] as number))),
      );
    },
    score: (predicted, qualityFloor) => scoreWith(context, predicted, qualityFloor),
    scoreRows(rows, predicted, qualityFloor) {
      const keep = rows
        .map((r, k) => [r, k] as const)
        .filter(([r]) => [...(prompts[r]?.quality ?? [])].every(Number.isFinite));
      return scoreWith(
        contextOf(
          keep.map(([r]) => r),
          1,
        ),
        keep.map(([, k]) => predicted[k] as Float64Array),
        qualityFloor,
      ).estimate;
    },
  };
}
