import { sha256Hex } from '../core/index.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import { LruCache } from './lru-cache.js';

/** Options for {@link CachedEmbedder}. */
export interface CachedEmbedderOptions {
  /** Distinct texts kept in memory. @default 10000 */
  readonly capacity?: number;
}

/**
 * Wraps an embedder with an LRU cache keyed by SHA-256 of the text, so a repeated prompt costs a hash
 * lookup instead of a model call. Misses in one call are embedded in a single inner batch.
 * Returned rows are copies: callers may mutate them without corrupting the cache.
 */
export class CachedEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;
  private readonly cache: LruCache<string, Float32Array>;
  private hitCount = 0;
  private missCount = 0;

  private readonly inner: Embedder;

  constructor(inner: Embedder, options: CachedEmbedderOptions = {}) {
    this.inner = inner;
    this.modelId = inner.modelId;
    this.dimension = inner.dimension;
    this.cache = new LruCache(options.capacity ?? 10_000);
  }

  /** Cache hits and misses since creation. */
  get stats(): { hits: number; misses: number; size: number } {
    return { hits: this.hitCount, misses: this.missCount, size: this.cache.size };
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    options.signal?.throwIfAborted();
    const keys = texts.map((text) => sha256Hex(text));
    const out: (Float32Array | undefined)[] = keys.map((key) => this.cache.get(key));
    const missIndex = new Map<string, number[]>();
    out.forEach((row, i) => {
      if (row !== undefined) return;
      const key = keys[i] as string;
      const slots = missIndex.get(key);
      if (slots === undefined) missIndex.set(key, [i]);
      else slots.push(i);
    });
    this.hitCount += texts.length - [...missIndex.values()].reduce((n, s) => n + s.length, 0);
    this.missCount += missIndex.size;
    if (missIndex.size > 0) {
      const missing = [...missIndex.values()].map((slots) => texts[slots[0] as number] as string);
      const rows = await this.inner.embed(missing, options);
      [...missIndex.entries()].forEach(([key, slots], j) => {
        const row = rows[j] as Float32Array;
        this.cache.set(key, row);
        for (const slot of slots) out[slot] = row;
      });
    }
    return out.map((row) => Float32Array.from(row as Float32Array));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
