import { Worker } from 'node:worker_threads';
import { RouterError } from '../core/index.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import { DEFAULT_MAX_CHARS, l2Normalize, prepareText } from './embedder.js';
import { USE_LITE_MODEL_ID } from './use-lite-embedder.js';

/** Options for {@link createUseLiteWorkerPool}. */
export interface WorkerPoolOptions {
  /** Worker threads, each with its own USE-Lite copy (~30 MB). @default 2 */
  readonly workers?: number;
  /** Characters kept per text (head + tail). @default 4000 */
  readonly maxChars?: number;
  /** The worker module (tests wrap the shipped one). @default ./use-lite-worker.mjs */
  readonly workerUrl?: URL;
}

interface Pending {
  readonly resolve: (rows: Float32Array[]) => void;
  readonly reject: (error: unknown) => void;
  readonly size: number;
  readonly worker: Slot;
}

interface Slot {
  readonly worker: Worker;
  load: number;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; rows: Float32Array[] }
  | { type: 'error'; id: number; message: string };

/**
 * USE-Lite on worker threads: each worker holds a model copy and runs one batch at a time, so the
 * main thread keeps serving HTTP while up to `workers` batches embed in parallel on other cores.
 * Batches go to the least-loaded worker. Pair it with a BatchingEmbedder whose concurrency equals
 * the worker count.
 */
export async function createUseLiteWorkerPool(options: WorkerPoolOptions = {}): Promise<Embedder> {
  const count = Math.max(1, options.workers ?? 2);
  const url = options.workerUrl ?? new URL('./use-lite-worker.mjs', import.meta.url);
  const pending = new Map<number, Pending>();
  const slots: Slot[] = [];
  try {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const worker = new Worker(url);
        const slot: Slot = { worker, load: 0 };
        // Started once the worker says so, whatever that takes; failed if it errors or exits first.
        slots.push(slot);
        await new Promise<void>((resolve, reject) => {
          const exited = (code: number): void =>
            reject(new Error(`USE-Lite worker exited with code ${code} before it was ready`));
          worker.once('error', reject);
          worker.once('exit', exited);
          worker.once('message', (message: WorkerMessage) => {
            if (message.type !== 'ready') return;
            worker.off('error', reject);
            worker.off('exit', exited);
            resolve();
          });
        });
        worker.on('message', (message: WorkerMessage) => {
          if (message.type === 'ready') return;
          const job = pending.get(message.id);
          if (job === undefined) return;
          pending.delete(message.id);
          job.worker.load -= job.size;
          if (message.type === 'result') job.resolve(message.rows.map((row) => l2Normalize(row)));
          else
            job.reject(
              new RouterError('EMBEDDING_FAILED', `USE-Lite worker failed: ${message.message}`),
            );
        });
        const failPending = (cause: unknown): void => {
          for (const [id, job] of pending) {
            if (job.worker !== slot) continue;
            pending.delete(id);
            job.reject(new RouterError('EMBEDDING_FAILED', 'USE-Lite worker crashed', { cause }));
          }
        };
        worker.on('error', failPending);
        worker.on('exit', (code) => failPending(new Error(`worker exited with code ${code}`)));
      }),
    );
  } catch (error: unknown) {
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
    throw new RouterError('EMBEDDER_UNAVAILABLE', 'USE-Lite workers failed to start', {
      cause: error,
    });
  }

  let nextId = 0;
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const run = (texts: string[]): Promise<Float32Array[]> => {
    const slot = slots.reduce((best, candidate) => (candidate.load < best.load ? candidate : best));
    const id = nextId++;
    slot.load += texts.length;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, size: texts.length, worker: slot });
      slot.worker.postMessage({ id, texts });
    });
  };

  return {
    modelId: USE_LITE_MODEL_ID,
    dimension: 512,
    async embed(
      texts: readonly string[],
      embedOptions: EmbedOptions = {},
    ): Promise<Float32Array[]> {
      embedOptions.signal?.throwIfAborted();
      if (texts.length === 0) return [];
      const prepared = texts.map((text) => prepareText(text, maxChars));
      // Large batches are split across workers; small ones go to one worker.
      const share = Math.max(32, Math.ceil(prepared.length / slots.length));
      const parts: Promise<Float32Array[]>[] = [];
      for (let start = 0; start < prepared.length; start += share) {
        parts.push(run(prepared.slice(start, start + share)));
      }
      return (await Promise.all(parts)).flat();
    },
    async close(): Promise<void> {
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
