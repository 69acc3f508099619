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
  it('starts however late the wasm backend finishes compiling (no start-up race)', async () => {
    const pool = await createUseLiteWorkerPool({
      workers: 1,
      workerUrl: new URL('./slow-wasm-worker.fixture.mjs', import.meta.url),
    });
    try {
      const [row] = await pool.embed(['a busy machine']);
      expect(row).toHaveLength(512);
    } finally {
      await pool.close();
    }
  });

  it('fails to start with EMBEDDER_UNAVAILABLE when a worker exits before it is ready', async () => {
    const exits = new URL(`data:text/javascript,${encodeURIComponent('process.exit(3)')}`);
    await expect(createUseLiteWorkerPool({ workers: 2, workerUrl: exits })).rejects.toMatchObject({
      code: 'EMBEDDER_UNAVAILABLE',
    });
  });

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
