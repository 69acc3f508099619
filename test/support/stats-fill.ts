/**
 * A state dir whose DuckDB file holds a seeded traffic replay (src/stats/traffic-replay.ts), with
 * keys for `acme`, `globex` and an admin, and a tenants file giving `acme` a budget. Real routing
 * data (the llmrouter set) when the shared data is there, else the seeded synthetic set.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTrafficReplay } from '../../src/cli/replay-traffic.js';
import { loadConfig } from '../../src/config/index.js';
import { DATA_PATHS, resolveDataDir } from '../../src/data/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import type { TrafficReplaySummary } from '../../src/stats/index.js';
import { makeStateDir, type TestKeys } from './service.js';

/** What {@link fillStatsState} made. */
export interface FilledState {
  readonly dir: string;
  readonly keys: TestKeys;
  readonly dbPath: string;
  readonly tenantsFile: string;
  /** `llmrouter` (real data) or `synthetic`. */
  readonly dataset: string;
  readonly summary: TrafficReplaySummary;
}

/** Daily and monthly budget of `acme` in the tenants file. */
export const ACME_BUDGET = { daily_usd: 0.5, monthly_usd: 5 };

/** Replay `decisions` decisions over the `hours` before now into a fresh state dir. */
export async function fillStatsState(
  options: { decisions?: number; hours?: number; storePrompts?: boolean } = {},
): Promise<FilledState> {
  const { dir, keys } = makeStateDir();
  const tenantsFile = join(dir, 'tenants.json');
  writeFileSync(tenantsFile, JSON.stringify({ tenants: { acme: { budget: ACME_BUDGET } } }));
  const dbPath = join(dir, 'arbiter.duckdb');
  const dataDir = resolveDataDir();
  const dataset = existsSync(join(dataDir, DATA_PATHS.llmRouterTrain)) ? 'llmrouter' : 'synthetic';
  const config = loadConfig({
    env: {},
    overrides: {
      stateDir: dir,
      dbPath,
      embedder: 'hash',
      artifactDir: join(dir, 'no-artifact'),
      tenantsFile,
      storePrompts: options.storePrompts ?? true,
    },
  });
  const summary = await runTrafficReplay({
    config,
    dataset,
    dataDir,
    decisions: options.decisions ?? 240,
    hours: options.hours ?? 2,
    seed: 7,
    embedder: new HashEmbedder(),
  });
  return { dir, keys, dbPath, tenantsFile, dataset, summary };
}
