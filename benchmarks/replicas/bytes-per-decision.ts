/**
 * Storage per decision (with its outcome) in both stores, for the records the service writes
 * (routing-service.ts): a 512-float USE-Lite embedding, every catalog model as a candidate with its
 * prediction and score, the policy's feature vector, willingness to pay and (no) exclusions, no
 * prompt text (the default). DuckDB: growth of the database file over an empty migrated one, after
 * the stats catch-up (decision_facts and the hourly rollups included) and close (checkpointed).
 * PostgreSQL: growth of decisions, outcomes and candidate_sets with their indexes and TOAST
 * (pg_total_relation_size), after VACUUM.
 *
 *   nice -n 10 npx tsx benchmarks/replicas/bytes-per-decision.ts --decisions 20000 \
 *     --out benchmarks/results/replicas/bytes-per-decision.json
 *   nice -n 10 npx tsx benchmarks/replicas/bytes-per-decision.ts --decisions 100000 \
 *     --out benchmarks/results/replicas/bytes-per-decision-100k.json
 */
import { execSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { createPolicy, type BanditPolicyName } from '../../src/bandit/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createRng } from '../../src/core/index.js';
import { ROW_GROUP_SIZE } from '../../src/store/db.js';
import {
  openStore,
  type DecisionRecord,
  type OutcomeRecord,
  type Store,
} from '../../src/store/index.js';
import { startPgCluster } from '../../src/store/pg/__fixtures__/pg-cluster.js';
import { openPgStore } from '../../src/store/pg/index.js';

const DEFAULT_OUT = 'benchmarks/results/replicas/bytes-per-decision.json';
const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    out: { type: 'string', default: DEFAULT_OUT },
    // Whose feature vector each decision stores: the served default unless given.
    policy: { type: 'string' },
  },
});
const N = Number(values.decisions);
const DIMENSION = 512;
const rng = createRng(16);
const models = loadCatalog(loadConfig({ env: {} }).catalogPath).models.map((model) => model.id);
const served = loadConfig({ env: {} }).policy;
const policyName = (values.policy ?? (served === 'greedy' ? 'linucb' : served)) as BanditPolicyName;
const policy = createPolicy(policyName);

function record(i: number): { decision: DecisionRecord; outcome: OutcomeRecord } {
  const embedding = Float32Array.from({ length: DIMENSION }, () => rng.next() * 2 - 1);
  const id = `${i.toString(16).padStart(8, '0')}-4b2a-4c1d-9e8f-${(i * 7919).toString(16).padStart(12, '0')}`;
  const chosen = models[i % models.length] ?? 'm';
  const decision: DecisionRecord = {
    id,
    createdAtMs: Date.UTC(2026, 11, 1) + i * 10,
    tenant: 'acme',
    promptHash: (i * 2654435761).toString(16).padStart(64, 'a').slice(0, 64),
    promptText: null,
    embedding,
    embedderId: 'use-lite@1',
    candidates: models,
    chosenModel: chosen,
    propensity: 0.8,
    explored: i % 10 === 0,
    policy: policyName,
    policyVersion: i,
    predictorVersion: 'irt@4',
    predicted: models.map((model) => ({
      model,
      quality: rng.next(),
      costUsd: rng.next() / 100,
      score: rng.next(),
    })),
    // What routing-service.ts writes: willingness to pay, exclusions (usually none), bandit features.
    features: {
      willingness_to_pay: 0.5,
      excluded: [],
      policy_features: Array.from(policy.features(embedding)),
    },
  };
  const outcome: OutcomeRecord = {
    decisionId: id,
    idempotencyKey: `acme:call-${i}`,
    receivedAtMs: decision.createdAtMs + 1500,
    tenant: 'acme',
    model: chosen,
    quality: rng.next(),
    latencyMs: 800,
    inputTokens: 120,
    outputTokens: 300,
    costUsd: 0.0004,
    errorClass: null,
    fingerprint: (i * 40503).toString(16).padStart(64, '0'),
  };
  return { decision, outcome };
}

async function fill(store: Store): Promise<void> {
  for (let start = 0; start < N; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - start) }, (_, k) => record(start + k));
    await store.recordDecisions(batch.map((entry) => entry.decision));
    await store.decisions.flush();
    for (const entry of batch) store.outcomes.enqueue(entry.outcome);
    await store.outcomes.flush();
  }
}

