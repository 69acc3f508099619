/**
 * User traffic as training rows for `arbiter train`: the service's logged decisions as a dataset
 * (embeddings from the store, no re-embedding), split keys for log rows, per-row loss weights that
 * mix logs with the shipped datasets, and the held-out log rows as comparison prompts.
 */
import type { Catalog } from '../catalog/index.js';
import { RouterError, errorMessage } from '../core/index.js';
import type { RoutingDataset, RoutingPrompt } from '../data/index.js';
import type { ArmPredictor } from '../router/index.js';
import { openStoreOrSnapshot } from '../store/index.js';
import {
  compareOnHeldOut,
  formatComparison,
  type HeldOutPrompt,
  type HeldOutScores,
  type ObservedLabel,
} from './held-out-comparison.js';
import { promptSplitKey, splitByKey } from './log-split.js';
import {
  loggedPrompts,
  readLoggedEntries,
  type LoggedEntry,
  type LoggedPrompt,
} from './logged-outcomes.js';
import { LOGGED_DECISIONS_DATASET } from './promoter.js';
import { loadServedArtifact, type EmbedderIdentity } from './served-artifact.js';

/** The logged prompts as one dataset, with their stored embeddings and prompt tokens. */
export function loggedDataset(prompts: readonly LoggedPrompt[]): {
  readonly dataset: RoutingDataset;
  readonly embeddings: Float32Array[];
} {
  const models = [...new Set(prompts.flatMap((p) => [...p.quality.keys()]))].sort();
  const column = (values: ReadonlyMap<string, number>): Float64Array =>
    Float64Array.from(models, (model) => values.get(model) ?? Number.NaN);
  return {
    dataset: {
      name: LOGGED_DECISIONS_DATASET,
      models,
      prompts: prompts.map((p) => ({
        id: p.promptHash,
        text: p.text,
        group: p.key,
        quality: column(p.quality),
        costUsd: column(p.costUsd),
        outputTokens: column(p.outputTokens),
      })),
    },
    embeddings: prompts.map((p) => p.embedding),
  };
}

/**
 * The split key of each prompt of a log file: `group:<group>` when the log named one (`default`,
 * what the loader puts for none, counts as none), else the hash of the whitespace-normalised text.
 */
export function logSplitKeys(dataset: RoutingDataset): string[] {
  return dataset.prompts.map((prompt) =>
    prompt.group !== 'default' ? `group:${prompt.group}` : promptSplitKey(prompt.text),
  );
}

/**
 * Loss weight per row: shipped-dataset rows keep `base` (dataset balancing, or 1), user-log rows are
 * multiplied by `logsWeight`.
 */
export function mixWeights(options: {
  readonly isLog: readonly boolean[];
  readonly logsWeight: number;
  readonly base?: ArrayLike<number>;
}): Float64Array {
  return Float64Array.from(
    options.isLog,
    (log, i) => (options.base?.[i] ?? 1) * (log ? options.logsWeight : 1),
  );
}

/** A row of a merged training set with the dataset prompt it came from. */
export interface SourceRow {
  readonly dataset: RoutingDataset;
  readonly prompt: RoutingPrompt;
  readonly embedding: Float32Array;
  /** Prompt tokens, cl100k_base. */
  readonly inputTokens: number;
}

/** Held-out rows as comparison prompts: every finite label, with reported cost and length. */
export function heldOutPrompts(rows: readonly SourceRow[]): HeldOutPrompt[] {
  return rows.map(({ dataset, prompt, embedding, inputTokens }) => {
    const labels = new Map<string, ObservedLabel>();
    dataset.models.forEach((model, m) => {
      const quality = prompt.quality[m];
      if (quality === undefined || !Number.isFinite(quality)) return;
      const cost = prompt.costUsd?.[m];
      const tokens = prompt.outputTokens?.[m];
      labels.set(model, {
        quality,
        ...(cost !== undefined && Number.isFinite(cost) ? { costUsd: cost } : {}),
        ...(tokens !== undefined && Number.isFinite(tokens) ? { outputTokens: tokens } : {}),
      });
    });
    return { embedding, inputTokens, labels };
  });
}

