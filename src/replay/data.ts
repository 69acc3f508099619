/**
 * Data for `arbiter replay`: a shared routing dataset with embeddings (persistent cache), true
 * quality and cost per call, the router's cost estimates, out-of-fold offline quality predictions
 * (what a router trained on the other prompts predicts for each one) and the catalog tier prior.
 */
import type { ArmTags } from '../bandit/index.js';
import {
  catalogModels,
  accountingCosts,
  estimatedCosts,
  inputTokenMatrix,
  SUITES,
} from '../bench/index.js';
import { loadCatalog, type Catalog } from '../catalog/index.js';
import { createRng, shuffled } from '../core/index.js';
import { EmbeddingCache, loadDataset, resolveDataDir } from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import {
  assignFolds,
  fitOutputLengthPredictor,
  fitQualityPredictor,
  subsetTrainingSet,
  trainingSetFromDatasets,
  type TrainerKind,
} from '../predict/index.js';
import { TIER_PRIOR_QUALITY } from '../router/index.js';
import { countTokens } from '../tokens/index.js';

/** A dataset ready for prequential replay (rows aligned; columns = `models`). */
export interface ReplayData {
  readonly name: string;
  readonly models: readonly string[];
  readonly embeddings: readonly Float32Array[];
  readonly quality: readonly Float64Array[];
  readonly costUsd: readonly Float64Array[];
  readonly estimatedCostUsd: readonly Float64Array[];
  /** Out-of-fold predictions of the offline predictor. */
  readonly offlineQuality: readonly Float64Array[];
  /** Catalog tier prior per model (no trained predictor). */
  readonly priorQuality: readonly Float64Array[];
  readonly tags: readonly ArmTags[];
  /** Seeded shuffle of the rows (a stationary stream). */
  readonly order: readonly number[];
  readonly embedderId: string;
  readonly trainer: TrainerKind;
}

/** Options of {@link prepareReplayData}. */
export interface PrepareReplayOptions {
  readonly dataset: string;
  readonly embedder: Embedder;
  /** @default resolveDataDir() */
  readonly dataDir?: string;
  readonly seed: number;
  /** Offline predictor kind. @default knn */
  readonly trainer?: TrainerKind;
  /** Folds for the out-of-fold predictions. @default 5 */
  readonly folds?: number;
  readonly catalog?: Catalog;
  readonly log?: (line: string) => void;
}

/** Load, embed, price and predict one dataset. */
export async function prepareReplayData(options: PrepareReplayOptions): Promise<ReplayData> {
  const catalog = options.catalog ?? loadCatalog();
  const log = options.log ?? ((): void => undefined);
  const dataDir = options.dataDir ?? resolveDataDir();
  const dataset = loadDataset(options.dataset, {
    dataDir,
    countTokens: (text: string, modelId: string): number =>
      countTokens(text, catalog.get(modelId)?.tokenizer ?? 'cl100k_base'),
  });
  log(`${dataset.name}: ${dataset.prompts.length} prompts x ${dataset.models.length} models`);
  const embeddings = await EmbeddingCache.open(options.embedder).embed(
    dataset.prompts.map((p) => p.text),
  );
  const entries = catalogModels(catalog, dataset.models);
  const suite = Object.values(SUITES).find(
    (s) => s.protocol.kind !== 'transfer' && s.protocol.dataset === options.dataset,
  );
  const defaultOutputTokens = suite?.defaultOutputTokens ?? 256;
  const inputTokens = inputTokenMatrix(dataset.prompts, entries);
  const costUsd = accountingCosts({
    prompts: dataset.prompts,
    models: entries,
    inputTokens,
    defaultOutputTokens,
  });
  const set = trainingSetFromDatasets([{ dataset, embeddings }]);
  const lengths = fitOutputLengthPredictor(set, { defaultTokens: defaultOutputTokens }).predict(
    embeddings,
  );
  const estimatedCostUsd = estimatedCosts({
    models: entries,
    inputTokens,
    predictedOutputTokens: lengths,
  });
  const trainer = options.trainer ?? 'knn';
  const folds = options.folds ?? 5;
  const assignment = assignFolds({ rows: embeddings.length, folds, seed: options.seed });
  const offlineQuality = new Array<Float64Array>(embeddings.length);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    assignment.forEach((fold, row) => (fold === f ? test : train).push(row));
    log(`offline ${trainer} predictor: fold ${f + 1}/${folds} (${train.length} training prompts)`);
    const predictor = fitQualityPredictor({
      kind: trainer,
      set: subsetTrainingSet(set, train),
      seed: options.seed,
    });
    const rows = predictor.predict(test.map((row) => embeddings[row] as Float32Array));
    test.forEach((row, k) => {
      offlineQuality[row] = rows[k] as Float64Array;
    });
  }
  const priorRow = Float64Array.from(entries, (model) => TIER_PRIOR_QUALITY[model.tags.tier]);
  return {
    name: dataset.name,
    models: dataset.models,
    embeddings,
    quality: dataset.prompts.map((p) => p.quality),
    costUsd,
    estimatedCostUsd,
    offlineQuality,
    priorQuality: embeddings.map(() => priorRow),
    tags: entries.map((model) => ({ tier: model.tags.tier, family: model.tags.family })),
    order: shuffled(
      Array.from({ length: embeddings.length }, (_, i) => i),
      createRng(options.seed),
    ),
    embedderId: options.embedder.modelId,
    trainer,
  };
}
