import { Worker } from 'node:worker_threads';
import { RouterError, errorMessage } from '../core/index.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import { DEFAULT_MAX_CHARS, l2Normalize, prepareText } from './embedder.js';
import { ensureUseLiteGraph } from './onnx-use-lite-cache.js';
import { USE_LITE_MODEL_ID } from './use-lite-embedder.js';
import { collectStartupGarbage } from '../core/collect-garbage.js';

/** Options for {@link createOnnxUseLiteWorkerEmbedder}. */
export interface OnnxUseLiteWorkerOptions {
  /** State directory; the graph is cached in `<stateDir>/models/`. */
  readonly stateDir: string;
  /** Worker threads, each with one single-threaded onnxruntime session (~60 MB). @default 1 */
  readonly workers?: number;
  /** Texts per session run at most. @default 64 */
  readonly maxBatch?: number;
  /** Characters kept per text (head + tail). @default 4000 */
  readonly maxChars?: number;
  /** Progress messages (graph build or cache hit). */
  readonly log?: (message: string) => void;
}

interface Job {
  readonly texts: readonly string[];
  readonly resolve: (rows: Float32Array[]) => void;
  readonly reject: (error: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Jobs of the batch in flight on this worker; undefined when idle. */
  running: Job[] | undefined;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; rows: Float32Array[] }
  | { type: 'error'; id: number; message: string };

/**
 * USE-Lite on onnxruntime-node worker threads, with continuous batching: a call never waits on a timer.
 * Calls that arrive while every worker is busy queue up; a worker that comes free takes what is queued
 * (at most `maxBatch` texts), and when several are free the queue is shared between them, so closed-loop
 * clients cannot pile onto one worker (no convoys). Tokenizing and inference both run on the workers; the
 * main thread only moves texts and vectors.
 */
export async function createOnnxUseLiteWorkerEmbedder(
  options: OnnxUseLiteWorkerOptions,
): Promise<Embedder> {
  const modelPath = await ensureUseLiteGraph({
    stateDir: options.stateDir,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  // The graph's build (or checksum read) leaves about 60 MB behind: collect it before the workers
  // allocate their sessions (see collect-garbage.ts).
  collectStartupGarbage();
  const maxBatch = options.maxBatch ?? 64;
  const count = Math.max(1, options.workers ?? 1);
  const url = new URL('./onnx-use-lite-worker.mjs', import.meta.url);
  const spawn = (): Worker =>
    new Worker(url, { workerData: { modelPath, intraOpThreads: 1, maxBatch } });
  const workers = Array.from({ length: count }, spawn);
  try {
    await Promise.all(workers.map(waitReady));
  } catch (error: unknown) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw new RouterError('EMBEDDER_UNAVAILABLE', 'USE-Lite onnxruntime workers failed to start', {
      cause: error,
    });
  }
  return new OnnxUseLiteWorkerEmbedder(workers, {
    maxBatch,
    maxChars: options.maxChars ?? DEFAULT_MAX_CHARS,
    spawn,
  });
}

/**
 * Share the head of the queue (job sizes in texts, oldest first) between `idle` workers: each takes whole
 * jobs, in order, up to an even share of what is queued and at most `maxBatch` texts (a single larger job
 * still goes alone). Returns, per worker that gets work, the indices of its jobs; jobs left over wait for
 * the next worker that comes free.
 */
export function shareQueue(sizes: readonly number[], idle: number, maxBatch: number): number[][] {
  const plan: number[][] = [];
  let queued = sizes.reduce((sum, size) => sum + size, 0);
  let next = 0;
  for (let worker = 0; worker < idle && next < sizes.length; worker++) {
    const share = Math.min(maxBatch, Math.ceil(queued / (idle - worker)));
    const group: number[] = [];
    let taken = 0;
    while (next < sizes.length && taken < share) {
      const size = sizes[next] ?? 0;
      if (taken > 0 && taken + size > maxBatch) break;
      group.push(next);
      taken += size;
      next += 1;
    }
    queued -= taken;
    plan.push(group);
  }
  return plan;
}

/** Resolve on the worker's `ready` message; reject if it fails or exits first. Leaves no listener. */
function waitReady(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: unknown): void => {
      worker.off('message', onMessage);
      worker.off('error', done);
      worker.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(errorMessage(error)));
    };
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'ready') done();
    };
    const onExit = (code: number): void => done(new Error(`worker exited with code ${code}`));
    worker.on('message', onMessage);
    worker.on('error', done);
    worker.on('exit', onExit);
  });
}

/** Replacement workers started over the embedder's life after crashes; past this, a crash is final. */
const MAX_RESPAWNS = 8;

