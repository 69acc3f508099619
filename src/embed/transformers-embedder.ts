import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { RouterError, errorMessage } from '../core/index.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import { DEFAULT_MAX_CHARS, EMPTY_TEXT_PLACEHOLDER, l2Normalize, prepareText } from './embedder.js';
import type { EmbedderManifest } from './transformers-embedder.manifest.js';
import { verifyEmbedderManifest } from './transformers-embedder.manifest.js';

/**
 * The static embedding model distilled from USE-Lite and committed with the repository
 * (models/static-use-lite, built by training/distill-static-embedder.ts). Resolved from this file, so it
 * holds from src/ (tsx) and dist/ (build) alike.
 */
export const DEFAULT_STATIC_MODEL_PATH = fileURLToPath(
  new URL('../../models/static-use-lite', import.meta.url),
);

/**
 * `config.json` model_type of encoder-only graphs with no transformers.js architecture class (the one
 * value transformers.js loads as a plain encoder without a warning).
 */
export const CUSTOM_MODEL_TYPE = 'custom';

/** ONNX weight variants transformers.js can pick from a model folder (`onnx/model<suffix>.onnx`). */
export type TransformersModelDtype =
  'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

/** Options for {@link createTransformersEmbedder}. */
export interface TransformersEmbedderOptions {
  /**
   * Folder holding a Hugging Face ONNX sentence encoder: `config.json`, `tokenizer.json`,
   * `tokenizer_config.json`, `onnx/model.onnx`, and optionally `manifest.json` (checked at load).
   * With `allowRemote: true` this may instead be a Hub model id such as `Xenova/all-MiniLM-L6-v2`.
   */
  readonly modelPath: string;
  /**
   * Allow transformers.js to download the model from the Hugging Face Hub when `modelPath` is not a
   * local folder. Never enable in the service: models are built or fetched ahead of time.
   * @default false
   */
  readonly allowRemote?: boolean;
  /** Texts per model call. @default 32 */
  readonly batchSize?: number;
  /** Characters kept per text (head + tail), see {@link prepareText}. @default 4000 */
  readonly maxChars?: number;
  /** onnxruntime intra-op threads (the machines have 2 cores shared with DuckDB and Fastify). @default 1 */
  readonly threads?: number;
  /** Which ONNX file variant to load. @default 'fp32' (`onnx/model.onnx`) */
  readonly dtype?: TransformersModelDtype;
  /** Id recorded with stored embeddings. @default `<manifest id>@<version>`, else `transformers:<folder name>` */
  readonly modelId?: string;
}

type Tensors = Record<string, Tensor | undefined>;

/**
 * Load a sentence encoder through @huggingface/transformers (onnxruntime-node, CPU) and warm it up.
 * Local only unless `allowRemote` is set. Output rows are the model's `sentence_embedding` when the
 * graph pools itself, otherwise the attention-masked mean of `last_hidden_state` (or
 * `token_embeddings`), then L2-normalised.
 *
 * Throws EMBEDDER_UNAVAILABLE when the folder is missing or the model fails to load, ARTIFACT_INVALID when
 * `manifest.json` disagrees with the files (SHA-256 of the model file, output dimension).
 */
export async function createTransformersEmbedder(
  options: TransformersEmbedderOptions,
): Promise<Embedder> {
  const allowRemote = options.allowRemote ?? false;
  const folder = path.resolve(options.modelPath);
  const isLocal = await isDirectory(folder);
  if (!isLocal && !allowRemote) {
    throw new RouterError('EMBEDDER_UNAVAILABLE', `embedding model folder not found: ${folder}`, {
      details: { modelPath: folder },
    });
  }
  const manifest = isLocal ? await verifyEmbedderManifest(folder) : undefined;
  // An absolute folder path is read as-is by transformers.js (env.localModelPath is joined only to
  // Hub-style ids), so embedders loaded from different folders never race on that global.
  const source = isLocal ? folder : options.modelPath;
  let tokenizer: PreTrainedTokenizer;
  let model: PreTrainedModel;
  try {
    const { AutoConfig, AutoModel, AutoTokenizer, PreTrainedModel, env } =
      await import('@huggingface/transformers');
    env.allowLocalModels = true;
    env.allowRemoteModels = allowRemote;
    const local_files_only = !allowRemote;
    tokenizer = await AutoTokenizer.from_pretrained(source, { local_files_only });
    const config = await AutoConfig.from_pretrained(source, { local_files_only });
    // 'custom' graphs (such as the distilled static model) have no architecture class: load them as
    // the generic encoder-only model, which AutoModel would also do, after logging a warning.
    const loader = config.model_type === CUSTOM_MODEL_TYPE ? PreTrainedModel : AutoModel;
    model = await loader.from_pretrained(source, {
      config,
      local_files_only,
      device: 'cpu',
      dtype: options.dtype ?? 'fp32',
      session_options: { intraOpNumThreads: options.threads ?? 1, interOpNumThreads: 1 },
    });
  } catch (error: unknown) {
    throw new RouterError(
      'EMBEDDER_UNAVAILABLE',
      `transformers.js failed to load ${source}: ${errorMessage(error)}`,
      {
        cause: error,
        details: { modelPath: source },
      },
    );
  }
  const modelId =
    options.modelId ??
    (manifest === undefined
      ? `transformers:${path.basename(source)}`
      : `${manifest.id}@${manifest.version}`);
  try {
    return await TransformersEmbedder.start({ tokenizer, model, modelId, manifest, options });
  } catch (error: unknown) {
    await model.dispose();
    if (error instanceof RouterError) throw error;
    throw new RouterError(
      'EMBEDDER_UNAVAILABLE',
      `warm-up of ${source} failed: ${errorMessage(error)}`,
      {
        cause: error,
        details: { modelPath: source },
      },
    );
  }
}

