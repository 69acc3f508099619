import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RouterError } from '../core/index.js';
import { columnIndex, parseCsv } from './csv.js';
import type { RoutingDataset, RoutingPrompt } from './dataset.js';
import { DATA_PATHS } from './data-dir.js';
import {
  mapModelIds,
  parseBooleanLabel,
  readContaminatedPrompts,
  readText,
  resolveLoaderOptions,
  type LoaderOptions,
} from './loader-common.js';

/** RouteLLM's routed pair, as named in its CSV headers (weak first, as in the files). */
export const ROUTELLM_MODELS = ['mistralai/Mixtral-8x7B-Instruct-v0.1', 'gpt-4-1106-preview'] as const;

/** Options for {@link loadRouteLlmMmlu}. */
export interface MmluLoaderOptions extends LoaderOptions {
  /** Keep the 5 prompts RouteLLM drops as contaminated. @default false */
  readonly keepContaminated?: boolean;
}

/**
 * RouteLLM's MMLU responses: 57 `mmlu_<subject>.csv` files (prompt, weak, strong as True/False).
 * Group = subject. Like RouteLLM's evals/benchmarks.py, prompts listed (by `eval_prompt`) in
 * contaminated_prompts.jsonl are dropped (5 of 14,042). No output tokens in the data.
 */
export function loadRouteLlmMmlu(options: MmluLoaderOptions = {}): RoutingDataset {
  const resolved = resolveLoaderOptions(options);
  const dir = join(resolved.dataDir, DATA_PATHS.mmluResponses);
  const contaminatedPath = join(resolved.dataDir, DATA_PATHS.mmluContaminated);
  const contaminated =
    options.keepContaminated === true ? new Set<string>() : readContaminatedPrompts(contaminatedPath);
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => /^mmlu_.+\.csv$/u.test(name))
      .sort();
  } catch (error: unknown) {
    throw new RouterError('DATA_INVALID', `${dir}: cannot list MMLU responses`, {
      cause: error,
      details: { file: dir },
    });
  }
  const models = mapModelIds(ROUTELLM_MODELS, resolved.resolveModelId, dir);
  const prompts: RoutingPrompt[] = [];
  const sources: string[] = [contaminatedPath];
  for (const name of files) {
    const path = join(dir, name);
    sources.push(path);
    const subject = name.slice('mmlu_'.length, -'.csv'.length);
    const table = parseCsv(readText(path), { source: path });
    const promptColumn = columnIndex(table, 'prompt', path);
    const labelColumns = ROUTELLM_MODELS.map((model) => columnIndex(table, model, path));
    table.rows.forEach((row, index) => {
      const text = row.fields[promptColumn] as string;
      if (contaminated.has(text)) return;
      prompts.push({
        id: `mmlu/${subject}/${index}`,
        text,
        group: subject,
        quality: Float64Array.from(labelColumns, (column) =>
          parseBooleanLabel(row.fields[column] as string),
        ),
      });
    });
  }
  return { name: 'mmlu', models, prompts, sources };
}
