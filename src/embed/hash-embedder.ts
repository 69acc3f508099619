import { createHash } from 'node:crypto';
import type { EmbedOptions, Embedder } from './embedder.js';
import { l2Normalize, prepareText } from './embedder.js';

/** Options for {@link HashEmbedder}. */
export interface HashEmbedderOptions {
  /** Vector length. @default 64 */
  readonly dimension?: number;
}

/**
 * Deterministic test embedder: hashes word unigrams into buckets (feature hashing with a sign bit), so
 * texts sharing words get similar vectors. No model, no I/O; for unit tests only.
 */
export class HashEmbedder implements Embedder {
  readonly modelId: string;
  readonly dimension: number;

  constructor(options: HashEmbedderOptions = {}) {
    this.dimension = options.dimension ?? 64;
    this.modelId = `hash-${this.dimension}`;
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (options.signal?.aborted === true) {
      return Promise.reject(new DOMException('This operation was aborted', 'AbortError'));
    }
    return Promise.resolve(texts.map((text) => this.embedOne(prepareText(text))));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimension);
    for (const word of text.toLowerCase().split(/\W+/u)) {
      if (word.length === 0) continue;
      const digest = createHash('sha1').update(word).digest();
      const bucket = digest.readUInt32LE(0) % this.dimension;
      vector[bucket] = (vector[bucket] ?? 0) + ((digest[4] ?? 0) & 1 ? 1 : -1);
    }
    if (vector.every((value) => value === 0)) vector[0] = 1;
    return l2Normalize(vector);
  }
}
