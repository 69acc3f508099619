/**
 * The `everyday` training set: hand-written everyday requests (greetings, lookups, short edits and
 * translations, one-line arithmetic) that every current model answers well, shipped with the
 * project (training/everyday/prompts.jsonl, MIT; built by training/everyday/build.mts).
 *
 * The permissive outcome sets hold benchmark questions only, so a quality model trained on them
 * alone cannot tell "hi" from an exam item. This set states one fact about all models: on these
 * prompts every model does well. It has no model columns; `everyModelLabel` gives each row the label
 * 1 for every model of the merged training set, on the served label scale (no per-dataset offset).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouterError, sha256Hex } from '../core/index.js';
import type { RoutingDataset } from './dataset.js';

/** The shipped file, relative to the package root. */
export const EVERYDAY_FILE = join('training', 'everyday', 'prompts.jsonl');

/** The shipped file's absolute path. */
function shippedPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', EVERYDAY_FILE);
}

/**
 * SHA-256 of the shipped everyday file: committed results trained on it record it, so that a test
 * can tell when the rows changed under them (src/bench/committed-results.test.ts).
 */
export function everydaySha256(path: string = shippedPath()): string {
  return sha256Hex(readFileSync(path, 'utf8'));
}

/** Load the everyday set (from the package, not the shared data directory). */
export function loadEveryday(path: string = shippedPath()): RoutingDataset {
  if (!existsSync(path)) {
    throw new RouterError('DATA_MISSING', `everyday prompts not found at ${path}`, {
      details: { path },
    });
  }
  const prompts = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      const row = JSON.parse(line) as { text?: unknown; template?: unknown };
      if (typeof row.text !== 'string' || row.text.trim().length === 0) {
        throw new RouterError('INPUT_INVALID', `${path}:${i + 1}: "text" must be a non-empty string`);
      }
      const group = typeof row.template === 'string' ? row.template : 'everyday';
      return { id: `everyday/${i}`, text: row.text, group, quality: new Float64Array(0) };
    });
  return { name: 'everyday', models: [], prompts, sources: [path], everyModelLabel: 1 };
}
