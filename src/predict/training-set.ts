/**
 * Helpers over {@link TrainingSet}: row subsets, seeded folds, label statistics. Inputs are never
 * mutated; subsets share the row arrays (they are readonly by contract).
 */
import { createRng, RouterError, shuffled } from '../core/index.js';
import type { TrainingSet } from './predictor.js';

/** Throw INPUT_INVALID unless the set's arrays line up. */
export function assertTrainingSet(set: TrainingSet): void {
  const n = set.embeddings.length;
  if (set.quality.length !== n) {
    throw new RouterError('INPUT_INVALID', 'quality rows must match embeddings', {
      details: { embeddings: n, quality: set.quality.length },
    });
  }
  if (set.outputTokens !== undefined && set.outputTokens.length !== n) {
    throw new RouterError('INPUT_INVALID', 'outputTokens rows must match embeddings');
  }
  const dimension = set.embeddings[0]?.length ?? 0;
  for (let i = 0; i < n; i++) {
    if (set.embeddings[i]?.length !== dimension) {
      throw new RouterError('INPUT_INVALID', 'embeddings must share one dimension', {
        details: { row: i },
      });
    }
    if (set.quality[i]?.length !== set.models.length) {
      throw new RouterError('INPUT_INVALID', 'quality rows need one column per model', {
        details: { row: i },
      });
    }
  }
}

/** The embedding dimension of a set (0 when empty). */
export function dimensionOf(set: TrainingSet): number {
  return set.embeddings[0]?.length ?? 0;
}

/** The rows at `indices`, in that order. */
export function subsetTrainingSet(set: TrainingSet, indices: readonly number[]): TrainingSet {
  const pick = <T>(rows: readonly T[]): T[] => indices.map((i) => rows[i] as T);
  return {
    models: set.models,
    embeddings: pick(set.embeddings),
    quality: pick(set.quality),
    ...(set.outputTokens === undefined ? {} : { outputTokens: pick(set.outputTokens) }),
  };
}

/**
 * Assign each row to one of `folds` folds, seeded. With `groups`, whole groups go to one fold (grouped
 * K-fold), so validation measures transfer to unseen subjects/tasks.
 */
export function assignFolds(options: {
  readonly rows: number;
  readonly folds: number;
  readonly seed: number;
  readonly groups?: readonly string[];
}): Int32Array {
  const { rows, folds, seed, groups } = options;
  const out = new Int32Array(rows);
  const rng = createRng(seed);
  if (groups === undefined) {
    const order = shuffled(
      Array.from({ length: rows }, (_, i) => i),
      rng,
    );
    order.forEach((row, position) => {
      out[row] = position % folds;
    });
    return out;
  }
  const names = shuffled([...new Set(groups)].sort(), rng);
  const foldOf = new Map<string, number>();
  // Greedy balance: biggest groups first into the currently smallest fold.
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  names.sort((a, b) => (sizes.get(b) ?? 0) - (sizes.get(a) ?? 0));
  const load = new Array<number>(folds).fill(0);
  for (const name of names) {
    let best = 0;
    for (let f = 1; f < folds; f++) if ((load[f] ?? 0) < (load[best] ?? 0)) best = f;
    foldOf.set(name, best);
    load[best] = (load[best] ?? 0) + (sizes.get(name) ?? 0);
  }
  for (let i = 0; i < rows; i++) out[i] = foldOf.get(groups[i] ?? '') ?? 0;
  return out;
}

/** Row indices split by a fold assignment: those in `fold` and the rest. */
export function foldIndices(
  assignment: Int32Array,
  fold: number,
): { readonly train: number[]; readonly test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  assignment.forEach((f, i) => (f === fold ? test : train).push(i));
  return { train, test };
}

/** Per-model mean of the observed labels and their count (NaN mean when none). */
export function labelStatistics(set: TrainingSet): { mean: Float64Array; count: Int32Array } {
  const m = set.models.length;
  const sum = new Float64Array(m);
  const count = new Int32Array(m);
  for (const row of set.quality) {
    for (let j = 0; j < m; j++) {
      const y = row[j] ?? Number.NaN;
      if (Number.isNaN(y)) continue;
      sum[j] = (sum[j] ?? 0) + y;
      count[j] = (count[j] ?? 0) + 1;
    }
  }
  const mean = new Float64Array(m);
  for (let j = 0; j < m; j++)
    mean[j] = (count[j] ?? 0) > 0 ? (sum[j] ?? 0) / (count[j] ?? 1) : Number.NaN;
  return { mean, count };
}