class OnnxUseLiteWorkerEmbedder implements Embedder {
  readonly modelId = USE_LITE_MODEL_ID;
  readonly dimension = 512;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly maxBatch: number;
  private readonly maxChars: number;
  private readonly spawn: () => Worker;
  private respawns = 0;
  private starting = 0;
  private dispatchScheduled = false;
  private closed = false;

  constructor(
    workers: readonly Worker[],
    options: { maxBatch: number; maxChars: number; spawn: () => Worker },
  ) {
    this.maxBatch = options.maxBatch;
    this.maxChars = options.maxChars;
    this.spawn = options.spawn;
    for (const worker of workers) this.attach(worker);
  }

  private attach(worker: Worker): void {
    const slot: Slot = { worker, running: undefined };
    worker.on('message', (message: WorkerMessage) => this.finish(slot, message));
    worker.on('error', (error: unknown) => this.fail(slot, error));
    worker.on('exit', (code) => this.fail(slot, new Error(`worker exited with code ${code}`)));
    this.slots.push(slot);
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    if (options.signal?.aborted === true) {
      return Promise.reject(new DOMException('This operation was aborted', 'AbortError'));
    }
    if (texts.length === 0) return Promise.resolve([]);
    if (this.closed || this.slots.length + this.starting === 0) {
      return Promise.reject(new RouterError('EMBEDDING_FAILED', 'USE-Lite embedder is closed'));
    }
    const prepared = texts.map((text) => prepareText(text, this.maxChars));
    // Large calls are cut into maxBatch pieces so every worker can take a share.
    const parts: Promise<Float32Array[]>[] = [];
    for (let start = 0; start < prepared.length; start += this.maxBatch) {
      const piece = prepared.slice(start, start + this.maxBatch);
      parts.push(
        new Promise((resolve, reject) => this.queue.push({ texts: piece, resolve, reject })),
      );
    }
    this.scheduleDispatch();
    return parts.length === 1
      ? (parts[0] as Promise<Float32Array[]>)
      : Promise.all(parts).then((rows) => rows.flat());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new RouterError('EMBEDDING_FAILED', 'USE-Lite embedder closed');
    for (const job of this.queue.splice(0)) job.reject(error);
    await Promise.all(
      this.slots.splice(0).map((slot) => {
        slot.worker.removeAllListeners('exit');
        slot.worker.removeAllListeners('error');
        for (const job of slot.running ?? []) job.reject(error);
        return slot.worker.terminate();
      }),
    );
  }

  /** Dispatch after the current I/O phase, so requests parsed together form one batch. */
  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    const idle = this.slots.filter((slot) => slot.running === undefined);
    const plan = shareQueue(
      this.queue.map((job) => job.texts.length),
      idle.length,
      this.maxBatch,
    );
    const taken = plan.reduce((sum, group) => sum + group.length, 0);
    const jobs = this.queue.splice(0, taken);
    let next = 0;
    plan.forEach((group, i) => {
      const slot = idle[i] as Slot;
      slot.running = jobs.slice(next, next + group.length);
      next += group.length;
      slot.worker.postMessage({ id: 0, texts: slot.running.flatMap((job) => job.texts) });
    });
  }

  private finish(slot: Slot, message: WorkerMessage): void {
    if (message.type === 'ready') return;
    const jobs = slot.running ?? [];
    slot.running = undefined;
    if (message.type === 'result') {
      let offset = 0;
      for (const job of jobs) {
        const rows = message.rows.slice(offset, offset + job.texts.length);
        offset += job.texts.length;
        job.resolve(rows.map((row) => l2Normalize(row)));
      }
    } else {
      const error = new RouterError(
        'EMBEDDING_FAILED',
        `USE-Lite worker failed: ${message.message}`,
      );
      for (const job of jobs) job.reject(error);
    }
    if (this.queue.length > 0) this.dispatch();
  }

  /** A worker died: fail its batch, start a replacement (bounded), and keep serving on the others. */
  private fail(slot: Slot, cause: unknown): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const error = new RouterError('EMBEDDING_FAILED', 'USE-Lite worker crashed', { cause });
    for (const job of slot.running ?? []) job.reject(error);
    slot.running = undefined;
    if (!this.closed && this.respawns < MAX_RESPAWNS) {
      this.respawns += 1;
      this.starting += 1;
      const worker = this.spawn();
      waitReady(worker).then(
        () => {
          this.starting -= 1;
          if (this.closed) {
            void worker.terminate();
            return;
          }
          this.attach(worker);
          this.dispatch();
        },
        () => {
          this.starting -= 1;
          void worker.terminate();
          this.rejectQueueIfNoWorker(error);
        },
      );
    }
    this.rejectQueueIfNoWorker(error);
    this.dispatch();
  }

  private rejectQueueIfNoWorker(error: unknown): void {
    if (this.slots.length + this.starting > 0) return;
    for (const job of this.queue.splice(0)) job.reject(error);
  }
}
