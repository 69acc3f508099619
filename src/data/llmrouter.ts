import { join } from 'node:path';
import { RouterError } from '../core/index.js';
import type { RoutingDataset, RoutingPrompt } from './dataset.js';
import { DATA_PATHS } from './data-dir.js';
import {
  mapModelIds,
  readJson,
  readJsonl,
  resolveLoaderOptions,
  stringField,
  type LoaderOptions,
} from './loader-common.js';

/** How LLMRouter rows get their `group`. */
export type LlmRouterGrouping = 'task' | 'cluster';

/** Options for {@link loadLlmRouter}. */
export interface LlmRouterLoaderOptions extends LoaderOptions {
  /** `task`: task_name joined from default_query_train.jsonl; `cluster`: the row's cluster_id. @default 'task' */
  readonly groupBy?: LlmRouterGrouping;
}

/** LLMRouter's price table entry (USD per 1M tokens). */
export interface LlmRouterPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/**
 * LLMRouter's dcrouter_preprocessed/train.json: 5,608 questions, a 0-1 score per model (exact match,
 * F1, code pass). Model columns are the keys of the first row's `scores`, in that order. With
 * `groupBy: 'task'` the group is the task_name of the query-data row with the same text (first in
 * file order when a text occurs under several tasks); rows without a match fall back to
 * `cluster-<id>`. No output tokens or costs in the data (prices: {@link loadLlmRouterPrices}).
 */
export function loadLlmRouter(options: LlmRouterLoaderOptions = {}): RoutingDataset {
  const resolved = resolveLoaderOptions(options);
  const trainPath = join(resolved.dataDir, DATA_PATHS.llmRouterTrain);
  const queriesPath = join(resolved.dataDir, DATA_PATHS.llmRouterQueries);
  const rows = readJson(trainPath);
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new RouterError('DATA_INVALID', `${trainPath}: expected a non-empty array`, {
      details: { file: trainPath, reason: 'not an array' },
    });
  }
  const taskByQuery = new Map<string, string>();
  const groupBy = options.groupBy ?? 'task';
  if (groupBy === 'task') {
    for (const { value } of readJsonl(queriesPath)) {
      const query = stringField(value, 'query');
      const task = stringField(value, 'task_name');
      if (query !== undefined && task !== undefined && !taskByQuery.has(query)) taskByQuery.set(query, task);
    }
  }
  const firstScores = (rows[0] as Record<string, unknown>)['scores'];
  const names = Object.keys(typeof firstScores === 'object' && firstScores !== null ? firstScores : {});
  const models = mapModelIds(names, resolved.resolveModelId, trainPath);
  const prompts: RoutingPrompt[] = rows.map((row: unknown, index): RoutingPrompt => {
    const record = (typeof row === 'object' && row !== null ? row : {}) as Record<string, unknown>;
    const question = stringField(record, 'question');
    const scores = record['scores'];
    if (question === undefined || typeof scores !== 'object' || scores === null) {
      throw new RouterError('DATA_INVALID', `${trainPath}: row ${index} lacks question or scores`, {
        details: { file: trainPath, row: index, reason: 'question or scores' },
      });
    }
    const cluster = `cluster-${String(record['cluster_id'])}`;
    return {
      id: `llmrouter/${index}`,
      text: question,
      group: groupBy === 'task' ? (taskByQuery.get(question) ?? cluster) : cluster,
      quality: Float64Array.from(names, (name) => {
        const score = (scores as Record<string, unknown>)[name];
        return typeof score === 'number' ? score : Number.NaN;
      }),
    };
  });
  return {
    name: 'llmrouter',
    models,
    prompts,
    sources: groupBy === 'task' ? [trainPath, queriesPath] : [trainPath],
  };
}

/** LLMRouter's own price table (default_llm.json), keyed by catalog id. */
export function loadLlmRouterPrices(options: LoaderOptions = {}): Map<string, LlmRouterPrice> {
  const resolved = resolveLoaderOptions(options);
  const path = join(resolved.dataDir, DATA_PATHS.llmRouterModels);
  const table = readJson(path) as Record<string, Record<string, unknown>>;
  const out = new Map<string, LlmRouterPrice>();
  for (const [name, entry] of Object.entries(table)) {
    const id = resolved.resolveModelId(name);
    if (id === undefined) continue;
    out.set(id, {
      inputPerMillion: Number(entry['input_price']),
      outputPerMillion: Number(entry['output_price']),
    });
  }
  return out;
}
