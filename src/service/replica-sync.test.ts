import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPolicy, type BanditPolicy } from '../bandit/index.js';
import { decisionFixture, outcomeFixture } from '../store/__fixtures__/records.js';
import type { OutcomeRecord } from '../store/index.js';
import {
  findPgBinaries,
  startPgCluster,
  type PgCluster,
} from '../store/pg/__fixtures__/pg-cluster.js';
import { openPgStore, type SharedStore } from '../store/pg/index.js';
import { catchUpPolicy } from './bandit-catchup.js';
import { createReplicaSync, loadPooledPolicy, type ReplicaSync } from './replica-sync.js';
import { POLICY_FEATURES_KEY } from './routing-service.js';

const binaries = findPgBinaries();
const MODELS = ['m1', 'm2', 'm3'];
const T0 = Date.UTC(2026, 0, 5);

/** The state's JSON with every number at 10 significant digits (summation order may differ). */
function rounded(policy: BanditPolicy): string {
  return JSON.stringify(policy.toState(), (_key, value: unknown) =>
    typeof value === 'number' ? Number(value.toPrecision(10)) : value,
  );
}

function embedding(i: number): Float32Array {
  return Float32Array.from({ length: 16 }, (_, j) => Math.sin(i * 7 + j));
}

describe.skipIf(!binaries.ok)(
  `replica sync over PostgreSQL${binaries.ok ? '' : ` (skipped: ${binaries.reason})`}`,
  () => {
    let cluster: PgCluster;
    beforeAll(async () => {
      cluster = await startPgCluster(binaries);
    });
    afterAll(async () => {
      await cluster?.destroy();
    });

    async function replica(url: string, id: string) {
      const store = await openPgStore({ url, replicaId: id });
      const foreign: OutcomeRecord[] = [];
      const learning = await loadPooledPolicy(store, 'linucb');
      const sync = createReplicaSync({
        store,
        feed: store.feed,
        replicaId: id,
        learning,
        foreignFrom: await store.feed.tip(),
        onForeignOutcome: (outcome) => foreign.push(outcome),
      });
      return { store, sync, policy: learning.policy, foreign };
    }

    async function decide(store: SharedStore, policy: BanditPolicy, i: number): Promise<void> {
      await store.decisions.insert(
        decisionFixture({
          id: `d-${i}`,
          createdAtMs: T0 + i,
          embedding: embedding(i),
          candidates: MODELS,
          chosenModel: MODELS[i % 3] ?? 'm1',
          predicted: MODELS.map((model, k) => ({ model, quality: 0.5 + k / 10, costUsd: 0.001 })),
          features: { [POLICY_FEATURES_KEY]: Array.from(policy.features(embedding(i))) },
        }),
      );
    }

    it('pools every replica outcome exactly once: equal states, equal to one replay', async () => {
      const url = await cluster.createDatabase();
      const a = await replica(url, 'a');
      const b = await replica(url, 'b');
      const syncs: ReplicaSync[] = [a.sync, b.sync];
      try {
        for (let i = 0; i < 30; i++) {
          await decide(a.store, a.policy, i);
          const outcome = outcomeFixture({
            decisionId: `d-${i}`,
            idempotencyKey: `k-${i}`,
            model: MODELS[i % 3] ?? 'm1',
            quality: (i % 5) / 4,
            receivedAtMs: T0 + 1000 + i,
          });
          // Feedback on the replica that did not decide, half the time; the retry on the other
          // replica is a duplicate and must not be learned twice.
          const [first, second] = i % 2 === 0 ? [b.store, a.store] : [a.store, b.store];
          expect(await first.recordFeedback(outcome)).toEqual({ recorded: true });
          expect((await second.recordFeedback(outcome)).recorded).toBe(false);
        }
        expect(await a.sync.syncOnce()).toBe(30);
        expect(await b.sync.syncOnce()).toBe(30);
        expect(a.sync.counts.learned).toBe(30);
        expect(b.policy.toState()).toEqual(a.policy.toState());
        // Each replica gets the other's outcomes for spend and health, never its own.
        expect(a.foreign.map((o) => o.idempotencyKey)).toEqual(
          Array.from({ length: 15 }, (_, j) => `k-${2 * j}`),
        );
        expect(b.foreign).toHaveLength(15);
        // A single process replaying the stored outcomes (another code path, another order).
        const replay = createPolicy('linucb');
        const caught = await catchUpPolicy({ store: a.store, policy: replay, mark: undefined });
        expect(caught.applied).toBe(30);
        expect(rounded(a.policy)).toBe(rounded(replay));
        expect(await a.sync.syncOnce()).toBe(0);
        expect(a.policy.version).toBe(30);
      } finally {
        for (const sync of syncs) await sync.close();
        await a.store.close();
        await b.store.close();
      }
    });

    it('restarts from the saved state and cursor without relearning an outcome', async () => {
      const url = await cluster.createDatabase();
      const a = await replica(url, 'a');
      const b = await replica(url, 'b');
      try {
        for (let i = 0; i < 10; i++) {
          await decide(a.store, a.policy, i);
          await b.store.recordFeedback(
            outcomeFixture({ decisionId: `d-${i}`, idempotencyKey: `k-${i}`, model: 'm2' }),
          );
        }
        await a.sync.syncOnce();
        await a.sync.close(); // saves the state with its cursor
        await a.store.close();
        for (let i = 10; i < 15; i++) {
          await decide(b.store, b.policy, i);
          await b.store.recordFeedback(
            outcomeFixture({ decisionId: `d-${i}`, idempotencyKey: `k-${i}`, model: 'm3' }),
          );
        }
        const restarted = await replica(url, 'a2');
        expect(restarted.policy.version).toBe(10);
        expect(await restarted.sync.syncOnce()).toBe(5);
        await b.sync.syncOnce();
        expect(restarted.policy.version).toBe(15);
        expect(restarted.policy.toState()).toEqual(b.policy.toState());
        // Outcomes before the restart's tip were already in the store's spend: not foreign.
        expect(restarted.foreign).toEqual([]);
        await restarted.sync.close();
        await restarted.store.close();
      } finally {
        await b.sync.close();
        await b.store.close();
      }
    });
  },
);
