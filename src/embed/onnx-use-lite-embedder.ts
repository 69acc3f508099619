import { RouterError, errorMessage } from '../core/index.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import { DEFAULT_MAX_CHARS, l2Normalize, prepareText } from './embedder.js';
import { ensureUseLiteGraph } from './onnx-use-lite-cache.js';
import { createUseLiteRuntime, type UseLiteRuntime } from './onnx-use-lite-runtime.mjs';
import { USE_LITE_MODEL_ID } from './use-lite-embedder.js';

/** Options for {@link createOnnxUseLiteEmbedder}. */
export interface OnnxUseLiteOptions {
  /** State directory; the graph is cached in `<stateDir>/models/`. */
  readonly stateDir: string;
  /** onnxruntime intra-op threads. @default 1 */
  readonly intraOpThreads?: number;
  /** Texts per session run (groups of similar length). @default 64 */
  readonly maxBatch?: number;
  /** Characters kept per text (head + tail). @default 4000 */
  readonly maxChars?: number;
  /** Progress messages (graph build or cache hit). */
  readonly log?: (message: string) => void;
}

/**
 * Universal Sentence Encoder Lite on onnxruntime-node, on the calling thread: the graph rebuilt from the
 * shipped weights (onnx-use-lite-graph.ts) and the package's own tokenizer. Same vectors as the tfjs
 * model (cosine >= 0.9999, see onnx-use-lite-parity.test.ts), so it keeps the tfjs model's id and the
 * trained artifacts keep applying. A session run blocks the thread; the service runs it on a worker
 * (onnx-use-lite-worker-embedder.ts).
 */
export async function createOnnxUseLiteEmbedder(options: OnnxUseLiteOptions): Promise<Embedder> {
  let runtime: UseLiteRuntime;
  try {
    const modelPath = await ensureUseLiteGraph({
      stateDir: options.stateDir,
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    runtime = await createUseLiteRuntime({
      modelPath,
      intraOpThreads: options.intraOpThreads ?? 1,
      maxBatch: options.maxBatch ?? 64,
    });
    await runtime.embed(['warm up']);
  } catch (error: unknown) {
    if (error instanceof RouterError) throw error;
    throw new RouterError(
      'EMBEDDER_UNAVAILABLE',
      `USE-Lite (onnxruntime) failed to load: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  return {
    modelId: USE_LITE_MODEL_ID,
    dimension: 512,
    async embed(
      texts: readonly string[],
      embedOptions: EmbedOptions = {},
    ): Promise<Float32Array[]> {
      embedOptions.signal?.throwIfAborted();
      if (texts.length === 0) return [];
      try {
        const rows = await runtime.embed(texts.map((text) => prepareText(text, maxChars)));
        return rows.map((row) => l2Normalize(row));
      } catch (error: unknown) {
        throw new RouterError(
          'EMBEDDING_FAILED',
          `USE-Lite (onnxruntime) embed failed: ${errorMessage(error)}`,
          { cause: error, details: { batchSize: texts.length } },
        );
      }
    },
    close: () => runtime.close(),
  };
}
