import { describe, expect, it } from 'vitest';
import { runEmbedderConformance } from './embedder.case.js';
import { BatchingEmbedder } from './batching-embedder.js';
import { createUseLiteEmbedder } from './use-lite-embedder.js';
import { createUseLiteWorkerPool } from './worker-pool-embedder.js';

runEmbedderConformance('USE-Lite worker pool', () => createUseLiteWorkerPool({ workers: 2 }));
runEmbedderConformance('USE-Lite worker pool behind the batcher', async () => {
  const pool = await createUseLiteWorkerPool({ workers: 1 });
  return new BatchingEmbedder(pool, { concurrency: 1 });
});

describe('USE-Lite worker pool', () => {
  it('returns the same vectors as the in-thread model, in order, across split batches', async () => {
    const pool = await createUseLiteWorkerPool({ workers: 2 });
    const local = await createUseLiteEmbedder();
    try {
      const texts = Array.from(
        { length: 70 },
        (_, i) => `question ${i}: how do I sort ${i} numbers?`,
      );
      const [fromPool, fromLocal] = await Promise.all([pool.embed(texts), local.embed(texts)]);
      expect(fromPool).toHaveLength(70);
      fromPool.forEach((row, i) => {
        const other = fromLocal[i] as Float32Array;
        const cosine = row.reduce((sum, value, j) => sum + value * (other[j] ?? 0), 0);
        expect(cosine).toBeCloseTo(1, 5);
      });
    } finally {
      await pool.close();
      await local.close();
    }
  });
});
