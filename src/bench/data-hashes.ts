import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { RoutingDataset } from '../data/index.js';

/** sha256 of each source file, keyed by its path relative to the data directory. */
export function hashSources(
  datasets: readonly RoutingDataset[],
  dataDir: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const dataset of datasets) {
    for (const path of dataset.sources ?? []) {
      out[relative(dataDir, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
