/**
 * Which tokens of a long prompt should USE-Lite read? The graph reads 128 token positions; by default
 * the first 128 (the package's tfjs behaviour, which the served embedder keeps). RouterBench's
 * arc_challenge and winogrande prompts are five-shot: the same examples open every prompt and the question
 * ends it, so under the first-128 window every prompt of a task embeds alike. This script embeds datasets
 * with a window of the first `--head` tokens and the last 128 - head (onnx-use-lite-runtime.mjs
 * `clipTokens`) into their own embedding cache (embedder id `use-lite-h<head>@0.2.0`), and prints
 * each RouterBench task's nearest-neighbour cosine to the other tasks under both windows (1.000 / one
 * value for a whole task: its prompts are indistinguishable). Score the new embeddings with
 * `ARBITER_EXPERIMENT_EMBEDDER=use-lite-h32@0.2.0 npx tsx training/experiments/knn-blend.ts --dataset D`.
 *
 * Run: npx tsx training/experiments/embed-window.ts [--head 32] [--datasets routerbench,llmrouter]
 */
import { parseArgs } from 'node:util';
import { EmbeddingCache, loadDataset } from '../../src/data/index.js';
import { l2Normalize, prepareText, type Embedder } from '../../src/embed/index.js';
import { ensureUseLiteGraph } from '../../src/embed/onnx-use-lite-cache.js';
import { createUseLiteRuntime } from '../../src/embed/onnx-use-lite-runtime.mjs';
import { CACHE_ONLY_EMBEDDER } from './lib.js';
import { nearest } from './neighbours.js';

const { values } = parseArgs({
  options: {
    head: { type: 'string', default: '32' },
    datasets: { type: 'string', default: 'routerbench,llmrouter' },
    'state-dir': { type: 'string', default: 'data' },
  },
});
const head = Number(values.head);
const runtime = await createUseLiteRuntime({
  modelPath: await ensureUseLiteGraph({ stateDir: values['state-dir'] }),
  headTokens: head,
});
const windowed: Embedder = {
  modelId: `use-lite-h${head}@0.2.0`,
  dimension: 512,
  embed: async (texts) =>
    (await runtime.embed(texts.map((t) => prepareText(t)))).map((row) => l2Normalize(row)),
  close: () => runtime.close(),
};
const caches = {
  'first 128 tokens': EmbeddingCache.open(CACHE_ONLY_EMBEDDER, { quiet: true }),
  [`first ${head} + last ${128 - head}`]: EmbeddingCache.open(windowed, { quiet: true }),
};
for (const name of values.datasets.split(',')) {
  const started = performance.now();
  const dataset = loadDataset(name);
  const texts = dataset.prompts.map((p) => p.text);
  const vectors = Object.fromEntries(
    await Promise.all(
      Object.entries(caches).map(
        async ([label, cache]) => [label, await cache.embed(texts)] as const,
      ),
    ),
  );
  console.log(
    `${name}: ${texts.length} prompts embedded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  if (name !== 'routerbench') continue;
  console.log(
    '| task held out | window | nearest other-task cosine: 5% / 50% / 95% | distinct embeddings |',
  );
  console.log('| --- | --- | --- | ---: |');
  for (const group of [...new Set(dataset.prompts.map((p) => p.group))]) {
    for (const [label, all] of Object.entries(vectors)) {
      const inGroup = (i: number): boolean => dataset.prompts[i]?.group === group;
      const test = all.filter((_, i) => inGroup(i));
      const top = nearest(
        all.filter((_, i) => !inGroup(i)),
        test,
        1,
      )
        .map((list) => list[0]?.similarity ?? Number.NaN)
        .sort((a, b) => a - b);
      const at = (q: number): string => (top[Math.floor(q * (top.length - 1))] ?? 0).toFixed(3);
      const distinct = new Set(
        test.map((v) => Array.from(v.subarray(0, 8), (x) => x.toFixed(5)).join()),
      ).size;
      console.log(
        `| ${group} (${test.length}) | ${label} | ${at(0.05)} / ${at(0.5)} / ${at(0.95)} | ${distinct} |`,
      );
    }
  }
}
await runtime.close();
