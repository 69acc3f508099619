/**
 * The routing score that chooses the joint model's neighbour weight on training folds
 * (predict/neighbour-blend.ts): the served rule (decision-rule.ts, with the served quality floor)
 * swept over the knob on a fold's held-out training rows, scored like the suites score a router:
 * APGR with two models, AIQ with more. Costs are the rows' accounting costs (the data's real cost,
 * else catalog price × (input tokens + logged or default output tokens)). Shared by the bench's fold
 * training and `arbiter train`, so the suites score the artifact `arbiter train` writes.
 */
import type { Catalog } from '../catalog/index.js';
import { createRng } from '../core/index.js';
import type { RoutingPrompt } from '../data/index.js';
import { DEFAULT_QUALITY_FLOOR } from '../router/index.js';
import { IrtPredictor } from '../predict/irt-predictor.js';
import {
  chooseNeighbourWeight,
  fitNeighbours,
  type NeighbourMode,
  type QualityPredictor,
  type TrainingSet,
} from '../predict/index.js';
import { accountingCosts, catalogModels, inputTokenMatrix } from './cost.js';
import { KNOB_SLIDERS, scoreRouter } from './score-router.js';

/** Fewer held-out rows than this and a fold does not score (the weight stays 0). */
const MIN_ROWS = 20;

/** Share of training rows with a label for every model below which the term is not considered. */
const MIN_COMPLETE_SHARE = 0.9;

/**
 * A scorer over the rows of a training set (`sources[i]`: row i's prompt and its dataset's model
 * columns), or undefined where the neighbour term is not considered:
 * fewer than 90% of the rows labelled for every model of the set (datasets over different models,
 * as in the default artifact), or a model the catalog does not price. Rows without a label for every
 * model are left out of the score, as the suites leave them out.
 */
/** Where a training row came from: its prompt, and its dataset's model columns. */
export interface SourceRow {
  readonly prompt: RoutingPrompt;
  readonly dataset: { readonly models: readonly string[] };
}

export function foldRoutingScorer(options: {
  readonly sources: readonly SourceRow[];
  readonly models: readonly string[];
  readonly quality: readonly ArrayLike<number>[];
  readonly catalog: Catalog;
  readonly defaultOutputTokens: number;
}):
  | ((rows: readonly number[], predicted: readonly Float64Array[]) => number | undefined)
  | undefined {
  const { models, quality } = options;
  const complete = quality.map((row) =>
    models.every((_, m) => Number.isFinite(row[m] ?? Number.NaN)),
  );
  if (complete.filter(Boolean).length < MIN_COMPLETE_SHARE * quality.length) return undefined;
  if (models.some((id) => options.catalog.get(id) === undefined)) return undefined;
  const entries = catalogModels(options.catalog, models);
  let costs: Float64Array[] | undefined;
  // Accounting costs per source dataset, its columns mapped onto the set's models.
  const costMatrix = (): Float64Array[] => {
    if (costs !== undefined) return costs;
    const out = new Array<Float64Array>(options.sources.length);
    const byDataset = new Map<SourceRow['dataset'], number[]>();
    options.sources.forEach(({ dataset }, r) => {
      const rows = byDataset.get(dataset) ?? [];
      rows.push(r);
      byDataset.set(dataset, rows);
    });
    for (const [dataset, rows] of byDataset) {
      const prompts = rows.map((r) => (options.sources[r] as SourceRow).prompt);
      const rowCosts = accountingCosts({
        prompts,
        models: entries,
        inputTokens: inputTokenMatrix(prompts, entries),
        defaultOutputTokens: options.defaultOutputTokens,
        columns: models.map((id) => dataset.models.indexOf(id)),
      });
      rows.forEach((r, k) => {
        out[r] = rowCosts[k] as Float64Array;
      });
    }
    costs = out;
    return out;
  };
  const completeRows = quality.filter((_, r) => complete[r]);
  const means = models.map(
    (_, m) => completeRows.reduce((s, row) => s + (row[m] as number), 0) / completeRows.length,
  );
  const strong = means.indexOf(Math.max(...means));
  const weak = strong === 0 ? 1 : 0;
  return (allRows, allPredicted) => {
    const kept = allRows.flatMap((r, k) => (complete[r] === true ? [k] : []));
    const rows = kept.map((k) => allRows[k] as number);
    const predicted = kept.map((k) => allPredicted[k] as Float64Array);
    if (rows.length < MIN_ROWS) return undefined;
    const all = costMatrix();
    const truth = {
      quality: rows.map((r) => Float64Array.from(quality[r] as ArrayLike<number>)),
      costUsd: rows.map((r) => all[r] as Float64Array),
    };
    const singles = models.map(
      (_, m) => truth.costUsd.reduce((s, row) => s + (row[m] as number), 0) / rows.length,
    );
    const result = scoreRouter(
      {
        truth,
        models,
        sliders: KNOB_SLIDERS,
        ...(models.length === 2 ? { pair: { strong, weak } } : {}),
        costRange: { min: Math.min(...singles), max: Math.max(...singles) },
        rng: createRng(0),
        resamples: 1,
        qualityFloor: DEFAULT_QUALITY_FLOOR,
      },
      {
        name: 'fold',
        description: 'neighbour weight choice',
        predictedQuality: [...predicted],
        estimatedCostUsd: truth.costUsd,
        hyperparameters: [],
        trainMs: 0,
      },
    );
    return models.length === 2 ? result.twoModel?.apgr.estimate : result.manyModel?.aiq.estimate;
  };
}

/**
 * The joint model with its neighbour term, the weight chosen on training folds by
 * {@link foldRoutingScorer} (0 keeps `predictor` as it is; other predictor kinds are returned as they
 * are). `fitJoint(rows)` refits the joint model, as it was fitted, on a subset of the set's rows.
 */
export function withNeighbourTerm(options: {
  readonly predictor: QualityPredictor;
  readonly set: TrainingSet;
  /** Row i's prompt and dataset (see {@link foldRoutingScorer}). */
  readonly sources: readonly SourceRow[];
  readonly catalog: Catalog;
  readonly defaultOutputTokens: number;
  readonly seed: number;
  /**
   * Group per row (dataset/task or subject): the folds hold out whole groups, so the term is kept
   * only as far as it helps on tasks the fold did not train on (random folds reward it for knowing
   * a task's per-model means, and chose weights that cost 0.18 MT-Bench APGR in the transfer suite).
   */
  readonly groups: readonly string[];
  /** @default 'off' */
  readonly mode?: NeighbourMode;
  readonly fitJoint: (rows: readonly number[]) => QualityPredictor;
}): {
  readonly predictor: QualityPredictor;
  readonly weight: number;
  readonly scores: readonly number[];
} {
  const { predictor, set } = options;
  const mode = options.mode ?? 'off';
  if (!(predictor instanceof IrtPredictor) || mode === 'off')
    return { predictor, weight: 0, scores: [] };
  const score = foldRoutingScorer({
    sources: options.sources,
    models: set.models,
    quality: set.quality,
    catalog: options.catalog,
    defaultOutputTokens: options.defaultOutputTokens,
  });
  if (score === undefined) return { predictor, weight: 0, scores: [] };
  const choice = chooseNeighbourWeight({
    set,
    fitJoint: options.fitJoint,
    score,
    seed: options.seed,
    ...(mode === 'group' ? { groups: options.groups } : {}),
  });
  return {
    predictor:
      choice.weight === 0 ? predictor : predictor.withNeighbours(fitNeighbours(set), choice.weight),
    weight: choice.weight,
    scores: choice.scores,
  };
}
