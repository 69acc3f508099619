/**
 * Streams for `arbiter replay learning`: a dataset the artifact never trained on, with the frozen
 * artifact's predictions as the service would make them. The artifact is the served recipe (the
 * joint IRT model with public facts, `arbiter train`'s default) trained on the other permissive
 * datasets only; its predictions go through the served arm predictor, so a model it never saw gets
 * the same public-prior estimate /v1/route gives it.
 */
import { ALPACAEVAL_MODELS, loadAlpacaEval } from '../data/alpacaeval.js';
import {
  accountingCosts,
  catalogModels,
  estimatedCosts,
  inputTokenMatrix,
} from '../bench/index.js';
import { publicModelFacts } from '../bench/public-facts.js';
import { sampleRows } from '../bench/train-folds.js';
import { loadCatalog } from '../catalog/index.js';
import { RouterError } from '../core/index.js';
import { EmbeddingCache, loadDataset, type RoutingDataset } from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import {
  fitOutputLengthPredictor,
  jointRowInputs,
  subsetTrainingSet,
  trainingSetFromDatasets,
  trainQualityPredictor,
} from '../predict/index.js';
import { trainedArmPredictor } from '../router/index.js';
import { countTokens } from '../tokens/index.js';

/** The streams of the learning benchmark and what their artifact trains on. */
export const LEARNING_STREAMS = {
  alpacaeval: {
    description: 'AlpacaEval 2.0 chat prompts (evaluation only), 7 models',
    train: ['mmlu', 'gsm8k', 'routerbench', 'llmrouter', 'everyday'],
    defaultOutputTokens: 256,
  },
  llmrouter: {
    description: 'LLMRouter (14 tasks, 9 open models)',
    train: ['mmlu', 'gsm8k', 'routerbench', 'everyday'],
    defaultOutputTokens: 128,
  },
  routerbench: {
    description: 'RouterBench 0-shot (ARC, MBPP, Winogrande; 11 models)',
    train: ['mmlu', 'gsm8k', 'llmrouter', 'everyday'],
    defaultOutputTokens: 256,
  },
} as const;

/** One stream name. */
export type LearningStreamName = keyof typeof LEARNING_STREAMS;

/** True when `name` is a stream. */
export function isLearningStream(name: string): name is LearningStreamName {
  return Object.hasOwn(LEARNING_STREAMS, name);
}

/** A stream with the frozen artifact's view of it. */
export interface TransferStream {
  readonly name: LearningStreamName;
  readonly models: readonly string[];
  readonly embeddings: readonly Float32Array[];
  readonly quality: readonly Float64Array[];
  readonly costUsd: readonly Float64Array[];
  readonly predictedQuality: readonly Float64Array[];
  readonly qualityUncertainty: readonly Float64Array[];
  readonly estimatedCostUsd: readonly Float64Array[];
  /** Per model: `predictor` when the artifact trained on it, else `prior`. */
  readonly sources: readonly ('predictor' | 'prior')[];
  readonly trainedOn: readonly string[];
  readonly trainingRows: number;
  readonly embedderId: string;
}

/** Training rows kept (a seeded sample) so a replay trains its artifact in seconds. */
const TRAINING_ROWS = 8000;

/** AlpacaEval's pairs merged into one stream: GPT-4 Turbo and every model with a pair. */
function alpacaEvalStream(count: (text: string, id: string) => number): RoutingDataset {
  const pairs = Object.keys(ALPACAEVAL_MODELS).map((model) =>
    loadAlpacaEval(model, { countTokens: count }),
  );
  const first = pairs[0];
  if (first === undefined) throw new RouterError('DATA_INVALID', 'no AlpacaEval pair');
  const byId = pairs.map((pair) => new Map(pair.prompts.map((prompt) => [prompt.id, prompt])));
  const prompts = first.prompts
    .filter((prompt) => byId.every((pair) => pair.has(prompt.id)))
    .map((prompt) => {
      const other = byId.map((pair) => pair.get(prompt.id) as (typeof first.prompts)[number]);
      return {
        ...prompt,
        quality: Float64Array.from([0.5, ...other.map((p) => p.quality[1] as number)]),
        outputTokens: Float64Array.from([
          prompt.outputTokens?.[0] ?? Number.NaN,
          ...other.map((p) => p.outputTokens?.[1] ?? Number.NaN),
        ]),
      };
    });
  return {
    name: 'alpacaeval',
    models: [first.models[0] as string, ...pairs.map((pair) => pair.models[1] as string)],
    prompts,
    sources: first.sources,
  };
}

