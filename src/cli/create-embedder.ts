import type { Config } from '../config/index.js';
import {
  BatchingEmbedder,
  CachedEmbedder,
  HashEmbedder,
  createUseLiteEmbedder,
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
      return new CachedEmbedder(new BatchingEmbedder(await createUseLiteEmbedder()));
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
