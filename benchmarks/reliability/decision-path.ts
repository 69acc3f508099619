/**
 * Decision path figures for issue 13 (items 6 and 7), in process on a DuckDB file:
 * - route latency, one at a time and 16 at once (what durable-first decisions cost);
 * - feedback refusal time for an unknown id against another tenant's id (must be the same path).
 *
 *   npx tsx benchmarks/reliability/decision-path.ts [--routes 300] [--probes 400]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../../src/catalog/index.js';
import { createRng } from '../../src/core/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import { Router, priorArmPredictor } from '../../src/router/index.js';
import { RoutingService } from '../../src/service/index.js';
import { openStore } from '../../src/store/index.js';

const { values } = parseArgs({
  options: {
    routes: { type: 'string', default: '300' },
    probes: { type: 'string', default: '400' },
  },
});
const routes = Number(values.routes);
const probes = Number(values.probes);

function quantiles(samples: number[]): { p50: number; p90: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.floor(q * (sorted.length - 1))] ?? NaN).toFixed(3));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

const dir = mkdtempSync(join(tmpdir(), 'decision-path-'));
const store = await openStore({ path: join(dir, 'arbiter.duckdb') });
const catalog = loadCatalog();
const router = new Router({
  catalog: () => catalog,
  embedder: new HashEmbedder(),
  predictor: priorArmPredictor(),
  rng: createRng(1),
});
const service = new RoutingService({ router, store, catalog: () => catalog });

try {
  const sequential: number[] = [];
  for (let i = 0; i < routes; i++) {
    const started = performance.now();
    await service.route({ prompt: `probe ${i}`, tenant: 'acme' });
    sequential.push(performance.now() - started);
  }
  const concurrent: number[] = [];
  const wallStarted = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async (_, client) => {
      for (let i = 0; i < Math.ceil(routes / 16); i++) {
        const started = performance.now();
        await service.route({ prompt: `client ${client} probe ${i}`, tenant: 'acme' });
        concurrent.push(performance.now() - started);
      }
    }),
  );
  const wallS = (performance.now() - wallStarted) / 1000;

  const owned = await service.route({ prompt: 'owned by acme', tenant: 'acme' });
  const refusal = async (decisionId: string): Promise<number> => {
    const started = performance.now();
    await service
      .feedback({ decisionId, tenant: 'globex', idempotencyKey: 'k', quality: 1 })
      .catch(() => undefined);
    return performance.now() - started;
  };
  const unknown: number[] = [];
  const otherTenant: number[] = [];
  for (let i = 0; i < probes; i++) {
    // Interleaved, so drift in machine load hits both alike.
    unknown.push(await refusal(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`));
    otherTenant.push(await refusal(owned.decisionId));
  }
  console.log(
    JSON.stringify(
      {
        routeSequentialMs: quantiles(sequential),
        route16ConcurrentMs: quantiles(concurrent),
        route16ConcurrentPerS: Math.round(concurrent.length / wallS),
        feedbackRefusalMs: { unknownId: quantiles(unknown), otherTenantId: quantiles(otherTenant) },
        node: process.version,
        routes,
        probes,
      },
      null,
      2,
    ),
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
