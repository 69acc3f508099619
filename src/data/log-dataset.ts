/**
 * A routing dataset from Arbiter's JSONL log format (docs/log-format.md): one row per distinct
 * prompt text, one column per model seen in the file, quality NaN where a model has no label. Used
 * by `arbiter bench --test-file` to score the served rule on prompts the project never saw.
 */
import { basename } from 'node:path';
import { RouterError } from '../core/index.js';
import { parseArbiterJsonl, type BadRow } from './arbiter-jsonl.js';
import type { RoutingDataset, RoutingPrompt } from './dataset.js';
import { readText, type ModelIdResolver } from './loader-common.js';

/**
 * Load a log file as a dataset. A malformed line (or a model the catalog does not know) fails with
 * DATA_INVALID naming every bad row, unless `onBadRows` is given: then those rows are handed to it
 * and skipped, as `arbiter ingest` does without `--strict`.
 */
export function loadLogDataset(
  path: string,
  options: {
    readonly resolveModelId: ModelIdResolver;
    readonly onBadRows?: (rows: readonly BadRow[]) => void;
  },
): RoutingDataset {
  const parsed = parseArbiterJsonl(readText(path), {
    file: path,
    resolveModelId: options.resolveModelId,
  });
  if (parsed.badRows.length > 0 && options.onBadRows !== undefined) {
    options.onBadRows(parsed.badRows);
  } else if (parsed.badRows.length > 0) {
    const first = parsed.badRows.slice(0, 5).map((row) => `line ${row.line}: ${row.reason}`);
    throw new RouterError(
      'DATA_INVALID',
      `${path}: ${parsed.badRows.length} bad row(s): ${first.join('; ')}`,
      { details: { file: path, badRows: parsed.badRows.slice(0, 20) } },
    );
  }
  const models = [...new Set(parsed.observations.map((o) => o.model))].sort();
  const column = new Map(models.map((model, m) => [model, m]));
  const byText = new Map<
    string,
    { quality: Float64Array; cost: Float64Array; tokens: Float64Array; group: string; id: string }
  >();
  for (const observation of parsed.observations) {
    let row = byText.get(observation.prompt);
    if (row === undefined) {
      row = {
        quality: new Float64Array(models.length).fill(Number.NaN),
        cost: new Float64Array(models.length).fill(Number.NaN),
        tokens: new Float64Array(models.length).fill(Number.NaN),
        group: observation.group ?? 'default',
        id: observation.promptId ?? `${basename(path)}:${observation.line}`,
      };
      byText.set(observation.prompt, row);
    }
    const m = column.get(observation.model) as number;
    if (observation.quality !== null) row.quality[m] = observation.quality;
    if (observation.costUsd !== null) row.cost[m] = observation.costUsd;
    if (observation.outputTokens !== null) row.tokens[m] = observation.outputTokens;
  }
  const rows = [...byText];
  const hasCost = rows.some(([, row]) => row.cost.some((v) => Number.isFinite(v)));
  const hasTokens = rows.some(([, row]) => row.tokens.some((v) => Number.isFinite(v)));
  const prompts: RoutingPrompt[] = rows.map(([text, row]) => ({
    id: row.id,
    text,
    group: row.group,
    quality: row.quality,
    ...(hasCost ? { costUsd: row.cost } : {}),
    ...(hasTokens ? { outputTokens: row.tokens } : {}),
  }));
  return { name: `file:${basename(path)}`, models, prompts, sources: [path] };
}
