import { availableParallelism } from 'node:os';
import type { Config } from '../config/index.js';
import { RouterError, errorMessage } from '../core/index.js';
import {
  BatchingEmbedder,
  CachedEmbedder,
  HashEmbedder,
  createUseLiteEmbedder,
  createUseLiteWorkerPool,
  type Embedder,
} from '../embed/index.js';

/** Environment variable choosing USE-Lite's runtime: `onnx` (default) or `tfjs` (the reference). */
export const USE_LITE_RUNTIME_ENV = 'ARBITER_USE_LITE_RUNTIME';
/** Environment variable with the number of onnxruntime embedding workers (1-8). */
export const EMBED_WORKERS_ENV = 'ARBITER_EMBED_WORKERS';

const USE_LITE_RUNTIMES = ['onnx', 'tfjs'] as const;
type UseLiteRuntimeKind = (typeof USE_LITE_RUNTIMES)[number];

/** Options for {@link createEmbedder}. */
export interface CreateEmbedderOptions {
  /** Where a failed ONNX start is reported before falling back to tfjs. @default console.warn */
  readonly warn?: (message: string) => void;
  /** Progress messages (e.g. the USE-Lite ONNX graph built at first start). */
  readonly log?: (message: string) => void;
  /** Environment read for ARBITER_USE_LITE_RUNTIME and ARBITER_EMBED_WORKERS. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Construct the configured embedder (async load + warm-up) behind an LRU prompt cache.
 * `use-lite` runs on onnxruntime-node worker threads (graph rebuilt from the shipped weights, same vectors
 * and id as the tfjs model); if that cannot start it falls back to the tfjs model with a warning.
 * `ARBITER_USE_LITE_RUNTIME=tfjs` selects the tfjs model directly.
 */
export async function createEmbedder(
  config: Pick<Config, 'embedder' | 'embedderPath' | 'stateDir'>,
  options: CreateEmbedderOptions = {},
): Promise<Embedder> {
  switch (config.embedder) {
    case 'use-lite':
      return new CachedEmbedder(await useLite(config.stateDir, options));
    case 'hash':
      return new HashEmbedder({ dimension: 64 });
    case 'transformers': {
      const { createTransformersEmbedder, DEFAULT_STATIC_MODEL_PATH } =
        await import('../embed/transformers-embedder.js');
      return new CachedEmbedder(
        await createTransformersEmbedder({
          modelPath: config.embedderPath ?? DEFAULT_STATIC_MODEL_PATH,
        }),
      );
    }
  }
}

function runtimeKind(env: NodeJS.ProcessEnv): UseLiteRuntimeKind {
  const value = env[USE_LITE_RUNTIME_ENV] ?? 'onnx';
  if (!(USE_LITE_RUNTIMES as readonly string[]).includes(value)) {
    throw new RouterError(
      'CONFIG_INVALID',
      `${USE_LITE_RUNTIME_ENV} must be one of ${USE_LITE_RUNTIMES.join(', ')}, got "${value}"`,
      { details: { variable: USE_LITE_RUNTIME_ENV } },
    );
  }
  return value as UseLiteRuntimeKind;
}

function workerCount(env: NodeJS.ProcessEnv): number {
  const raw = env[EMBED_WORKERS_ENV];
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 8) {
    throw new RouterError('CONFIG_INVALID', `${EMBED_WORKERS_ENV} must be an integer in 1-8`, {
      details: { variable: EMBED_WORKERS_ENV },
    });
  }
  return value;
}

async function useLite(stateDir: string, options: CreateEmbedderOptions): Promise<Embedder> {
  const env = options.env ?? process.env;
  if (runtimeKind(env) === 'onnx') {
    const workers = workerCount(env);
    try {
      const { createOnnxUseLiteWorkerEmbedder } =
        await import('../embed/onnx-use-lite-worker-embedder.js');
      return await createOnnxUseLiteWorkerEmbedder({
        stateDir,
        workers,
        ...(options.log === undefined ? {} : { log: options.log }),
      });
    } catch (error: unknown) {
      const warn = options.warn ?? ((message: string) => console.warn(message));
      warn(`USE-Lite on onnxruntime unavailable, falling back to tfjs: ${errorMessage(error)}`);
    }
  }
  return useLiteOnWorkers();
}

/**
 * The tfjs USE-Lite on one worker thread per core (at most 2 here), behind a micro-batcher that keeps
 * every worker busy; the main thread stays free for HTTP. Falls back to the in-thread model if workers
 * cannot start.
 */
async function useLiteOnWorkers(): Promise<Embedder> {
  const workers = Math.min(2, availableParallelism());
  try {
    const pool = await createUseLiteWorkerPool({ workers });
    return new BatchingEmbedder(pool, { concurrency: workers });
  } catch {
    return new BatchingEmbedder(await createUseLiteEmbedder());
  }
}