// DuckDB: file growth over an empty migrated database.
const dir = mkdtempSync(join(tmpdir(), 'arbiter-bytes-'));
const emptyPath = join(dir, 'empty.duckdb');
await (await openStore({ path: emptyPath })).close();
const filledPath = join(dir, 'filled.duckdb');
const duck = await openStore({ path: filledPath });
await fill(duck);
await duck.stats.catchUp();
await duck.close();
const duckBytes = statSync(filledPath).size - statSync(emptyPath).size;
/** Bytes in blocks DuckDB uses (the file also holds free blocks a later checkpoint reuses). */
async function usedBytes(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    const [row] = (
      await connection.runAndReadAll(
        'SELECT (used_blocks * block_size)::DOUBLE AS bytes FROM pragma_database_size()',
      )
    ).getRowObjectsJS();
    return Number(row?.['bytes'] ?? 0);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
const duckUsedBytes = (await usedBytes(filledPath)) - (await usedBytes(emptyPath));
rmSync(dir, { recursive: true, force: true });

// PostgreSQL: decisions + outcomes with indexes and TOAST.
const cluster = await startPgCluster();
let pgBytes = 0;
const pgTables: Record<string, number> = {};
let pgDecisionRowBytes = 0;
try {
  const url = await cluster.createDatabase('bytes');
  const store = await openPgStore({ url });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const size = async (): Promise<Record<string, number>> => {
    await client.query('VACUUM ANALYZE decisions, outcomes, candidate_sets');
    const result = await client.query<{ name: string; bytes: number }>(
      `SELECT relname AS name, pg_total_relation_size(oid)::float8 AS bytes FROM pg_class
       WHERE relname IN ('decisions', 'outcomes', 'candidate_sets')`,
    );
    return Object.fromEntries(result.rows.map((row) => [row.name, row.bytes]));
  };
  const before = await size();
  await fill(store);
  const after = await size();
  const tuples = await client.query<{ bytes: number }>(
    'SELECT avg(pg_column_size(d.*))::float8 AS bytes FROM decisions d',
  );
  pgDecisionRowBytes = Math.round(tuples.rows[0]?.bytes ?? 0);
  for (const table of ['decisions', 'outcomes', 'candidate_sets']) {
    pgTables[table] = Math.round(((after[table] ?? 0) - (before[table] ?? 0)) / N);
    pgBytes += (after[table] ?? 0) - (before[table] ?? 0);
  }
  await client.end();
  await store.close();
} finally {
  await cluster.destroy();
}

const result = {
  command: `nice -n 10 npx tsx benchmarks/replicas/bytes-per-decision.ts --decisions ${N}${
    values.out === DEFAULT_OUT ? '' : ` --out ${values.out}`
  }${values.policy === undefined ? '' : ` --policy ${values.policy}`}`,
  policy: policyName,
  featuresPerDecision: policy.features(new Float32Array(DIMENSION)).length,
  date: new Date().toISOString(),
  commit: execSync('git rev-parse --short HEAD').toString().trim(),
  node: process.version,
  loadAverage1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  decisions: N,
  embeddingDimension: DIMENSION,
  candidatesPerDecision: models.length,
  duckdbBytesPerDecision: Math.round(duckBytes / N),
  duckdbUsedBytesPerDecision: Math.round(duckUsedBytes / N),
  duckdbRowGroupSize: ROW_GROUP_SIZE,
  postgresBytesPerDecision: Math.round(pgBytes / N),
  postgresBytesPerDecisionByTable: pgTables,
  postgresDecisionRowBytes: pgDecisionRowBytes,
  // The same command on the row format before DuckDB migration 6 / PostgreSQL migration 3
  // (float32 embedding, predictions and features as JSON), at commit aaee71a.
  before: { duckdbBytesPerDecision: 18036, postgresBytesPerDecision: 8108 },
  // The compact rows in DuckDB's default 122,880-row row groups (before db.ts ROW_GROUP_SIZE), at
  // commit ede626e: file growth (blocks in use) per decision at 20k and 100k decisions.
  beforeRowGroupSize: {
    duckdbRowGroupSize: 122880,
    duckdbBytesPerDecision: { 20000: 2097, 100000: 2375 },
    duckdbUsedBytesPerDecision: { 20000: 1507, 100000: 1340 },
  },
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
