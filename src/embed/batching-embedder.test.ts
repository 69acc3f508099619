import { describe, expect, it } from 'vitest';
import { BatchingEmbedder } from './batching-embedder.js';
import { runEmbedderConformance } from './embedder.case.js';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash-embedder.js';

/** Records the size of every inner call. */
function recording(): { embedder: Embedder; calls: number[] } {
  const inner = new HashEmbedder({ dimension: 16 });
  const calls: number[] = [];
  return {
    calls,
    embedder: {
      modelId: inner.modelId,
      dimension: inner.dimension,
      embed: (texts, options) => {
        calls.push(texts.length);
        return inner.embed(texts, options);
      },
      close: () => inner.close(),
    },
  };
}

runEmbedderConformance('BatchingEmbedder(Hash)', () =>
  Promise.resolve(new BatchingEmbedder(new HashEmbedder())),
);

describe('BatchingEmbedder', () => {
  it('coalesces concurrent calls into one inner batch and returns each caller its rows', async () => {
    const { embedder, calls } = recording();
    const batching = new BatchingEmbedder(embedder, { maxWaitMs: 5 });
    const texts = Array.from({ length: 10 }, (_, i) => `prompt number ${i}`);
    const results = await Promise.all(texts.map((text) => batching.embed([text])));
    expect(calls).toEqual([10]);
    const direct = await new HashEmbedder({ dimension: 16 }).embed(texts);
    results.forEach((rows, i) =>
      expect(Array.from(rows[0] ?? [])).toEqual(Array.from(direct[i] ?? [])),
    );
  });

  it('splits at maxBatch and passes large batches straight through', async () => {
    const { embedder, calls } = recording();
    const batching = new BatchingEmbedder(embedder, { maxBatch: 4, maxWaitMs: 5 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => batching.embed([`t${i}`])));
    expect(calls.reduce((a, b) => a + b, 0)).toBe(9);
    expect(Math.max(...calls)).toBeLessThanOrEqual(4);
    calls.length = 0;
    await batching.embed(['a', 'b', 'c', 'd', 'e']);
    expect(calls).toEqual([5]);
  });

  it('rejects every caller of a failed batch and keeps working', async () => {
    let fail = true;
    const inner = new HashEmbedder();
    const flaky: Embedder = {
      modelId: 'flaky',
      dimension: inner.dimension,
      embed: (texts) => (fail ? Promise.reject(new Error('boom')) : inner.embed(texts)),
      close: () => Promise.resolve(),
    };
    const batching = new BatchingEmbedder(flaky, { maxWaitMs: 1 });
    const results = await Promise.allSettled([batching.embed(['a']), batching.embed(['b'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batching.embed(['c'])).resolves.toHaveLength(1);
  });
});
