import type { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEmbedderConformance } from './embedder.case.js';
import {
  USE_LITE_GRAPH_SHA256,
  ensureUseLiteGraph,
  useLiteGraphPath,
} from './onnx-use-lite-cache.js';
import { createOnnxUseLiteEmbedder } from './onnx-use-lite-embedder.js';
import { TEST_STATE_DIR } from './onnx-use-lite-parity.fixture.js';
import { groupByLength } from './onnx-use-lite-runtime.mjs';
import { createOnnxUseLiteWorkerEmbedder, shareQueue } from './onnx-use-lite-worker-embedder.js';

describe('USE-Lite ONNX graph cache', () => {
  const dirs: string[] = [];
  const fresh = async (): Promise<string> => {
    const dir = await mkdtemp(path.join(tmpdir(), 'arbiter-onnx-cache-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('builds the pinned graph once, then reuses it; a corrupt file is rebuilt', async () => {
    const stateDir = await fresh();
    const messages: string[] = [];
    const log = (message: string): void => void messages.push(message);
    const file = await ensureUseLiteGraph({ stateDir, log });
    expect(file).toBe(useLiteGraphPath(stateDir));
    const digest = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    expect(digest).toBe(USE_LITE_GRAPH_SHA256);
    expect(messages.filter((m) => m.startsWith('built'))).toHaveLength(1);
    // Built by a child process: the serving process never holds the build's large buffers.
    expect(messages.find((m) => m.startsWith('built'))).toContain('in a child process');

    expect(await ensureUseLiteGraph({ stateDir, log })).toBe(file);
    expect(messages.filter((m) => m.startsWith('built'))).toHaveLength(1);

    await writeFile(file, 'not a graph');
    expect(await ensureUseLiteGraph({ stateDir, log })).toBe(file);
    expect(messages.some((m) => m.includes('fails its checksum'))).toBe(true);
    expect(messages.filter((m) => m.startsWith('built'))).toHaveLength(2);
  }, 120_000);

  it('builds concurrently in one process, each build with its own temporary file', async () => {
    // Worker threads (and concurrent callers on one thread) share a pid: each build needs its own
    // temporary file, or one rename finds the file already moved (ENOENT on a fresh state dir).
    const stateDir = await fresh();
    const files = await Promise.all([1, 2, 3].map(() => ensureUseLiteGraph({ stateDir })));
    expect(new Set(files)).toEqual(new Set([useLiteGraphPath(stateDir)]));
    const digest = createHash('sha256')
      .update(await readFile(useLiteGraphPath(stateDir)))
      .digest('hex');
    expect(digest).toBe(USE_LITE_GRAPH_SHA256);
    const left = (await readdir(path.dirname(useLiteGraphPath(stateDir)))).filter((name) =>
      name.endsWith('.tmp'),
    );
    expect(left).toEqual([]);
  }, 120_000);

  it('refuses a graph whose checksum differs from the pin', async () => {
    const stateDir = await fresh();
    await expect(
      ensureUseLiteGraph({ stateDir, expectedSha256: '0'.repeat(64) }),
    ).rejects.toMatchObject({ code: 'EMBEDDER_UNAVAILABLE' });
  }, 120_000);
});

describe('groupByLength', () => {
  it('covers every row once, respects maxBatch and bounds padding', () => {
    const lengths = [1, 3, 120, 5, 128, 2, 60, 64, 7, 9, 11, 100, 4, 4, 4, 30];
    const rows = lengths.map((n) => Array.from({ length: n }, () => 7));
    const groups = groupByLength(rows, 4);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    for (const group of groups) {
      expect(group.length).toBeLessThanOrEqual(4);
      const width = Math.max(...group.map((i) => lengths[i] ?? 0));
      const real = group.reduce((sum, i) => sum + (lengths[i] ?? 0), 0);
      expect(group.length * width <= 256 || real >= 0.75 * group.length * width).toBe(true);
    }
  });
});

runEmbedderConformance('USE-Lite on onnxruntime', () =>
  createOnnxUseLiteEmbedder({ stateDir: TEST_STATE_DIR }),
);
runEmbedderConformance('USE-Lite on onnxruntime workers', () =>
  createOnnxUseLiteWorkerEmbedder({ stateDir: TEST_STATE_DIR, workers: 2 }),
);

describe('shareQueue (continuous batching over worker threads)', () => {
  it('splits a burst evenly over the idle workers: no convoy on one worker', () => {
    expect(
      shareQueue(
        Array.from({ length: 16 }, () => 1),
        2,
        64,
      ),
    ).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [8, 9, 10, 11, 12, 13, 14, 15],
    ]);
    expect(shareQueue([1, 1, 1], 2, 64)).toEqual([[0, 1], [2]]);
  });

  it('gives one free worker everything queued, up to maxBatch texts', () => {
    expect(shareQueue([1, 1, 1], 1, 64)).toEqual([[0, 1, 2]]);
    expect(shareQueue([30, 30, 30], 1, 64)).toEqual([[0, 1]]);
    expect(shareQueue([100, 1], 2, 64)).toEqual([[0], [1]]);
  });

  it('leaves the queue alone when no worker is idle', () => {
    expect(shareQueue([1, 2], 0, 64)).toEqual([]);
    expect(shareQueue([], 2, 64)).toEqual([]);
  });
});

describe('USE-Lite ONNX worker crash', () => {
  it('fails only the batch in flight and keeps serving on a replacement worker', async () => {
    const embedder = await createOnnxUseLiteWorkerEmbedder({
      stateDir: TEST_STATE_DIR,
      workers: 1,
    });
    try {
      const before = await embedder.embed(['a question about primes']);
      // Reach the worker the way a native crash would end it.
      const internals = embedder as unknown as { slots: { worker: Worker }[] };
      const exited = new Promise((resolve) => internals.slots[0]?.worker.once('exit', resolve));
      await internals.slots[0]?.worker.terminate();
      await exited;
      const after = await embedder.embed(['a question about primes']);
      expect(Array.from(after[0] ?? [])).toEqual(Array.from(before[0] ?? []));
    } finally {
      await embedder.close();
    }
  }, 120_000);
});
