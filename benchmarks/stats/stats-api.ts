/**
 * Stats API latency on a large decision log: N decisions (default 1,000,000) and one outcome each,
 * spread over the 7 days before now across 20 models and 50 tenants, each decision with an 8-entry
 * `predicted` JSON. Measured through the HTTP stack (`app.inject`, the same plugin the service
 * registers): GET /v1/stats/overview?window=7d as an admin (every tenant) and as a tenant, and
 * GET /v1/stats/decisions. The first overview also copies every decision into decision_facts
 * (the one-time catch-up); it is reported apart from the timed repeats.
 *
 *   npx tsx benchmarks/stats/stats-api.ts [--decisions 1000000] [--repeats 30] [--out FILE.md]
 *
 * The rows are generated in SQL with a fixed seed (DuckDB `setseed`), straight into the tables the
 * migrations create; everything read goes through the store, the stats reader and the route.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { CatalogRegistry, loadCatalog } from '../../src/catalog/index.js';
import { systemClock } from '../../src/core/index.js';
import { createKeyRegistry, generateApiKey } from '../../src/server/auth.js';
import { buildApp } from '../../src/server/app.js';
import { createStatsReader } from '../../src/stats/index.js';
import { openStore } from '../../src/store/index.js';
import { BACKFILL_DECISION_COSTS_SQL } from '../../src/store/migrations.js';

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '1000000' },
    repeats: { type: 'string', default: '30' },
    out: { type: 'string' },
    /** Reuse (or keep) this database file instead of a fresh temp one. */
    db: { type: 'string' },
  },
});
const N = Number(values.decisions);
const REPEATS = Number(values.repeats);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'arbiter-stats-bench-'));
const path = values.db ?? join(dir, 'stats.duckdb');
const reuse = values.db !== undefined && existsSync(values.db);
const now = Date.now();
const startMs = now - 7 * DAY + 60_000;

// 1. Schema through the store's migrations, then bulk rows in SQL (the appender path is measured
//    in store.bench.ts; here only the reads matter).
await (await openStore({ path })).close();
const fillStarted = performance.now();
if (!reuse) {
  const instance = await DuckDBInstance.create(path, { threads: '2', memory_limit: '1GB' });
  const connection = await instance.connect();
  await connection.run('SELECT setseed(0.42)');
  // The old row form (predicted JSON), then its cost columns, as migration 6 does for old rows.
  await connection.run(`INSERT INTO decisions (id, created_at, tenant, prompt_hash, prompt_text,
      embedding, embedder_id, candidates, chosen_model, propensity, explored, policy,
      policy_version, predictor_version, predicted, features)
    SELECT uuid()::VARCHAR, epoch_ms(${startMs} + (i * ${(7 * DAY - 120_000) / N})::BIGINT),
      't' || (i % 50), md5(i::VARCHAR), NULL, NULL, NULL,
      ['m' || (i % 20), 'm' || ((i + 3) % 20)], 'm' || (i % 20), 0.9, random() < 0.1, 'thompson', 1,
      'bench@1',
      '[' || list_aggregate(list_transform(range(8), k ->
        '{"model":"m' || ((i + k * 3) % 20) || '","quality":' || round(random(), 4) ||
        ',"costUsd":' || round(random() / 1000, 7) || ',"score":0.5}'), 'string_agg', ',') || ']',
      '{"willingness_to_pay":0.002,"excluded":[]}'
    FROM range(${N}) r(i)`);
  await connection.run(BACKFILL_DECISION_COSTS_SQL);
  await connection.run(`INSERT INTO outcomes
    SELECT id, 'k-' || id, created_at + INTERVAL 2 SECOND, tenant, chosen_model,
      CASE WHEN random() < 0.05 THEN NULL ELSE round(random(), 3) END, 200 + random() * 3000,
      100, 200, round(random() / 1000, 7),
      CASE WHEN random() < 0.05 THEN ['timeout', 'rate_limited', 'server_error'][1 + (random() * 3)::INTEGER % 3] END,
      NULL
    FROM decisions`);
  connection.closeSync();
  instance.closeSync();
}
const fillMs = performance.now() - fillStarted;

// 2. The service's read path: store, stats reader, Fastify route.
const store = await openStore({ path });
const admin = generateApiKey();
const tenant = generateApiKey();
const app = await buildApp({
  registry: new CatalogRegistry(loadCatalog()),
  service: () => undefined,
  keys: createKeyRegistry({
    keys: [
      { sha256: admin.sha256, tenant: 'ops', role: 'admin' },
      { sha256: tenant.sha256, tenant: 't7', role: 'tenant' },
    ],
  }),
  rateLimitPerMinute: 0,
  stats: createStatsReader({
    stats: store.stats,
    circuitEvents: store.circuitEvents,
    promptStorage: false,
    clock: systemClock,
  }),
});

