/**
 * Embedding latency, single prompt and batch of 32, for every embedder Arbiter can start with, and
 * USE-Lite on its two runtimes (tfjs, the reference, and onnxruntime) on distinct 10- and 100-word prompts:
 *
 *   npx vitest bench --run benchmarks/embed.bench.ts
 *
 * Results and the ratios are recorded in benchmarks/results/embed.md. Every embedder here runs on the
 * calling thread with one compute thread, so its latency is also its CPU time per call.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bench, describe } from 'vitest';
import { createOnnxUseLiteEmbedder } from '../src/embed/onnx-use-lite-embedder.js';
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
const useLiteOnnx = await createOnnxUseLiteEmbedder({
  stateDir: path.join(tmpdir(), 'arbiter-bench-use-lite-onnx'),
});
const cached = new CachedEmbedder(useLite);
await cached.embed(HELD_OUT_PROMPTS); // every benchmarked text is now a cache hit
const embedders: readonly (readonly [string, Embedder])[] = [
  ['USE-Lite (tfjs)', useLite],
  ['USE-Lite (onnxruntime)', useLiteOnnx],
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

const WORDS = (
  'time person year way day thing world life hand part child eye place work week case point company ' +
  'number group problem fact model price token route answer question code data system program function ' +
  'value error server cache memory network quality cost latency request explain write prove compare'
).split(' ');

/** Distinct prompts of `count` words (a counter picks the words), so no two calls embed the same text. */
function distinct(count: number): () => string {
  let counter = 0;
  return () => {
    counter += 1;
    let state = counter * 2654435761;
    const words = [`request ${counter}:`];
    for (let i = 0; i < count - 2; i++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      words.push(WORDS[state % WORDS.length] as string);
    }
    return words.join(' ');
  };
}

const runtimes: readonly (readonly [string, Embedder])[] = [
  ['USE-Lite (tfjs)', useLite],
  ['USE-Lite (onnxruntime)', useLiteOnnx],
];
for (const words of [10, 100]) {
  for (const size of [1, 8, 32]) {
    describe(`USE-Lite runtimes: ${size} distinct ${words}-word prompt${size > 1 ? 's' : ''}`, () => {
      for (const [name, embedder] of runtimes) {
        const next = distinct(words);
        bench(
          name,
          async () => {
            await embedder.embed(Array.from({ length: size }, next));
          },
          options,
        );
      }
    });
  }
}