/** Observed (row, model, label) triples, flattened, with labels clipped to [0, 1]. */
export function observedPairs(set: TrainingSet): {
  readonly rows: Int32Array;
  readonly models: Int32Array;
  readonly labels: Float64Array;
} {
  const rows: number[] = [];
  const models: number[] = [];
  const labels: number[] = [];
  set.quality.forEach((row, i) => {
    row.forEach((y, j) => {
      if (Number.isNaN(y)) return;
      rows.push(i);
      models.push(j);
      labels.push(Math.min(1, Math.max(0, y)));
    });
  });
  return {
    rows: Int32Array.from(rows),
    models: Int32Array.from(models),
    labels: Float64Array.from(labels),
  };
}

/** A dataset's rows as the trainers need them (structurally a RoutingDataset from src/data). */
export interface LabelledDataset {
  readonly name: string;
  readonly models: readonly string[];
  /** A label every merged model gets on every prompt (no model columns of its own). */
  readonly everyModelLabel?: number;
  readonly prompts: readonly {
    readonly group: string;
    readonly quality: Float64Array;
    readonly outputTokens?: Float64Array;
  }[];
}

/** A merged training set that remembers each row's dataset and group. */
export interface MergedTrainingSet extends TrainingSet {
  /** Dataset name per row. */
  readonly datasets: readonly string[];
  /** `<dataset>/<group>` per row, for grouped splits. */
  readonly groups: readonly string[];
}

/**
 * Merge datasets (each with embeddings aligned to its prompts) over the union of their models, in
 * first-seen order; NaN where a dataset has no label for a model.
 */
export function trainingSetFromDatasets(
  parts: readonly {
    readonly dataset: LabelledDataset;
    readonly embeddings: readonly Float32Array[];
  }[],
): MergedTrainingSet {
  const models = [...new Set(parts.flatMap((p) => p.dataset.models))];
  const embeddings: Float32Array[] = [];
  const quality: Float64Array[] = [];
  const outputTokens: Float64Array[] = [];
  const datasets: string[] = [];
  const groups: string[] = [];
  for (const { dataset, embeddings: rows } of parts) {
    if (rows.length !== dataset.prompts.length) {
      throw new RouterError(
        'INPUT_INVALID',
        `${dataset.name}: one embedding per prompt is required`,
      );
    }
    const columns = models.map((m) => dataset.models.indexOf(m));
    const everyModel = dataset.everyModelLabel;
    dataset.prompts.forEach((prompt, i) => {
      embeddings.push(rows[i] as Float32Array);
      quality.push(
        everyModel === undefined
          ? Float64Array.from(columns, (c) =>
              c < 0 ? Number.NaN : (prompt.quality[c] ?? Number.NaN),
            )
          : new Float64Array(models.length).fill(everyModel),
      );
      outputTokens.push(
        Float64Array.from(columns, (c) =>
          c < 0 ? Number.NaN : (prompt.outputTokens?.[c] ?? Number.NaN),
        ),
      );
      datasets.push(dataset.name);
      groups.push(`${dataset.name}/${prompt.group}`);
    });
  }
  return { models, embeddings, quality, outputTokens, datasets, groups };
}

/** Options for {@link holdOutSplit}. */
export interface HoldOutOptions {
  readonly rows: number;
  /** Share of rows (or groups) held out. */
  readonly heldOutFraction: number;
  readonly seed: number;
  /** Hold out whole groups (by seeded group order until the share is reached). */
  readonly groups?: readonly string[];
  /** Stratify a row split by these labels (e.g. dataset name), so every stratum keeps its share. */
  readonly strata?: readonly string[];
}

