/**
 * Shared helpers for predictor experiments: load datasets with cached embeddings (never embeds:
 * fails if the cache lacks a prompt), build TrainingSets, and a local APGR / CPT for routing between
 * two models (RouteLLM definitions; see shared/data/README.md).
 */
import { EmbeddingCache, loadDataset } from '../../src/data/index.js';
import type { RoutingDataset } from '../../src/data/index.js';
import type { Embedder } from '../../src/embed/index.js';
import type { TrainingSet } from '../../src/predict/index.js';
import { countTokens } from '../../src/tokens/index.js';

/** An embedder that only names the cache file (USE-Lite 512-d) and refuses to embed. */
export const CACHE_ONLY_EMBEDDER: Embedder = {
  modelId: process.env['ARBITER_EXPERIMENT_EMBEDDER'] ?? 'use-lite@0.2.0',
  dimension: 512,
  embed: () => Promise.reject(new Error('cache miss: run the embedding precompute first')),
  close: () => Promise.resolve(),
};

/** A dataset with its embeddings. */
export interface EmbeddedDataset {
  readonly dataset: RoutingDataset;
  readonly embeddings: Float32Array[];
}

let cache: EmbeddingCache | undefined;

/** Load a named dataset and its cached embeddings. */
export async function loadEmbedded(name: string, partial = false): Promise<EmbeddedDataset> {
  cache ??= EmbeddingCache.open(CACHE_ONLY_EMBEDDER, { quiet: true });
  let dataset = loadDataset(name);
  const missing = dataset.prompts.filter((p) => !cache?.has(p.text)).length;
  if (missing > 0 && partial) {
    console.error(`${name}: ${missing} prompts not cached yet; using the rest (partial run)`);
    dataset = { ...dataset, prompts: dataset.prompts.filter((p) => cache?.has(p.text)) };
  } else if (missing > 0) {
    throw new Error(`${name}: ${missing} prompts not in the embedding cache yet`);
  }
  return { dataset, embeddings: await cache.embed(dataset.prompts.map((p) => p.text)) };
}

/** A prompt's embedding and the output tokens of each model that answered it (length experiments). */
export interface LengthRow {
  readonly x: Float32Array;
  readonly tokens: Map<string, number>;
  /** The dataset, with the AlpacaEval pairs as one set, `alpacaeval`. */
  readonly set: string;
}

/** Every prompt of the named datasets as a {@link LengthRow}, and the models met, in order. */
export async function loadLengthRows(
  names: readonly string[],
): Promise<{ models: string[]; rows: LengthRow[] }> {
  const models: string[] = [];
  const rows: LengthRow[] = [];
  for (const name of names) {
    const { dataset, embeddings } = await loadEmbedded(name);
    for (const m of dataset.models) if (!models.includes(m)) models.push(m);
    dataset.prompts.forEach((p, i) => {
      const tokens = new Map<string, number>();
      dataset.models.forEach((m, j) => {
        const t = p.outputTokens?.[j];
        if (t !== undefined && Number.isFinite(t)) tokens.set(m, t);
      });
      rows.push({
        x: embeddings[i] as Float32Array,
        tokens,
        set: name.startsWith('alpacaeval') ? 'alpacaeval' : name,
      });
    });
  }
  return { models, rows };
}

/**
 * The seeded 80/20 split of the length experiments: a row for which `splittable` holds goes to
 * training with probability 0.8, every other row to the test side.
 */
export function splitLengthRows(
  rows: readonly LengthRow[],
  splittable: (row: LengthRow) => boolean,
): { train: LengthRow[]; test: LengthRow[] } {
  let s = 7;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const train: LengthRow[] = [];
  const test: LengthRow[] = [];
  for (const r of rows) (splittable(r) && rand() < 0.8 ? train : test).push(r);
  return { train, test };
}

/** Length rows as a training set with output tokens only (quality unlabelled). */
export function lengthTrainingSet(
  models: readonly string[],
  rows: readonly LengthRow[],
): TrainingSet {
  return {
    models,
    embeddings: rows.map((r) => r.x),
    quality: rows.map(() => new Float64Array(models.length).fill(Number.NaN)),
    outputTokens: rows.map((r) => Float64Array.from(models, (m) => r.tokens.get(m) ?? Number.NaN)),
  };
}

