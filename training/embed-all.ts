/**
 * Precompute USE-Lite embeddings of every shared dataset into the embedding cache
 * (training/cache/embeddings), so training and the benchmark suites read them instead of embedding.
 * Usage: npx tsx training/embed-all.ts [--onnx] [dataset ...]
 * --onnx embeds with the onnxruntime build of the same network (same model id, cosine >= 0.9999 with
 * the tfjs reference; several times faster), its graph built under training/cache/onnx-state.
 */
import { EmbeddingCache, loadDataset } from '../src/data/index.js';
import { createRng, shuffled } from '../src/core/index.js';
import { createUseLiteWorkerPool } from '../src/embed/index.js';
import { createOnnxUseLiteEmbedder } from '../src/embed/onnx-use-lite-embedder.js';

const onnx = process.argv.includes('--onnx');
const names = process.argv.slice(2).filter((a) => a !== '--onnx');
const wanted = names.length > 0 ? names : ['mt-bench', 'gsm8k', 'routerbench', 'llmrouter', 'mmlu'];
const pool = onnx
  ? await createOnnxUseLiteEmbedder({
      stateDir: 'training/cache/onnx-state',
      intraOpThreads: 2,
      log: (m) => console.error(m),
    })
  : await createUseLiteWorkerPool({ workers: 2 });
const cache = EmbeddingCache.open(pool);
for (const name of wanted) {
  const dataset = loadDataset(name);
  // Seeded random order: an interrupted run leaves a uniform sample of the dataset cached.
  const texts = shuffled(
    dataset.prompts.map((p) => p.text),
    createRng(0),
  );
  const missing = texts.filter((t) => !cache.has(t)).length;
  console.error(`${name}: ${texts.length} prompts, ${missing} to embed`);
  await cache.embed(texts);
}
await pool.close();
