import { RouterError } from '../core/index.js';
import { DATA_PATHS, requireDataPath, resolveDataDir } from './data-dir.js';
import type { RoutingDataset } from './dataset.js';
import { loadAlpacaEval } from './alpacaeval.js';
import { loadEveryday } from './everyday.js';
import { loadLlmRouter } from './llmrouter.js';
import type { LoaderOptions } from './loader-common.js';
import { loadMtBench } from './mt-bench.js';
import { loadRouteLlmGsm8k } from './routellm-gsm8k.js';
import { loadRouteLlmMmlu } from './routellm-mmlu.js';
import { loadRouterBench } from './routerbench.js';

/** Names of the shared datasets {@link loadDataset} knows. */
export const DATASET_NAMES = [
  'mmlu',
  'gsm8k',
  'mt-bench',
  'routerbench',
  'routerbench/arc_challenge',
  'routerbench/mbpp',
  'routerbench/winograde',
  'llmrouter',
  'alpacaeval/gpt-3.5-turbo-1106',
  'alpacaeval/claude-instant-v1',
  'alpacaeval/mixtral-8x7b',
  'everyday',
] as const;

/** Datasets licensed for evaluation only (CC BY-NC): never in the shipped artifact. */
export const EVALUATION_ONLY_DATASETS: readonly string[] = [
  'alpacaeval/gpt-3.5-turbo-1106',
  'alpacaeval/claude-instant-v1',
  'alpacaeval/mixtral-8x7b',
];

/** One shared dataset name. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** True when `name` is a known dataset. */
export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** The first file or folder each dataset reads (checked before loading, for a clear error). */
const FIRST_PATH: Readonly<Record<Exclude<DatasetName, 'everyday'>, string>> = {
  mmlu: DATA_PATHS.mmluResponses,
  gsm8k: DATA_PATHS.gsm8kResponses,
  'mt-bench': DATA_PATHS.mtBenchQuestions,
  routerbench: DATA_PATHS.routerBenchDir,
  'routerbench/arc_challenge': DATA_PATHS.routerBenchDir,
  'routerbench/mbpp': DATA_PATHS.routerBenchDir,
  'routerbench/winograde': DATA_PATHS.routerBenchDir,
  llmrouter: DATA_PATHS.llmRouterTrain,
  'alpacaeval/gpt-3.5-turbo-1106': 'AlpacaEval/preferences.jsonl',
  'alpacaeval/claude-instant-v1': 'AlpacaEval/preferences.jsonl',
  'alpacaeval/mixtral-8x7b': 'AlpacaEval/preferences.jsonl',
};

/**
 * Load a shared dataset by name (see {@link DATASET_NAMES}). DATA_MISSING when the data directory
 * or the dataset's folder is absent, naming `--data-dir` / `ARBITER_DATA_DIR`.
 */
export function loadDataset(name: string, options: LoaderOptions = {}): RoutingDataset {
  if (!isDatasetName(name)) {
    throw new RouterError('INPUT_INVALID', `unknown dataset "${name}"`, {
      details: { dataset: name, known: DATASET_NAMES },
    });
  }
  // The everyday set ships with the project, not in the shared data directory.
  if (name === 'everyday') return loadEveryday();
  requireDataPath(options.dataDir ?? resolveDataDir(), FIRST_PATH[name]);
  switch (name) {
    case 'mmlu':
      return loadRouteLlmMmlu(options);
    case 'gsm8k':
      return loadRouteLlmGsm8k(options);
    case 'mt-bench':
      return loadMtBench(options);
    case 'routerbench':
      return loadRouterBench(options);
    case 'routerbench/arc_challenge':
      return loadRouterBench({ ...options, tasks: ['arc_challenge'] });
    case 'routerbench/mbpp':
      return loadRouterBench({ ...options, tasks: ['mbpp'] });
    case 'routerbench/winograde':
      return loadRouterBench({ ...options, tasks: ['winograde'] });
    case 'llmrouter':
      return loadLlmRouter(options);
    case 'alpacaeval/gpt-3.5-turbo-1106':
      return loadAlpacaEval('openai/gpt-3.5-turbo-1106', options);
    case 'alpacaeval/claude-instant-v1':
      return loadAlpacaEval('anthropic/claude-instant-v1', options);
    case 'alpacaeval/mixtral-8x7b':
      return loadAlpacaEval('mistralai/mixtral-8x7b-instruct-v0.1', options);
  }
}
