/**
 * Replicas under SIGKILL: N `arbiter serve` processes on loopback share one throwaway PostgreSQL
 * cluster; closed-loop clients send /v1/route to one replica and its /v1/feedback to the next
 * (round robin over the live ones); every `--every` acknowledged feedbacks a seeded-random replica
 * is killed with SIGKILL and started again. At the end the database is checked against what was
 * acknowledged, every replica's pooled bandit state is compared, and the state saved on a clean
 * stop is compared with one process replaying the stored outcomes.
 *
 *   npx tsx benchmarks/replicas/faults.ts --replicas 3 --kills 10 --clients 6 --every 150 \
 *     --out benchmarks/results/replicas/faults.json
 *
 * The learning cap is off (ARBITER_LEARN_CAP=0) so that pooled learning can be compared with a
 * plain replay of every outcome. The cluster runs with fsync=off (test fixture): the faults here
 * are replica kills, not database crashes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createPolicy, policyFromState } from '../../src/bandit/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createRng } from '../../src/core/index.js';
import {
  catchUpPolicy,
  clientIdempotencyKey,
  createReplicaSync,
  FEED_CURSOR_FIELD,
  type ReplicaStatus,
} from '../../src/service/index.js';
import { startPgCluster } from '../../src/store/pg/__fixtures__/pg-cluster.js';
import { openPgStore } from '../../src/store/pg/index.js';
import {
  startReplica,
  stopReplica,
  writeSharedKeys,
  type Replica,
} from '../../test/support/replica-processes.js';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '3' },
    kills: { type: 'string', default: '10' },
    clients: { type: 'string', default: '6' },
    every: { type: 'string', default: '150' },
    seed: { type: 'string', default: '16' },
    out: { type: 'string', default: 'benchmarks/results/replicas/faults.json' },
  },
});
const REPLICAS = Number(values.replicas);
const KILLS = Number(values.kills);
const CLIENTS = Number(values.clients);
const EVERY = Number(values.every);
const SEED = Number(values.seed);

const rng = createRng(SEED);
const cluster = await startPgCluster();
const slots: Slot[] = [];
/** Kill whatever is still running (also on Ctrl-C or a timeout's SIGTERM), then drop the cluster. */
async function cleanup(): Promise<void> {
  for (const slot of slots)
    if (slot.replica !== undefined) await stopReplica(slot.replica, 'SIGKILL');
  await cluster.destroy();
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });
}
const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
};
const databaseUrl = await cluster.createDatabase('faults');
const keys = writeSharedKeys('bench');
const headers = { authorization: `Bearer ${keys.key}`, 'content-type': 'application/json' };
// The per-key rate limit (12,000/min per replica by default) is off: throughput is what is measured.
const env = {
  ARBITER_POLICY: 'linucb',
  ARBITER_KEYS_FILE: keys.file,
  ARBITER_LEARN_CAP: '0',
  ARBITER_RATE_LIMIT: '0',
};

interface Slot {
  replica: Replica | undefined;
  generation: number;
}
const start = (index: number, generation: number): Promise<Replica> =>
  startReplica({ id: `r${index}.${generation}`, databaseUrl, env });
for (const [index, replica] of (
  await Promise.all(Array.from({ length: REPLICAS }, (_, i) => start(i, 0)))
).entries()) {
  slots[index] = { replica, generation: 0 };
}

const ackDecisions = new Set<string>();
const ackFeedback = new Map<string, string>();
const routeLatencies: number[] = [];
const failures: Record<string, number> = {};
let stop = false;
let next = 0;
let sequence = 0;

function alive(): Replica[] {
  return slots.flatMap((slot) => (slot.replica === undefined ? [] : [slot.replica]));
}

