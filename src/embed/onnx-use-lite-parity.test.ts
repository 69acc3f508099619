import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.js';
import { createOnnxUseLiteEmbedder } from './onnx-use-lite-embedder.js';
import { PARITY_PROMPTS, TEST_STATE_DIR } from './onnx-use-lite-parity.fixture.js';
import { createOnnxUseLiteWorkerEmbedder } from './onnx-use-lite-worker-embedder.js';
import { createUseLiteEmbedder } from './use-lite-embedder.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe('USE-Lite on onnxruntime matches the tfjs model', () => {
  let onnx: Embedder;
  let tfjs: Embedder;
  beforeAll(async () => {
    [onnx, tfjs] = await Promise.all([
      createOnnxUseLiteEmbedder({ stateDir: TEST_STATE_DIR }),
      createUseLiteEmbedder(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([onnx.close(), tfjs.close()]);
  });

  it('keeps the tfjs model id and width, so trained artifacts still apply', () => {
    expect(onnx.modelId).toBe(tfjs.modelId);
    expect(onnx.dimension).toBe(512);
  });

  it(`has cosine >= 0.9999 on ${PARITY_PROMPTS.length} mixed-length prompts, batched and alone`, async () => {
    expect(PARITY_PROMPTS.length).toBeGreaterThanOrEqual(50);
    const reference = await tfjs.embed(PARITY_PROMPTS);
    const batched = await onnx.embed(PARITY_PROMPTS);
    const alone = await Promise.all(PARITY_PROMPTS.slice(0, 12).map((p) => onnx.embed([p])));
    const cosines = PARITY_PROMPTS.map((_, i) =>
      cosine(batched[i] as Float32Array, reference[i] as Float32Array),
    );
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.9999);
    alone.forEach(([row], i) => {
      expect(cosine(row as Float32Array, reference[i] as Float32Array)).toBeGreaterThanOrEqual(
        0.9999,
      );
    });
  }, 120_000);

  it('gives the same vectors on worker threads as on the calling thread', async () => {
    const workers = await createOnnxUseLiteWorkerEmbedder({ stateDir: TEST_STATE_DIR, workers: 2 });
    try {
      const texts = PARITY_PROMPTS.slice(0, 20);
      const inline = await onnx.embed(texts);
      // Concurrent single calls and one big call exercise both dispatch paths.
      const single = await Promise.all(texts.map((text) => workers.embed([text])));
      const big = await workers.embed([...texts, ...texts, ...texts, ...texts]);
      texts.forEach((_, i) => {
        expect(cosine(single[i]?.[0] as Float32Array, inline[i] as Float32Array)).toBeGreaterThan(
          0.99999,
        );
        expect(cosine(big[i + 60] as Float32Array, inline[i] as Float32Array)).toBeGreaterThan(
          0.99999,
        );
      });
    } finally {
      await workers.close();
    }
    await expect(workers.embed(['after close'])).rejects.toMatchObject({
      code: 'EMBEDDING_FAILED',
    });
  }, 120_000);
});