interface StartOptions {
  readonly tokenizer: PreTrainedTokenizer;
  readonly model: PreTrainedModel;
  readonly modelId: string;
  readonly manifest: EmbedderManifest | undefined;
  readonly options: TransformersEmbedderOptions;
}

class TransformersEmbedder implements Embedder {
  readonly modelId: string;
  dimension = 0;
  private readonly tokenizer: PreTrainedTokenizer;
  private readonly model: PreTrainedModel;
  private readonly batchSize: number;
  private readonly maxChars: number;
  /** Row for the placeholder text, used if a model ever pools to a zero vector. */
  private fallbackRow: Float32Array = new Float32Array(0);
  private closed = false;

  private constructor(start: StartOptions) {
    this.tokenizer = start.tokenizer;
    this.model = start.model;
    this.modelId = start.modelId;
    this.batchSize = Math.max(1, start.options.batchSize ?? 32);
    this.maxChars = start.options.maxChars ?? DEFAULT_MAX_CHARS;
  }

  /** Construct, warm up (first run allocates the session's buffers), and learn the output dimension. */
  static async start(start: StartOptions): Promise<TransformersEmbedder> {
    const embedder = new TransformersEmbedder(start);
    const [row] = await embedder.runBatch([EMPTY_TEXT_PLACEHOLDER]);
    if (row === undefined || row.length === 0) throw new Error('model returned no embedding');
    const expected = start.manifest?.dimension;
    if (expected !== undefined && expected !== row.length) {
      throw new RouterError(
        'ARTIFACT_INVALID',
        `model returns ${row.length}-d vectors, manifest says ${expected}`,
        {
          details: { modelId: start.modelId, expected, actual: row.length },
        },
      );
    }
    embedder.dimension = row.length;
    embedder.fallbackRow = l2Normalize(row);
    return embedder;
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      options.signal?.throwIfAborted();
      if (this.closed) throw new RouterError('EMBEDDING_FAILED', `${this.modelId} is closed`);
      const batch = texts
        .slice(start, start + this.batchSize)
        .map((t) => prepareText(t, this.maxChars));
      let rows: Float32Array[];
      try {
        rows = await this.runBatch(batch);
      } catch (error: unknown) {
        throw new RouterError(
          'EMBEDDING_FAILED',
          `${this.modelId} embed failed: ${errorMessage(error)}`,
          {
            cause: error,
            details: { batchSize: batch.length },
          },
        );
      }
      for (const row of rows) {
        l2Normalize(row);
        out.push(row.some((value) => value !== 0) ? row : Float32Array.from(this.fallbackRow));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.model.dispose();
  }

  /** Tokenize, run, pool. Rows are fresh arrays (not views into ONNX output buffers). */
  private async runBatch(batch: readonly string[]): Promise<Float32Array[]> {
    const inputs = this.tokenizer([...batch], {
      padding: true,
      truncation: true,
    }) as unknown as Tensors;
    const outputs = (await this.model(inputs)) as Tensors;
    const pooled = outputs.sentence_embedding;
    if (pooled !== undefined) return splitRows(pooled);
    const tokens = outputs.last_hidden_state ?? outputs.token_embeddings;
    const mask = inputs.attention_mask;
    if (tokens === undefined || mask === undefined) {
      throw new Error(
        `model outputs ${Object.keys(outputs).join(', ')}; expected sentence_embedding or last_hidden_state`,
      );
    }
    return meanPool(tokens, mask);
  }
}

/** `[batch, dim]` → one Float32Array per row. */
function splitRows(tensor: Tensor): Float32Array[] {
  const [batch = 0, dim = 0] = tensor.dims;
  const data = tensor.data as Float32Array;
  return Array.from({ length: batch }, (_, b) => data.slice(b * dim, (b + 1) * dim));
}

/** Attention-masked mean over the sequence axis of `[batch, sequence, dim]` (sentence-transformers' mean pooling). */
function meanPool(tokens: Tensor, mask: Tensor): Float32Array[] {
  const [batch = 0, sequence = 0, dim = 0] = tokens.dims;
  const data = tokens.data as Float32Array;
  const maskData = mask.data as BigInt64Array;
  return Array.from({ length: batch }, (_, b) => {
    const row = new Float32Array(dim);
    let count = 0;
    for (let t = 0; t < sequence; t++) {
      if (maskData[b * sequence + t] === 0n) continue;
      count += 1;
      const base = (b * sequence + t) * dim;
      for (let k = 0; k < dim; k++) row[k] = (row[k] ?? 0) + (data[base + k] ?? 0);
    }
    if (count > 0) for (let k = 0; k < dim; k++) row[k] = (row[k] ?? 0) / count;
    return row;
  });
}

async function isDirectory(folder: string): Promise<boolean> {
  try {
    return (await stat(folder)).isDirectory();
  } catch {
    return false;
  }
}