async function post(replica: Replica, path: string, body: unknown, extra = {}) {
  const response = await fetch(`${replica.url}${path}`, {
    method: 'POST',
    headers: { ...headers, ...extra },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function fail(reason: string): void {
  failures[reason] = (failures[reason] ?? 0) + 1;
}

async function client(): Promise<void> {
  while (!stop) {
    const live = alive();
    // Feedback goes to another replica than the decider's; with --replicas 1 to the same one.
    if (live.length < Math.min(2, REPLICAS)) {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    const n = next++;
    const decider = live[n % live.length] as Replica;
    const receiver = live[(n + 1) % live.length] as Replica;
    const i = sequence++;
    let decisionId: string;
    try {
      const began = performance.now();
      const routed = await post(decider, '/v1/route', { prompt: `benchmark prompt ${i % 500}` });
      if (routed.status !== 200) {
        fail(`route ${routed.status}`);
        continue;
      }
      routeLatencies.push(performance.now() - began);
      decisionId = String(routed.body['decision_id']);
      ackDecisions.add(decisionId);
    } catch {
      fail('route connection');
      continue;
    }
    const key = `fb-${i}`;
    try {
      const quality = ((i * 7) % 11) / 10;
      const answered = await post(
        receiver,
        '/v1/feedback',
        { decision_id: decisionId, quality },
        { 'idempotency-key': key },
      );
      if (answered.status === 200) ackFeedback.set(key, decisionId);
      else fail(`feedback ${answered.status}`);
    } catch {
      fail('feedback connection');
    }
  }
}

const began = performance.now();
const clients = Array.from({ length: CLIENTS }, () => client());
const kills: { atFeedback: number; replica: string; restartMs: number }[] = [];
for (let k = 0; k < KILLS; k++) {
  const target = ackFeedback.size + EVERY;
  while (ackFeedback.size < target) await new Promise((resolve) => setTimeout(resolve, 20));
  const index = Math.floor(rng.next() * REPLICAS);
  const slot = slots[index] as Slot;
  const victim = slot.replica as Replica;
  slot.replica = undefined; // clients stop picking it before it dies
  await stopReplica(victim, 'SIGKILL');
  const restartBegan = performance.now();
  slot.generation += 1;
  slot.replica = await start(index, slot.generation);
  log(`killed ${victim.id}, restarted as ${slot.replica.id}`);
  kills.push({
    atFeedback: ackFeedback.size,
    replica: victim.id,
    restartMs: Math.round(performance.now() - restartBegan),
  });
}
const target = ackFeedback.size + EVERY;
while (ackFeedback.size < target) await new Promise((resolve) => setTimeout(resolve, 20));
stop = true;
await Promise.all(clients);
const seconds = (performance.now() - began) / 1000;

// Check the database against everything acknowledged.
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const storedDecisions = new Set(
  (await db.query<{ id: string }>('SELECT id FROM decisions')).rows.map((row) => row.id),
);
const storedOutcomes = new Set(
  (await db.query<{ k: string }>('SELECT idempotency_key AS k FROM outcomes')).rows.map(
    (row) => row.k,
  ),
);
const lostDecisions = [...ackDecisions].filter((id) => !storedDecisions.has(id)).length;
// The service stores a client key scoped by tenant (service/idempotency.ts).
const lostFeedback = [...ackFeedback.keys()].filter(
  (key) => !storedOutcomes.has(clientIdempotencyKey('bench', key)),
).length;

// Wait for every live replica to read the feed up to its current tip, then compare their states.
const total = storedOutcomes.size;
const checker = await openPgStore({ url: databaseUrl, replicaId: 'checker' });
const tip = await checker.feed.tip();
let statuses: ReplicaStatus[] = [];
const ids = alive().map((replica) => `replica:${replica.id}`);
log(`load stopped after ${Math.round(seconds)} s; waiting for replicas to reach ${tip}`);
while (
  statuses.length < ids.length ||
  statuses.some((status) => status.cursor === null || checker.feed.compare(status.cursor, tip) < 0)
) {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const rows = await db.query<{ value: string }>(
    'SELECT value FROM meta WHERE key = ANY($1::text[])',
    [ids],
  );
  statuses = rows.rows.map((row) => JSON.parse(row.value) as ReplicaStatus);
}
await db.end();
const hashes = new Set(statuses.map((status) => status.stateSha256));

// A clean stop saves the pooled state with its cursor; replay every stored outcome in one process.
for (const slot of slots) {
  if (slot.replica !== undefined) await stopReplica(slot.replica);
  slot.replica = undefined;
}
const store = checker;
const saved = await store.policyState.load('linucb');
const { [FEED_CURSOR_FIELD]: savedCursor, ...state } = saved?.state as Record<string, unknown>;
const pooled = policyFromState(state);
const replay = createPolicy('linucb');
const catalog = loadCatalog(loadConfig({ env: {} }).catalogPath);
const caught = await catchUpPolicy({
  store,
  policy: replay,
  mark: undefined,
  tagsOf: (model) => catalog.get(model)?.tags,
});
// The same outcomes replayed by one process in feed order (what every replica applies): bit-exact.
const feedReplay = createPolicy('linucb');
await createReplicaSync({
  store,
  feed: store.feed,
  replicaId: 'checker',
  learning: { policy: feedReplay, cursor: undefined },
  foreignFrom: await store.feed.tip(),
  tagsOf: (model) => catalog.get(model)?.tags,
  learnCapPerHour: 0,
}).syncOnce();
await store.close();
await cluster.destroy();

/** Arms are listed in the order first seen, which differs between replay orders: sort by model. */
function byModel(list: unknown[]): unknown[] {
  const model = (item: unknown): string | undefined =>
    typeof item === 'object' && item !== null && 'model' in item ? String(item.model) : undefined;
  if (!list.every((item) => model(item) !== undefined)) return list;
  return [...list].sort((x, y) => ((model(x) ?? '') < (model(y) ?? '') ? -1 : 1));
}

/** Largest absolute difference between two JSON states' numbers (same shape, arms by model). */
function maxAbsDiff(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return Number.POSITIVE_INFINITY;
    const [x, y] = [byModel(a), byModel(b)];
    return x.reduce((max: number, item, i) => Math.max(max, maxAbsDiff(item, y[i])), 0);
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    return Object.keys(a).reduce(
      (max, key) =>
        Math.max(
          max,
          maxAbsDiff((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
        ),
      0,
    );
  }
  return a === b ? 0 : Number.POSITIVE_INFINITY;
}

routeLatencies.sort((a, b) => a - b);
const quantile = (q: number): number =>
  Math.round((routeLatencies[Math.floor(q * (routeLatencies.length - 1))] ?? 0) * 10) / 10;
const result = {
  command: `npx tsx benchmarks/replicas/faults.ts --replicas ${REPLICAS} --kills ${KILLS} --clients ${CLIENTS} --every ${EVERY} --seed ${SEED}`,
  node: process.version,
  replicas: REPLICAS,
  clients: CLIENTS,
  seconds: Math.round(seconds * 10) / 10,
  sigkills: kills.length,
  kills,
  acknowledgedDecisions: ackDecisions.size,
  acknowledgedFeedback: ackFeedback.size,
  lostDecisions,
  lostFeedback,
  storedOutcomes: total,
  decisionsPerSecond: Math.round((ackDecisions.size / seconds) * 10) / 10,
  routeLatencyMs: { p50: quantile(0.5), p99: quantile(0.99) },
  failedRequests: failures,
  replicaStateHashes: hashes.size,
  replicaStatuses: statuses,
  savedWithCursor: typeof savedCursor === 'string',
  pooledVersion: pooled.version,
  replayApplied: caught.applied,
  pooledEqualsFeedOrderReplay:
    JSON.stringify(pooled.toState()) === JSON.stringify(feedReplay.toState()),
  receiveOrderReplayMaxAbsDiff: maxAbsDiff(pooled.toState(), replay.toState()),
};
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