/** The median (mean of the two middle values; NaN when empty). */
export function median(values: readonly number[]): number {
  const q = [...values].sort((a, b) => a - b);
  return q.length === 0
    ? Number.NaN
    : ((q[(q.length - 1) >> 1] as number) + (q[q.length >> 1] as number)) / 2;
}

/**
 * PGR curve and its area for routing the top-scored prompts to the strong model. At share k/n the k
 * highest-scored prompts get the strong model. APGR = trapezoid area over shares 0..1.
 */
export function apgr(options: {
  readonly scores: ArrayLike<number>;
  readonly strong: ArrayLike<number>;
  readonly weak: ArrayLike<number>;
}): { apgr: number; cpt50: number; cpt80: number; curve: number[] } {
  const n = options.scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (options.scores[b] ?? 0) - (options.scores[a] ?? 0) || a - b,
  );
  let qWeak = 0;
  let qStrong = 0;
  for (let i = 0; i < n; i++) {
    qWeak += options.weak[i] ?? 0;
    qStrong += options.strong[i] ?? 0;
  }
  const gap = qStrong - qWeak;
  const curve = [0];
  let q = qWeak;
  for (let k = 0; k < n; k++) {
    const i = order[k] ?? 0;
    q += (options.strong[i] ?? 0) - (options.weak[i] ?? 0);
    curve.push((q - qWeak) / gap);
  }
  let area = 0;
  for (let k = 0; k < n; k++) area += ((curve[k] ?? 0) + (curve[k + 1] ?? 0)) / 2 / n;
  const cpt = (target: number): number => {
    const k = curve.findIndex((v) => v >= target);
    return k < 0 ? 1 : k / n;
  };
  return { apgr: area, cpt50: cpt(0.5), cpt80: cpt(0.8), curve };
}

/** Column of a matrix. */
export function column(rows: readonly ArrayLike<number>[], m: number): number[] {
  return rows.map((r) => r[m] ?? Number.NaN);
}

/** Seconds since `start` (performance.now()). */
export function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}

/** MT-Bench as the experiments score it: judge scores of both models and each prompt's tokens. */
export interface MtBench extends EmbeddedDataset {
  readonly weakId: string;
  readonly strongId: string;
  readonly weak: number[];
  readonly strong: number[];
  readonly tokens: number[];
}

/** Load MT-Bench with its cached embeddings (models: weak, strong). */
export async function loadMtBench(): Promise<MtBench> {
  const mt = await loadEmbedded('mt-bench');
  const [weakId, strongId] = mt.dataset.models as [string, string];
  return {
    ...mt,
    weakId,
    strongId,
    weak: mt.dataset.prompts.map((p) => p.rawScore?.[0] ?? Number.NaN),
    strong: mt.dataset.prompts.map((p) => p.rawScore?.[1] ?? Number.NaN),
    tokens: mt.dataset.prompts.map((p) => countTokens(p.text, 'cl100k_base')),
  };
}

/**
 * MT-Bench APGR / CPT of the ordering by predicted gain per extra dollar: this directory's
 * approximation of the served two-model rule (GPT-4 Turbo $10 / $30 and Mixtral $0.6 / $0.6 per 1M
 * tokens, 256 output tokens); the suite scores the rule itself. `rows` are predictions with columns
 * in `models` order.
 */
export function mtBenchServedApgr(
  mt: MtBench,
  rows: readonly ArrayLike<number>[],
  models: readonly string[],
): ReturnType<typeof apgr> {
  const si = models.indexOf(mt.strongId);
  const wi = models.indexOf(mt.weakId);
  return apgr({
    scores: rows.map((r, i) => {
      const t = mt.tokens[i] ?? 0;
      return ((r[si] ?? 0) - (r[wi] ?? 0)) / (10 * t + 30 * 256 - 0.6 * t - 0.6 * 256);
    }),
    strong: mt.strong,
    weak: mt.weak,
  });
}