/**
 * Train / held-out rows when user traffic is present: the user rows (`isLog`, in the order of
 * `userDatasets`) are split by key ({@link splitByKey}); shipped-dataset rows all train.
 * INPUT_INVALID when the logs cannot give both a training and a held-out side.
 */
export function logRowSplit(options: {
  readonly userDatasets: readonly RoutingDataset[];
  readonly isLog: readonly boolean[];
  readonly heldOutFraction: number;
  readonly seed: number;
}): { readonly train: number[]; readonly test: number[]; readonly heldOutGroups: string[] } {
  const keys = options.userDatasets.flatMap((dataset) =>
    dataset.name === LOGGED_DECISIONS_DATASET
      ? dataset.prompts.map((prompt) => prompt.group)
      : logSplitKeys(dataset),
  );
  const logRows = options.isLog.flatMap((log, i) => (log ? [i] : []));
  const split = splitByKey({ keys, heldOutFraction: options.heldOutFraction, seed: options.seed });
  const test = split.test.map((k) => logRows[k] as number);
  const held = new Set(test);
  const train = options.isLog.flatMap((_, i) => (held.has(i) ? [] : [i]));
  if (test.length === 0 || train.length === 0) {
    throw new RouterError(
      'INPUT_INVALID',
      `the logs hold ${new Set(keys).size} distinct group(s)/prompt(s) with labels: at least 2 are needed to train and hold one out`,
      { details: { logRows: logRows.length } },
    );
  }
  // Named groups held out (prompt-hash keys are not worth listing).
  const heldOutGroups = split.heldOutKeys
    .filter((key) => key.startsWith('group:'))
    .map((key) => key.slice('group:'.length));
  return { train, test, heldOutGroups };
}

/** The service's logged decisions with feedback as a dataset (DuckDB file or snapshot). */
export async function readLoggedDataset(
  path: string,
  embedder: EmbedderIdentity,
): Promise<{
  dataset: RoutingDataset;
  embeddings: Float32Array[];
  skipped: Record<string, number>;
}> {
  const store = await openStoreOrSnapshot({ path });
  let entries: LoggedEntry[];
  try {
    entries = await readLoggedEntries(store);
  } finally {
    await store.close();
  }
  const { prompts, skipped } = loggedPrompts(entries, {
    embedderId: embedder.modelId,
    dimension: embedder.dimension,
  });
  if (prompts.length === 0) {
    throw new RouterError(
      'DATA_INVALID',
      `${path}: no logged decision with a quality outcome embedded by ${embedder.modelId} (${entries.length} decisions with feedback)`,
      { details: { path, skipped } },
    );
  }
  return { ...loggedDataset(prompts), skipped: { ...skipped } };
}

/**
 * The trained predictor and the deployed artifact at `baselineDir` on the held-out prompts; the
 * baseline is left out (with a printed reason) when it cannot serve with this embedder.
 */
export function compareWithBaseline(options: {
  readonly heldOut: readonly HeldOutPrompt[];
  readonly trained: ArmPredictor;
  readonly baselineDir: string;
  readonly embedder: EmbedderIdentity;
  readonly catalog: Catalog;
  readonly print: (line: string) => void;
}): HeldOutScores[] {
  const artifacts = [{ name: 'new', predictor: options.trained }];
  try {
    const baseline = loadServedArtifact(options.baselineDir, {
      embedder: options.embedder,
      catalog: () => options.catalog,
    });
    artifacts.push({ name: 'deployed', predictor: baseline.predictor });
  } catch (error: unknown) {
    options.print(`baseline ${options.baselineDir} not compared: ${errorMessage(error)}`);
  }
  const scores = compareOnHeldOut({
    prompts: options.heldOut,
    artifacts,
    catalog: options.catalog,
  });
  options.print(
    `held-out log rows: ${options.heldOut.length} prompts (new vs deployed, same split)\n${formatComparison(scores)}`,
  );
  return scores;
}
