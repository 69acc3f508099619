import { join } from 'node:path';
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
import { ROUTELLM_MODELS } from './routellm-mmlu.js';

/** Options for {@link loadRouteLlmGsm8k}. */
export interface Gsm8kLoaderOptions extends LoaderOptions {
  /** Keep the 12 prompts RouteLLM drops as contaminated. @default false */
  readonly keepContaminated?: boolean;
}

/**
 * RouteLLM's GSM8K responses: one CSV with True/False per model and both response texts.
 * Output tokens come from the response text via `countTokens` (default: tiktoken through src/tokens,
 * the model's catalog tokenizer family). Group is `gsm8k` (one task). Contaminated prompts are dropped (12).
 */
export function loadRouteLlmGsm8k(options: Gsm8kLoaderOptions = {}): RoutingDataset {
  const resolved = resolveLoaderOptions(options);
  const path = join(resolved.dataDir, DATA_PATHS.gsm8kResponses);
  const contaminatedPath = join(resolved.dataDir, DATA_PATHS.gsm8kContaminated);
  const contaminated =
    options.keepContaminated === true ? new Set<string>() : readContaminatedPrompts(contaminatedPath);
  const models = mapModelIds(ROUTELLM_MODELS, resolved.resolveModelId, path);
  const table = parseCsv(readText(path), { source: path });
  const promptColumn = columnIndex(table, 'prompt', path);
  const labelColumns = ROUTELLM_MODELS.map((model) => columnIndex(table, model, path));
  const responseColumns = ROUTELLM_MODELS.map((model) => columnIndex(table, `${model}_response`, path));
  const prompts: RoutingPrompt[] = [];
  table.rows.forEach((row, index) => {
    const text = row.fields[promptColumn] as string;
    if (contaminated.has(text)) return;
    prompts.push({
      id: `gsm8k/${index}`,
      text,
      group: 'gsm8k',
      quality: Float64Array.from(labelColumns, (column) => parseBooleanLabel(row.fields[column] as string)),
      outputTokens: Float64Array.from(responseColumns, (column, m) =>
        resolved.countTokens(row.fields[column] as string, models[m] as string),
      ),
    });
  });
  return { name: 'gsm8k', models, prompts, sources: [path, contaminatedPath] };
}
