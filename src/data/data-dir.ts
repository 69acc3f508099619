import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
