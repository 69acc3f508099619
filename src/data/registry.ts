import { RouterError } from '../core/index.js';
import type { RoutingDataset } from './dataset.js';
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
] as const;

/** One shared dataset name. */
export type DatasetName = (typeof DATASET_NAMES)[number];

/** True when `name` is a known dataset. */
export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** Load a shared dataset by name (see {@link DATASET_NAMES}). */
export function loadDataset(name: string, options: LoaderOptions = {}): RoutingDataset {
  if (!isDatasetName(name)) {
    throw new RouterError('INPUT_INVALID', `unknown dataset "${name}"`, {
      details: { dataset: name, known: DATASET_NAMES },
    });
  }
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
  }
}
