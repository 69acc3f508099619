import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RouterError, errorMessage, sha256Hex } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import { requestText } from '../embed/request-text.js';
import type { RoutingDataset } from './dataset.js';
import { REPO_ROOT } from './data-dir.js';

/** Environment variable overriding the embedding cache directory. */
export const CACHE_DIR_ENV = 'ARBITER_CACHE_DIR';

/** Default cache directory (git-ignored). */
export const DEFAULT_EMBEDDING_CACHE_DIR = join(REPO_ROOT, 'training', 'cache', 'embeddings');

const KEY_BYTES = 32;

/** Progress of one embedding run. */
export interface EmbeddingProgress {
  readonly done: number;
  readonly total: number;
  readonly elapsedMs: number;
}

/** Options for {@link EmbeddingCache.open} and {@link loadEmbeddings}. */
export interface EmbeddingCacheOptions {
  /** Cache directory. @default $ARBITER_CACHE_DIR or training/cache/embeddings */
  readonly dir?: string;
  /** Texts per embedder call and per append. @default 64 */
  readonly batchSize?: number;
  /** Progress callback after every batch; default writes a line to stderr (none for <= 1 batch). */
  readonly onProgress?: (progress: EmbeddingProgress) => void;
  /** Silence the default stderr progress line. @default false */
  readonly quiet?: boolean;
  readonly signal?: AbortSignal;
}

/**
 * A persistent, append-only embedding cache: one file per embedder (`<modelId>-<dim>.f32rec`) of
 * fixed-size records `[sha256(text) 32 bytes][dimension × float32 LE]`. Each batch is appended with
 * one write, so an interrupted run keeps every finished batch (resumable) and a torn last record is
 * ignored on load; concurrent writers at worst store a text twice.
 *
 * What is embedded for a text is what `/v1/route` embeds for it as a prompt: {@link requestText}
 * (the text itself, or the short request of a long text that pastes material around it), so the
 * predictor trains and is scored on the text it is served. Keys hash that text.
 */
export class EmbeddingCache {
  private readonly rows = new Map<string, Float32Array>();
  private readonly embedder: Embedder;
  private readonly options: EmbeddingCacheOptions;
  /** The cache file. */
  readonly path: string;

  private constructor(embedder: Embedder, path: string, options: EmbeddingCacheOptions) {
    this.embedder = embedder;
    this.path = path;
    this.options = options;
  }

  /** Open (or create) the cache file for `embedder` and load what it holds. */
  static open(embedder: Embedder, options: EmbeddingCacheOptions = {}): EmbeddingCache {
    const dir = options.dir ?? process.env[CACHE_DIR_ENV] ?? DEFAULT_EMBEDDING_CACHE_DIR;
    const safeId = embedder.modelId.replace(/[^A-Za-z0-9._-]+/gu, '_');
    const path = join(dir, `${safeId}-${embedder.dimension}.f32rec`);
    const cache = new EmbeddingCache(embedder, path, options);
    try {
      mkdirSync(dir, { recursive: true });
      if (existsSync(path)) cache.readAll();
    } catch (error: unknown) {
      throw new RouterError('EMBEDDING_FAILED', `${path}: cannot open cache: ${errorMessage(error)}`, {
        cause: error,
        details: { file: path },
      });
    }
    return cache;
  }

  /** Distinct texts cached. */
  get size(): number {
    return this.rows.size;
  }

  /** True when what is embedded for `text` is cached. */
  has(text: string): boolean {
    return this.rows.has(sha256Hex(requestText(text)));
  }

  /**
   * Embeddings for `texts` (of {@link requestText} of each), in order: cached rows are reused, each
   * distinct missing text is embedded once and appended to the file batch by batch. Returned rows are
   * shared: do not mutate them.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const embedded = texts.map((text) => requestText(text));
    const keys = embedded.map((text) => sha256Hex(text));
    const missing = new Map<string, string>();
    keys.forEach((key, i) => {
      if (!this.rows.has(key) && !missing.has(key)) missing.set(key, embedded[i] as string);
    });
    if (missing.size > 0) await this.fill([...missing.entries()]);
    return keys.map((key) => this.rows.get(key) as Float32Array);
  }

  private async fill(entries: readonly (readonly [string, string])[]): Promise<void> {
    const batchSize = this.options.batchSize ?? 64;
    const started = performance.now();
    const report = this.options.onProgress ?? (this.options.quiet === true ? undefined : stderrProgress(this.embedder.modelId));
    const { dimension } = this.embedder;
    for (let start = 0; start < entries.length; start += batchSize) {
      const batch = entries.slice(start, start + batchSize);
      const vectors = await this.embedder.embed(
        batch.map(([, text]) => text),
        this.options.signal === undefined ? {} : { signal: this.options.signal },
      );
      const buffer = Buffer.alloc(batch.length * (KEY_BYTES + 4 * dimension));
      batch.forEach(([key], j) => {
        const vector = vectors[j];
        if (vector?.length !== dimension) {
          throw new RouterError('EMBEDDING_FAILED', `embedder returned a bad row for batch item ${j}`, {
            details: { expected: dimension, got: vector?.length },
          });
        }
        const offset = j * (KEY_BYTES + 4 * dimension);
        buffer.write(key, offset, 'hex');
        for (let d = 0; d < dimension; d++) buffer.writeFloatLE(vector[d] ?? 0, offset + KEY_BYTES + 4 * d);
        this.rows.set(key, vector);
      });
      appendFileSync(this.path, buffer);
      const done = Math.min(start + batchSize, entries.length);
      if (entries.length > batchSize) report?.({ done, total: entries.length, elapsedMs: performance.now() - started });
    }
  }

  private readAll(): void {
    const bytes = readFileSync(this.path);
    const { dimension } = this.embedder;
    const recordBytes = KEY_BYTES + 4 * dimension;
    const count = Math.floor(bytes.length / recordBytes);
    for (let r = 0; r < count; r++) {
      const offset = r * recordBytes;
      const key = bytes.toString('hex', offset, offset + KEY_BYTES);
      const vector = new Float32Array(dimension);
      for (let d = 0; d < dimension; d++) vector[d] = bytes.readFloatLE(offset + KEY_BYTES + 4 * d);
      this.rows.set(key, vector);
    }
  }
}

function stderrProgress(modelId: string): (progress: EmbeddingProgress) => void {
  let lastWrite = 0;
  return ({ done, total, elapsedMs }) => {
    const now = performance.now();
    if (done < total && now - lastWrite < 1000) return;
    lastWrite = now;
    const rate = done / Math.max(elapsedMs / 1000, 1e-3);
    const eta = (total - done) / Math.max(rate, 1e-9);
    const line = `[embed ${modelId}] ${done}/${total} (${((100 * done) / total).toFixed(0)}%) ${rate.toFixed(0)}/s eta ${eta.toFixed(0)}s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`);
  };
}

/**
 * The embedding matrix of a dataset, one row per prompt (aligned with `dataset.prompts`), through the
 * persistent cache: the first call embeds each distinct text once, later calls read the file.
 */
export async function loadEmbeddings(
  dataset: RoutingDataset,
  embedder: Embedder,
  options: EmbeddingCacheOptions = {},
): Promise<Float32Array[]> {
  return EmbeddingCache.open(embedder, options).embed(dataset.prompts.map((prompt) => prompt.text));
}
