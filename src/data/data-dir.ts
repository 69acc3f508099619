import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouterError } from '../core/index.js';

/** Environment variable naming the shared routing-data directory. */
export const DATA_DIR_ENV = 'ARBITER_DATA_DIR';

/** Repository root (two levels above src/data/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared data directory: `$ARBITER_DATA_DIR`, else `<repo>/../shared/data`. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[DATA_DIR_ENV];
  return fromEnv !== undefined && fromEnv.length > 0
    ? resolve(fromEnv)
    : resolve(REPO_ROOT, '..', 'shared', 'data');
}

/** True when the shared data directory exists (real-data tests skip otherwise). */
export function hasDataDir(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(resolveDataDir(env));
}

/** Relative paths of each source inside the data directory (kept as in the source repositories). */
export const DATA_PATHS = {
  mmluResponses: 'RouteLLM/routellm/evals/mmlu/responses',
  mmluContaminated: 'RouteLLM/routellm/evals/mmlu/contaminated_prompts.jsonl',
  gsm8kResponses: 'RouteLLM/routellm/evals/gsm8k/gsm8k_responses.csv',
  gsm8kContaminated: 'RouteLLM/routellm/evals/gsm8k/contaminated_prompts.jsonl',
  mtBenchQuestions: 'RouteLLM/routellm/evals/mt_bench/question.jsonl',
  mtBenchJudgements: 'RouteLLM/routellm/evals/mt_bench/judgements.jsonl',
  mtBenchContaminated: 'RouteLLM/routellm/evals/mt_bench/contaminated_prompts.jsonl',
  routerBenchDir: 'RouterDC/datasets/routerbench_zs',
  llmRouterTrain: 'LLMRouter/data/dcrouter_preprocessed/train.json',
  llmRouterQueries: 'LLMRouter/data/example_data/query_data/default_query_train.jsonl',
  llmRouterModels: 'LLMRouter/data/example_data/llm_candidates/default_llm.json',
} as const;

/** Where each source folder comes from (public GitHub repositories, cloned as they are). */
export const DATA_SOURCES = {
  RouteLLM: 'lm-sys/RouteLLM (mmlu, gsm8k, mt-bench)',
  RouterDC: 'shuhao02/RouterDC (routerbench)',
  LLMRouter: 'ulab-uiuc/LLMRouter (llmrouter)',
} as const;

/**
 * Check that `relativePath` exists under the data directory; DATA_MISSING otherwise, with a message
 * that says how to point Arbiter at the data (`--data-dir`, `ARBITER_DATA_DIR`) and where it comes from.
 */
export function requireDataPath(dataDir: string, relativePath: string): void {
  const path = join(dataDir, relativePath);
  if (existsSync(path)) return;
  const top = relativePath.split('/')[0] ?? relativePath;
  const source = DATA_SOURCES[top as keyof typeof DATA_SOURCES] as string | undefined;
  const where = existsSync(dataDir)
    ? `${path} is missing`
    : `the data directory ${dataDir} does not exist`;
  throw new RouterError(
    'DATA_MISSING',
    `${where}. Point Arbiter at the routing data with --data-dir DIR or ${DATA_DIR_ENV}=DIR ` +
      `(default <checkout>/../shared/data); DIR holds clones of the public repositories ` +
      `${Object.values(DATA_SOURCES).join(', ')} side by side` +
      (source === undefined ? '' : `; this dataset needs ${top}/ from ${source}`) +
      ' (README "Configuration").',
    { details: { dataDir, path, env: DATA_DIR_ENV, flag: '--data-dir' } },
  );
}
