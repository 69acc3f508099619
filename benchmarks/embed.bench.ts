/**
 * Embedding latency, single prompt and batch of 32, for every embedder Arbiter can start with:
 *
 *   npx vitest bench --run benchmarks/embed.bench.ts
 *
 * Results and the static/USE-Lite ratio are recorded in benchmarks/results/embed.md.
 */
import { bench, describe } from 'vitest';
import {
  CachedEmbedder,
  DEFAULT_STATIC_MODEL_PATH,
  HashEmbedder,
  createTransformersEmbedder,
  createUseLiteEmbedder,
  type Embedder,
} from '../src/embed/index.js';
import { HELD_OUT_PROMPTS } from '../src/embed/transformers-embedder.fixture.js';

const BATCH = HELD_OUT_PROMPTS.slice(0, 32);

const useLite = await createUseLiteEmbedder();
const cached = new CachedEmbedder(useLite);
await cached.embed(HELD_OUT_PROMPTS); // every benchmarked text is now a cache hit
const embedders: readonly (readonly [string, Embedder])[] = [
  ['USE-Lite', useLite],
  ['USE-Lite cached (hit)', cached],
  [
    'static-use-lite ONNX (transformers.js)',
    await createTransformersEmbedder({ modelPath: DEFAULT_STATIC_MODEL_PATH }),
  ],
  ['HashEmbedder', new HashEmbedder({ dimension: 64 })],
];

const options = { time: 2_000, warmupTime: 300 } as const;

describe('embed: single prompt', () => {
  for (const [name, embedder] of embedders) {
    let i = 0;
    bench(
      name,
      async () => {
        i = (i + 1) % HELD_OUT_PROMPTS.length;
        await embedder.embed([HELD_OUT_PROMPTS[i] as string]);
      },
      options,
    );
  }
});

describe('embed: batch of 32', () => {
  for (const [name, embedder] of embedders) {
    bench(
      name,
      async () => {
        await embedder.embed(BATCH);
      },
      options,
    );
  }
});