async function timed(url: string, key: string): Promise<{ ms: number; body: string }> {
  const started = performance.now();
  const response = await app.inject({ url, headers: { authorization: `Bearer ${key}` } });
  const ms = performance.now() - started;
  if (response.statusCode !== 200)
    throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return { ms, body: response.body };
}

const first = await timed('/v1/stats/overview?window=7d', admin.key);
const decisionsSeen = (JSON.parse(first.body) as { totals: { decisions: number } }).totals
  .decisions;

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

const cases = [
  [
    'overview, admin (all tenants), window=7d (hour buckets)',
    '/v1/stats/overview?window=7d',
    admin.key,
  ],
  ['overview, tenant key, window=7d', '/v1/stats/overview?window=7d', tenant.key],
  ['overview, admin, window=24h (hour buckets)', '/v1/stats/overview?window=24h', admin.key],
  ['decisions, admin, limit=50', '/v1/stats/decisions?limit=50', admin.key],
] as const;
const rows: string[] = [];
for (const [name, url, key] of cases) {
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) samples.push((await timed(url, key)).ms);
  samples.sort((a, b) => a - b);
  rows.push(
    `| ${name} | ${REPEATS} | ${percentile(samples, 0.5).toFixed(1)} | ` +
      `**${percentile(samples, 0.95).toFixed(1)}** | ${(samples.at(-1) ?? Number.NaN).toFixed(1)} |`,
  );
  process.stderr.write(`${rows.at(-1)}\n`);
}
// Where the time goes: each store query of a 7-day overview on its own (hour-aligned, as the
// route asks: every tenant reads the hourly rollups, one tenant reads the rows).
const query = {
  sinceMs: Math.floor((now - 7 * DAY) / 3_600_000) * 3_600_000,
  untilMs: Math.ceil(Date.now() / 3_600_000) * 3_600_000,
  bucketMs: 3_600_000,
};
const parts = [
  ['decision aggregates, every tenant (rollup)', () => store.stats.decisionAggregates(query)],
  ['outcome aggregates, every tenant (rollup)', () => store.stats.outcomeAggregates(query)],
  [
    'decision aggregates, one tenant (decision_facts)',
    () => store.stats.decisionAggregates({ ...query, tenant: 't7' }),
  ],
  [
    'outcome aggregates, one tenant (outcomes, exact p50/p95)',
    () => store.stats.outcomeAggregates({ ...query, tenant: 't7' }),
  ],
  [
    'spend this day and month',
    () =>
      store.stats.spend({
        dayStartMs: now - DAY,
        monthStartMs: now - 30 * DAY,
        untilMs: Date.now(),
      }),
  ],
] as const;
const partRows: string[] = [];
for (const [name, run] of parts) {
  const samples: number[] = [];
  for (let i = 0; i < Math.min(REPEATS, 10); i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  partRows.push(`| ${name} | ${samples.length} | ${percentile(samples, 0.5).toFixed(1)} |`);
  process.stderr.write(`${partRows.at(-1)}\n`);
}
await app.close();
await store.close();
rmSync(dir, { recursive: true, force: true });

const command = `npx tsx benchmarks/stats/stats-api.ts --decisions ${N} --repeats ${REPEATS}`;
const report = `# Stats API latency

Command: \`${command}\`
Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · Node ${process.version} ·
${cpus().length} cores · load average at the end ${loadavg()
  .map((v) => v.toFixed(1))
  .join(
    ' / ',
  )} · DuckDB file under \`os.tmpdir()\`, \`threads: '2'\`, \`memory_limit\` 512MB (store default).

Data: ${N.toLocaleString('en-US')} decisions over the 7 days before the run (20 models, 50 tenants, an
8-candidate \`predicted\` JSON each, 10% explored) and one outcome each (5% errors, latency, quality,
cost); generated in SQL in ${(fillMs / 1000).toFixed(1)} s. The overview saw ${decisionsSeen.toLocaleString('en-US')} decisions.

First overview (copies every decision's chosen and best-quality cost out of the \`predicted\` JSON
into \`decision_facts\`, once): **${(first.ms / 1000).toFixed(2)} s**. Later reads copy only
decisions written since (by rowid), so the timed repeats below measure the queries themselves.

Times through the HTTP stack (\`app.inject\`: auth, validation, DuckDB, shaping, serialisation), ms:

| request | repeats | p50 | p95 | max |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

The store queries of one admin 7-day overview, each alone (ms):

| query | repeats | p50 |
| --- | ---: | ---: |
${partRows.join('\n')}
`;
if (values.out !== undefined) writeFileSync(values.out, report);
process.stdout.write(report);
