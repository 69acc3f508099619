/**
 * Three `arbiter serve` processes on loopback sharing one throwaway PostgreSQL cluster act as one
 * service: a decision made on one replica takes its feedback on another, a retry on the third is a
 * duplicate, and every replica's bandit ends with the same state, equal to one process replaying
 * the stored outcomes. Skips with a message where PostgreSQL is not installed.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicy, policyFromState } from '../../src/bandit/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { loadConfig } from '../../src/config/index.js';
import { catchUpPolicy, FEED_CURSOR_FIELD, replicaStatusKey } from '../../src/service/index.js';
import type { ReplicaStatus } from '../../src/service/index.js';
import {
  findPgBinaries,
  startPgCluster,
  type PgCluster,
} from '../../src/store/pg/__fixtures__/pg-cluster.js';
import { openPgStore } from '../../src/store/pg/index.js';
import {
  startReplica,
  stopReplica,
  writeSharedKeys,
  type Replica,
} from '../support/replica-processes.js';

const binaries = findPgBinaries();
const DECISIONS = 24;

/** JSON with numbers at 10 significant digits (the replay sums in another order). */
function rounded(state: unknown): string {
  return JSON.stringify(state, (_key, value: unknown) =>
    typeof value === 'number' ? Number(value.toPrecision(10)) : value,
  );
}

describe.skipIf(!binaries.ok)(
  `replicas on PostgreSQL${binaries.ok ? '' : ` (skipped: ${binaries.reason})`}`,
  () => {
    let cluster: PgCluster;
    let databaseUrl: string;
    let replicas: Replica[] = [];
    const keys = writeSharedKeys('acme');
    const auth = { authorization: `Bearer ${keys.key}`, 'content-type': 'application/json' };

    beforeAll(async () => {
      cluster = await startPgCluster(binaries);
      databaseUrl = await cluster.createDatabase();
      replicas = await Promise.all(
        ['r0', 'r1', 'r2'].map((id) =>
          startReplica({
            id,
            databaseUrl,
            env: { ARBITER_POLICY: 'linucb', ARBITER_KEYS_FILE: keys.file },
          }),
        ),
      );
    }, 180_000);

    afterAll(async () => {
      await Promise.all(replicas.map((replica) => stopReplica(replica)));
      await cluster?.destroy();
    });

    async function post(replica: Replica, path: string, body: unknown, headers = {}) {
      const response = await fetch(`${replica.url}${path}`, {
        method: 'POST',
        headers: { ...auth, ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    }

    async function statuses(client: pg.Client): Promise<ReplicaStatus[]> {
      const result = await client.query<{ value: string }>(
        'SELECT value FROM meta WHERE key = ANY($1::text[]) ORDER BY key',
        [replicas.map((replica) => replicaStatusKey(replica.id))],
      );
      return result.rows.map((row) => JSON.parse(row.value) as ReplicaStatus);
    }

    it('takes feedback on any replica and pools learning exactly once', async () => {
      for (let i = 0; i < DECISIONS; i++) {
        const at = (k: number): Replica => replicas[(i + k) % 3] as Replica;
        const [decider, receiver, retrier] = [at(0), at(1), at(2)];
        const routed = await post(decider, '/v1/route', { prompt: `question number ${i}` });
        expect(routed.status).toBe(200);
        const feedback = { decision_id: routed.body['decision_id'], quality: (i % 4) / 3 };
        const key = { 'idempotency-key': `call-${i}` };
        const first = await post(receiver, '/v1/feedback', feedback, key);
        expect(first).toMatchObject({ status: 200, body: { status: 'recorded' } });
        const retry = await post(retrier, '/v1/feedback', feedback, key);
        expect(retry).toMatchObject({ status: 200, body: { status: 'duplicate' } });
      }
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        // Each replica writes its status after every sync that read something: wait until all
        // three have read every outcome (bounded by the test timeout, polled, no fixed sleep).
        let latest: ReplicaStatus[] = [];
        while (latest.length < 3 || latest.some((status) => status.read < DECISIONS)) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          latest = await statuses(client);
        }
        expect(latest.map((status) => status.policyVersion)).toEqual([
          DECISIONS,
          DECISIONS,
          DECISIONS,
        ]);
        expect(new Set(latest.map((status) => status.stateSha256)).size).toBe(1);
        const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM outcomes');
        expect(count.rows[0]?.n).toBe(DECISIONS);
      } finally {
        await client.end();
      }
      // A graceful stop saves the pooled state with its feed cursor; it must equal one process
      // replaying every stored outcome.
      await stopReplica(replicas[0] as Replica);
      const store = await openPgStore({ url: databaseUrl, replicaId: 'checker' });
      try {
        const saved = await store.policyState.load('linucb');
        const { [FEED_CURSOR_FIELD]: cursor, ...state } = saved?.state as Record<string, unknown>;
        expect(typeof cursor).toBe('string');
        const pooled = policyFromState(state);
        const replay = createPolicy('linucb');
        const catalog = loadCatalog(loadConfig({ env: {} }).catalogPath);
        const caught = await catchUpPolicy({
          store,
          policy: replay,
          mark: undefined,
          tagsOf: (model) => catalog.get(model)?.tags,
        });
        expect(caught.applied).toBe(DECISIONS);
        expect(pooled.version).toBe(DECISIONS);
        expect(rounded(pooled.toState())).toBe(rounded(replay.toState()));
      } finally {
        await store.close();
      }
    });
  },
);
