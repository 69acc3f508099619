import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_STATE_DIR } from '../embed/onnx-use-lite-parity.fixture.js';
import { USE_LITE_MODEL_ID } from '../embed/use-lite-embedder.js';
import { EMBED_WORKERS_ENV, USE_LITE_RUNTIME_ENV, createEmbedder } from './create-embedder.js';

describe('createEmbedder (use-lite)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('runs USE-Lite on onnxruntime by default, under the tfjs model id', async () => {
    const warnings: string[] = [];
    const embedder = await createEmbedder(
      { embedder: 'use-lite', stateDir: TEST_STATE_DIR },
      { env: {}, warn: (message) => void warnings.push(message) },
    );
    try {
      expect(embedder.modelId).toBe(USE_LITE_MODEL_ID);
      expect((await embedder.embed(['hello']))[0]).toHaveLength(512);
      expect(warnings).toEqual([]);
    } finally {
      await embedder.close();
    }
  }, 120_000);

  it('falls back to tfjs with a warning when the ONNX graph cannot be stored', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'arbiter-create-embedder-'));
    dirs.push(dir);
    const notADirectory = path.join(dir, 'state');
    await writeFile(notADirectory, 'a file where the state directory should be');
    const warnings: string[] = [];
    const embedder = await createEmbedder(
      { embedder: 'use-lite', stateDir: notADirectory },
      { env: {}, warn: (message) => void warnings.push(message) },
    );
    try {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('falling back to tfjs');
      expect(embedder.modelId).toBe(USE_LITE_MODEL_ID);
      expect((await embedder.embed(['hello']))[0]).toHaveLength(512);
    } finally {
      await embedder.close();
    }
  }, 120_000);

  it('rejects invalid runtime and worker settings naming the variable', async () => {
    for (const [variable, value] of [
      [USE_LITE_RUNTIME_ENV, 'gpu'],
      [EMBED_WORKERS_ENV, '0'],
    ] as const) {
      const attempt = createEmbedder(
        { embedder: 'use-lite', stateDir: TEST_STATE_DIR },
        { env: { [variable]: value } },
      );
      await expect(attempt).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      await expect(attempt).rejects.toThrow(variable);
    }
  });
});
