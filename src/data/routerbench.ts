import { join } from 'node:path';
import { RouterError } from '../core/index.js';
import { columnIndex, parseCsv } from './csv.js';
import type { RoutingDataset, RoutingPrompt } from './dataset.js';
import { DATA_PATHS } from './data-dir.js';
import { mapModelIds, readText, resolveLoaderOptions, type LoaderOptions } from './loader-common.js';
import { parsePythonStringList } from './python-literal.js';

/** The three RouterBench 0-shot task files present in the shared data (RouterDC's re-split). */
export const ROUTERBENCH_TASKS = ['arc_challenge', 'mbpp', 'winograde'] as const;

/** One RouterBench task file name. */
export type RouterBenchTask = (typeof ROUTERBENCH_TASKS)[number];

/** Options for {@link loadRouterBench}. */
export interface RouterBenchLoaderOptions extends LoaderOptions {
  /** Task files to read. @default all three */
  readonly tasks?: readonly RouterBenchTask[];
}

const NON_MODEL_COLUMNS = new Set(['', 'sample_id', 'prompt', 'eval_name', 'oracle_model_to_route_to']);

/**
 * RouterBench 0-shot rows (RouterDC's `routerbench_zs/<task>_train.csv`): 11 models with 0/1 quality,
 * real per-call cost in `<model>|total_cost` (USD) and responses in `<model>|model_response`.
 * Prompts and responses are Python list reprs; multi-part prompts are joined with a blank line.
 * Output tokens are counted on the response text. Group = task file name. Empty labels are NaN.
 */
export function loadRouterBench(options: RouterBenchLoaderOptions = {}): RoutingDataset {
  const resolved = resolveLoaderOptions(options);
  const tasks = options.tasks ?? ROUTERBENCH_TASKS;
  let models: string[] | undefined;
  let sourceNames: string[] = [];
  const prompts: RoutingPrompt[] = [];
  const sources: string[] = [];
  for (const task of tasks) {
    const path = join(resolved.dataDir, DATA_PATHS.routerBenchDir, `${task}_train.csv`);
    sources.push(path);
    const table = parseCsv(readText(path), { source: path });
    const names = table.header.filter((name) => !NON_MODEL_COLUMNS.has(name) && !name.includes('|'));
    if (models === undefined) {
      sourceNames = names;
      models = mapModelIds(names, resolved.resolveModelId, path);
    } else if (names.length !== sourceNames.length || names.some((name) => !sourceNames.includes(name))) {
      throw new RouterError('DATA_INVALID', `${path}: model columns differ from the first task file`, {
        details: { file: path, reason: 'model columns' },
      });
    }
    const promptColumn = columnIndex(table, 'prompt', path);
    const idColumn = columnIndex(table, 'sample_id', path);
    const quality = sourceNames.map((name) => columnIndex(table, name, path));
    const cost = sourceNames.map((name) => columnIndex(table, `${name}|total_cost`, path));
    const response = sourceNames.map((name) => columnIndex(table, `${name}|model_response`, path));
    const modelIds = models;
    const seen = new Set<string>();
    for (const row of table.rows) {
      const field = (column: number): string => row.fields[column] as string;
      const location = `${path}:${row.line}`;
      // sample_id repeats in arc_challenge (7 rows): suffix the record's line to keep ids unique.
      const sampleId = seen.has(field(idColumn)) ? `${field(idColumn)}@${row.line}` : field(idColumn);
      seen.add(sampleId);
      prompts.push({
        id: `routerbench/${task}/${sampleId}`,
        text: parsePythonStringList(field(promptColumn), location).join('\n\n'),
        group: task,
        quality: Float64Array.from(quality, (column) => parseNumber(field(column))),
        costUsd: Float64Array.from(cost, (column) => parseNumber(field(column))),
        outputTokens: Float64Array.from(response, (column, m) =>
          parsePythonStringList(field(column), location).reduce(
            (sum, part) => sum + resolved.countTokens(part, modelIds[m] as string),
            0,
          ),
        ),
      });
    }
  }
  return {
    name: tasks.length === 1 ? `routerbench/${tasks[0] as string}` : 'routerbench',
    models: models ?? [],
    prompts,
    sources,
  };
}

function parseNumber(text: string): number {
  const trimmed = text.trim();
  return trimmed.length === 0 ? Number.NaN : Number(trimmed);
}