/** A seeded train / held-out split of row indices (each sorted ascending). */
export function holdOutSplit(options: HoldOutOptions): {
  readonly train: number[];
  readonly test: number[];
} {
  const rng = createRng(options.seed);
  const held = new Uint8Array(options.rows);
  if (options.groups !== undefined) {
    const groups = options.groups;
    const names = shuffled([...new Set(groups)].sort(), rng);
    const size = new Map<string, number>();
    for (const g of groups) size.set(g, (size.get(g) ?? 0) + 1);
    const chosen = new Set<string>();
    let taken = 0;
    for (const name of names) {
      if (taken >= options.heldOutFraction * options.rows) break;
      chosen.add(name);
      taken += size.get(name) ?? 0;
    }
    groups.forEach((g, i) => {
      if (chosen.has(g)) held[i] = 1;
    });
  } else {
    const strata = options.strata ?? new Array<string>(options.rows).fill('');
    const byStratum = new Map<string, number[]>();
    strata.forEach((s, i) => {
      const list = byStratum.get(s);
      if (list === undefined) byStratum.set(s, [i]);
      else list.push(i);
    });
    for (const key of [...byStratum.keys()].sort()) {
      const order = shuffled(byStratum.get(key) ?? [], rng);
      const count = Math.round(order.length * options.heldOutFraction);
      for (const i of order.slice(0, count)) held[i] = 1;
    }
  }
  const train: number[] = [];
  const test: number[] = [];
  held.forEach((h, i) => (h === 1 ? test : train).push(i));
  return { train, test };
}

/**
 * Per-row weights that balance datasets: a row of a dataset with n rows weighs n^-power (0: every
 * row equal; 1: every dataset equal), normalised to mean 1. @default power 0.5
 */
export function datasetBalanceWeights(datasets: readonly string[], power = 0.5): Float64Array {
  const counts = new Map<string, number>();
  for (const name of datasets) counts.set(name, (counts.get(name) ?? 0) + 1);
  const weights = Float64Array.from(datasets, (name) => (counts.get(name) ?? 1) ** -power);
  const mean = weights.reduce((s, v) => s + v, 0) / Math.max(1, weights.length);
  return weights.map((w) => w / mean);
}

/**
 * The label scale of each row, for the joint model's per-scale offsets: a dataset scored with one
 * metric is one scale; LLMRouter scores each task with its own metric (exact match, F1, pass@1), so
 * each of its tasks is a scale (`groups` are `<dataset>/<group>`). The `everyday` set is on the
 * served scale itself ('' : no offset): "every model answers these well" is what routing reads.
 */
export function labelScales(datasets: readonly string[], groups: readonly string[]): string[] {
  return datasets.map((name, i) =>
    name === 'everyday' ? '' : name === 'llmrouter' ? (groups[i] ?? name) : name,
  );
}

/**
 * Loss weight of an `everyday` row relative to an outcome row of the same balanced weight. The
 * set states one fact (every model answers these well) 177 times; at full weight it also pulls
 * chat-like outcome prompts towards "easy for all", which costs held-out outcome fit. Chosen on
 * the training folds and the dev prompts (training/dev), never on a benchmark: see
 * training/experiments/README.md, "everyday weight".
 */
export const EVERYDAY_ROW_WEIGHT = 0.5;

/** `--everyday-weight W` (W >= 0; absent: EVERYDAY_ROW_WEIGHT). */
export function parseEverydayWeight(raw: string | undefined): number {
  if (raw === undefined) return EVERYDAY_ROW_WEIGHT;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new RouterError('INPUT_INVALID', `--everyday-weight must be a number >= 0, got "${raw}"`, {
      details: { option: 'everyday-weight' },
    });
  return value;
}

/**
 * The joint model's per-row inputs for merged rows: dataset-balancing weights and label scales.
 * `datasets` and `groups` are per row (a MergedTrainingSet's, or a subset of them); rows of the
 * `everyday` set weigh `everydayWeight` times their balanced weight.
 */
export function jointRowInputs(
  datasets: readonly string[],
  groups: readonly string[],
  everydayWeight = EVERYDAY_ROW_WEIGHT,
): { readonly rowWeights: Float64Array; readonly rowDatasets: string[] } {
  const balanced = datasetBalanceWeights(datasets);
  return {
    rowWeights: balanced.map((w, i) => (datasets[i] === 'everyday' ? w * everydayWeight : w)),
    rowDatasets: labelScales(datasets, groups),
  };
}
