import { availableParallelism } from 'node:os';
import type { Config } from '../config/index.js';
import {
  BatchingEmbedder,
  CachedEmbedder,
  HashEmbedder,
  createUseLiteEmbedder,
  createUseLiteWorkerPool,
  type Embedder,
} from '../embed/index.js';

/**
 * Construct the configured embedder (async load + warm-up): an LRU prompt cache in front of a
 * micro-batcher (concurrent requests share one model call) in front of the model.
 */
export async function createEmbedder(
  config: Pick<Config, 'embedder' | 'embedderPath'>,
): Promise<Embedder> {
  switch (config.embedder) {
    case 'use-lite':
      return new CachedEmbedder(await useLiteOnWorkers());
    case 'hash':
      return new HashEmbedder({ dimension: 64 });
    case 'transformers': {
      const { createTransformersEmbedder, DEFAULT_STATIC_MODEL_PATH } =
        await import('../embed/transformers-embedder.js');
      return new CachedEmbedder(
        await createTransformersEmbedder({
          modelPath: config.embedderPath ?? DEFAULT_STATIC_MODEL_PATH,
        }),
      );
    }
  }
}

/**
 * USE-Lite on one worker thread per core (at most 2 here), behind a micro-batcher that keeps every
 * worker busy; the main thread stays free for HTTP. Falls back to the in-thread model if workers
 * cannot start.
 */
async function useLiteOnWorkers(): Promise<Embedder> {
  const workers = Math.min(2, availableParallelism());
  try {
    const pool = await createUseLiteWorkerPool({ workers });
    return new BatchingEmbedder(pool, { concurrency: workers });
  } catch {
    return new BatchingEmbedder(await createUseLiteEmbedder());
  }
}
