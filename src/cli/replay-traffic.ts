import { parseArgs } from 'node:util';
import { CatalogRegistry, loadCatalog } from '../catalog/index.js';
import { loadConfig, type Config } from '../config/index.js';
import { RouterError, createRng, errorMessage, isRouterError, type Clock } from '../core/index.js';
import { loadDataset, resolveDataDir, type RoutingDataset } from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import { Router } from '../router/index.js';
import { ProductionControls, RoutingService, loadTenantsFile } from '../service/index.js';
import { replayTraffic, syntheticDataset, type TrafficReplaySummary } from '../stats/index.js';
import { openStore } from '../store/index.js';
import { attachBandit, exploreOnceLearning, loadArmPredictor, loadPolicy } from './bootstrap.js';
import { createEmbedder } from './create-embedder.js';
import type { Command } from './main.js';

const HELP = `Usage: arbiter replay-traffic [--dataset NAME|synthetic] [--decisions N] [--hours H]
         [--seed N] [--tenants a,b] [--data-dir DIR] [--db FILE] [--embedder use-lite|hash]

Fill the service's DuckDB file (ARBITER_DB, default ./data/arbiter.duckdb) with a seeded replay of
routing traffic, so GET /v1/stats/* and /dashboard have data: each prompt of the dataset (default
llmrouter, from ARBITER_DATA_DIR) is routed by the real router and bandit among the dataset's
models, with the decision time spread over the last H hours (default 24), and the quality the
dataset observed for the chosen model is reported as feedback. Latency, a 2% error rate and one
outage of the best model (its circuit opens) come from the seed. Run it while the service is
stopped (DuckDB allows one process per file). --dataset synthetic needs no data directory.
`;

/** Options of {@link runTrafficReplay}. */
export interface TrafficReplayRun {
  readonly config: Readonly<Config>;
  /** A dataset name (see `arbiter bench`), or `synthetic`. @default 'llmrouter' */
  readonly dataset?: string;
  /** Root of the shared data. @default ARBITER_DATA_DIR or ../shared/data */
  readonly dataDir?: string;
  /** @default 3000 */
  readonly decisions?: number;
  /** @default 24 */
  readonly hours?: number;
  /** @default 7 */
  readonly seed?: number;
  /** @default ['acme', 'globex'] */
  readonly tenants?: readonly string[];
  /** End of the timeline, epoch ms. @default now */
  readonly endMs?: number;
  /** The embedder; created from the config when absent (closed by the caller then). */
  readonly embedder?: Embedder;
  readonly onProgress?: (done: number) => void;
}

/** Load the replayed dataset: a shared one, or the seeded synthetic one. */
function replayDataset(run: TrafficReplayRun, models: readonly string[]): RoutingDataset {
  const name = run.dataset ?? 'llmrouter';
  if (name !== 'synthetic') {
    return loadDataset(name, { dataDir: run.dataDir ?? resolveDataDir() });
  }
  return syntheticDataset({ models, prompts: 500, rng: createRng((run.seed ?? 7) + 1) });
}

/**
 * Compose a router, bandit and routing service over the configured DuckDB file with a clock the
 * replay moves, and replay the traffic through them. The store is closed at the end.
 */