/** Load a stream, train its artifact without it, and predict every prompt. */
export async function prepareTransferStream(options: {
  readonly stream: LearningStreamName;
  readonly embedder: Embedder;
  readonly seed: number;
  readonly log: (line: string) => void;
}): Promise<TransferStream> {
  const spec = LEARNING_STREAMS[options.stream];
  const catalog = loadCatalog();
  const count = (text: string, id: string): number =>
    countTokens(text, catalog.get(id)?.tokenizer ?? 'cl100k_base');
  const cache = EmbeddingCache.open(options.embedder);
  const parts = [];
  for (const name of spec.train) {
    const dataset = loadDataset(name, { countTokens: count });
    parts.push({ dataset, embeddings: await cache.embed(dataset.prompts.map((p) => p.text)) });
  }
  const full = trainingSetFromDatasets(parts);
  const rows = sampleRows(full.embeddings.length, TRAINING_ROWS, options.seed);
  const set = subsetTrainingSet(full, rows);
  options.log(
    `${options.stream}: training the artifact (irt) on ${rows.length} rows of ${spec.train.join(', ')}`,
  );
  const trained = trainQualityPredictor({
    kind: 'irt',
    set,
    seed: options.seed,
    facts: publicModelFacts(catalog),
    ...jointRowInputs(
      rows.map((i) => full.datasets[i] as string),
      rows.map((i) => full.groups[i] as string),
    ),
    hyperparameters: { latentDimension: 4, members: 2 },
  });
  const lengths = fitOutputLengthPredictor(set, { defaultTokens: spec.defaultOutputTokens });
  const served = trainedArmPredictor({
    version: `replay-${options.stream}`,
    quality: trained.predictor,
    outputLength: lengths,
  });
  const dataset =
    options.stream === 'alpacaeval'
      ? alpacaEvalStream(count)
      : loadDataset(options.stream, { countTokens: count });
  const embeddings = await cache.embed(dataset.prompts.map((p) => p.text));
  const entries = catalogModels(catalog, dataset.models);
  const inputTokens = inputTokenMatrix(dataset.prompts, entries);
  const estimates = embeddings.map((embedding) => served.estimate(embedding, entries));
  options.log(
    `${options.stream}: ${dataset.prompts.length} prompts x ${dataset.models.length} models`,
  );
  return {
    name: options.stream,
    models: dataset.models,
    embeddings,
    quality: dataset.prompts.map((p) => p.quality),
    costUsd: accountingCosts({
      prompts: dataset.prompts,
      models: entries,
      inputTokens,
      defaultOutputTokens: spec.defaultOutputTokens,
    }),
    predictedQuality: estimates.map((row) => Float64Array.from(row, (e) => e.quality)),
    qualityUncertainty: estimates.map((row) => Float64Array.from(row, (e) => e.uncertainty ?? 0)),
    estimatedCostUsd: estimatedCosts({
      models: entries,
      inputTokens,
      predictedOutputTokens: estimates.map((row) => Float64Array.from(row, (e) => e.outputTokens)),
    }),
    sources: (estimates[0] ?? []).map((e) => e.source),
    trainedOn: spec.train,
    trainingRows: rows.length,
    embedderId: options.embedder.modelId,
  };
}