export async function runTrafficReplay(run: TrafficReplayRun): Promise<TrafficReplaySummary> {
  const { config } = run;
  const seed = run.seed ?? 7;
  const registry = new CatalogRegistry(loadCatalog(config.catalogPath));
  const catalog = () => registry.current();
  // Synthetic traffic uses one current catalog model from each of six providers (an outage of
  // one then opens its model's and its provider's breakers without shutting the others out).
  const byProvider = new Map<string, string>();
  for (const model of catalog().models) {
    if (model.legacy === true || model.disabled === true || byProvider.has(model.provider))
      continue;
    byProvider.set(model.provider, model.id);
  }
  const syntheticModels = [...byProvider.values()].slice(0, 6);
  const dataset = replayDataset(run, syntheticModels);
  const tenants =
    config.tenantsFile === undefined ? undefined : loadTenantsFile(config.tenantsFile);
  let now = run.endMs ?? Date.now();
  const endMs = now;
  const clock: Clock = { now: () => now };
  const store = await openStore({
    path: config.dbPath,
    storePromptText: config.storePrompts,
    clock,
  });
  const embedder = run.embedder ?? (await createEmbedder(config));
  try {
    const controls = await ProductionControls.create({
      store,
      catalog,
      clock,
      ...(tenants === undefined ? {} : { tenants }),
      onCircuitTransition: (transition) => {
        store.circuitEvents.record(transition).catch((error: unknown) => {
          process.stderr.write(`circuit event not recorded: ${errorMessage(error)}\n`);
        });
      },
    });
    const policy = config.policy === 'greedy' ? undefined : await loadPolicy(store, config.policy);
    const router = new Router({
      catalog,
      embedder,
      predictor: loadArmPredictor(config.artifactDir, embedder, () => undefined),
      controls: controls.routing(),
      rng: createRng(seed),
      clock,
      ...(policy === undefined ? {} : { policy: exploreOnceLearning(policy) }),
    });
    const service = new RoutingService({
      router,
      store,
      catalog,
      clock,
      storePrompts: config.storePrompts,
    });
    service.onOutcome(controls.onOutcome);
    const learning = policy === undefined ? undefined : attachBandit({ service, policy, store });
    let n = 0;
    const summary = await replayTraffic({
      dataset,
      decisions: run.decisions ?? 3000,
      rng: createRng(seed),
      startMs: endMs - (run.hours ?? 24) * 3_600_000,
      // The last outcome arrives after its decision: leave it a minute so all land before `endMs`.
      endMs: endMs - 60_000,
      tenants: run.tenants ?? ['acme', 'globex'],
      setTime: (ms) => {
        now = ms;
      },
      route: async (request) => {
        try {
          return await service.route(request);
        } catch (error: unknown) {
          // Every candidate excluded (circuits open): the service refused, as it would live.
          if (isRouterError(error, 'NO_ELIGIBLE_ARM')) return undefined;
          throw error;
        }
      },
      feedback: async (report) => {
        n += 1;
        await service.feedback({
          ...report,
          idempotencyKey: `replay-${seed}-${n}`,
          ...(report.errorClass === undefined ? {} : { errorClass: report.errorClass }),
        });
      },
      ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }),
    });
    await learning?.close();
    await controls.save();
    return summary;
  } finally {
    await store.close();
    if (run.embedder === undefined) await embedder.close();
  }
}

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new RouterError('INPUT_INVALID', `--${flag} must be a positive integer`, {
      details: { field: flag },
    });
  }
  return value;
}

/** `arbiter replay-traffic`. */
export const replayTrafficCommand: Command = {
  summary: 'fill the database with a seeded replay of routing traffic (for the dashboard)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        dataset: { type: 'string', default: 'llmrouter' },
        decisions: { type: 'string' },
        hours: { type: 'string' },
        seed: { type: 'string' },
        tenants: { type: 'string' },
        'data-dir': { type: 'string' },
        db: { type: 'string' },
        embedder: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const config = loadConfig({
      overrides: {
        ...(values.db === undefined ? {} : { dbPath: values.db }),
        ...(values.embedder === undefined
          ? {}
          : { embedder: values.embedder as Config['embedder'] }),
      },
    });
    const summary = await runTrafficReplay({
      config,
      dataset: values.dataset,
      decisions: positiveInteger(values.decisions, 'decisions', 3000),
      hours: positiveInteger(values.hours, 'hours', 24),
      seed: positiveInteger(values.seed, 'seed', 7),
      ...(values.tenants === undefined ? {} : { tenants: values.tenants.split(',') }),
      ...(values['data-dir'] === undefined ? {} : { dataDir: values['data-dir'] }),
      onProgress: (done) => process.stderr.write(`  ${done} decisions\n`),
    });
    process.stdout.write(
      `${JSON.stringify({ db: config.dbPath, dataset: values.dataset, ...summary })}\n`,
    );
    return 0;
  },
};
