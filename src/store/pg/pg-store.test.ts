import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRouterError } from '../../core/index.js';
import { outcomeFixture } from '../__fixtures__/records.js';
import { runRetentionConformance } from '../retention.case.js';
import { runStatsConformance } from '../stats.case.js';
import { runStoreConformance, type OpenTestStore } from '../store.case.js';
import { findPgBinaries, startPgCluster, type PgCluster } from './__fixtures__/pg-cluster.js';
import { openPgStore, type SharedStore } from './index.js';

const binaries = findPgBinaries();
const skipped = binaries.ok ? '' : ` (skipped: ${binaries.reason})`;

describe.skipIf(!binaries.ok)(`PostgreSQL store${skipped}`, () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPgCluster(binaries);
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  const open: OpenTestStore = async ({ clock, storePromptText }) =>
    openPgStore({ url: await cluster.createDatabase(), clock, storePromptText });

  describe('Store conformance: PostgreSQL', () => {
    runStoreConformance(open);
    describe('stats', () => runStatsConformance(open));
    describe('retention', () => runRetentionConformance(open));
  });

  describe('shared by replicas', () => {
    const keys = (page: { outcomes: readonly { outcome: { idempotencyKey: string } }[] }) =>
      page.outcomes.map((entry) => entry.outcome.idempotencyKey);

    it('migrates once when replicas open together, and feeds every outcome once with its origin', async () => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([
        openPgStore({ url, replicaId: 'a' }),
        openPgStore({ url, replicaId: 'b' }),
      ]);
      try {
        await a.recordFeedback(outcomeFixture({ idempotencyKey: 'k1' }));
        await b.recordFeedback(outcomeFixture({ idempotencyKey: 'k2' }));
        await a.recordFeedback(outcomeFixture({ idempotencyKey: 'k3' }));
        const first = await b.feed.read(undefined, 2);
        expect(keys(first)).toEqual(['k1', 'k2']);
        expect(first.outcomes.map((entry) => entry.origin)).toEqual(['a', 'b']);
        const second = await a.feed.read(first.cursor, 2);
        expect(keys(second)).toEqual(['k3']);
        expect(keys(await a.feed.read(second.cursor))).toEqual([]);
        await b.recordFeedback(outcomeFixture({ idempotencyKey: 'k4' }));
        expect(keys(await a.feed.read(second.cursor))).toEqual(['k4']);
        expect(a.feed.compare(first.cursor, second.cursor)).toBeLessThan(0);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('holds back outcomes behind a transaction still open and never skips it', async () => {
      const url = await cluster.createDatabase();
      const store: SharedStore = await openPgStore({ url, replicaId: 'a' });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // An insert that has taken its transaction id (and seq) but not committed yet.
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO outcomes (decision_id, idempotency_key, received_at, tenant, model, origin)
           VALUES ('d-1', 'slow', now(), 'acme', 'm', 'b')`,
        );
        await store.recordFeedback(outcomeFixture({ idempotencyKey: 'fast' }));
        const held = await store.feed.read(undefined);
        expect(keys(held)).toEqual([]);
        await client.query('COMMIT');
        const after = await store.feed.read(held.cursor);
        expect(keys(after)).toEqual(['slow', 'fast']);
        expect(keys(await store.feed.read(after.cursor))).toEqual([]);
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('orders the feed by transaction id as a number across a power of ten', async () => {
      const url = await cluster.createDatabase();
      const store = await openPgStore({ url, replicaId: 'a' });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        // Old, finished transaction ids, written explicitly: 100 must follow 99 and 9 (not as text).
        for (const [key, txid] of [
          ['k100', '100'],
          ['k99', '99'],
          ['k9', '9'],
        ]) {
          await client.query(
            `INSERT INTO outcomes (txid, decision_id, idempotency_key, received_at, tenant, model)
             VALUES ($1::xid8, 'd-1', $2, now(), 'acme', 'm')`,
            [txid, key],
          );
        }
        const order: string[] = [];
        let cursor: string | undefined;
        for (let i = 0; i < 4; i++) {
          const page = await store.feed.read(cursor, 1);
          order.push(...keys(page));
          cursor = page.cursor;
        }
        expect(order).toEqual(['k9', 'k99', 'k100']);
      } finally {
        await client.end();
        await store.close();
      }
    });

    it('fails with a coded, retryable error while the server is down, and recovers without a reopen', async () => {
      const url = await cluster.createDatabase();
      const store = await openPgStore({ url, replicaId: 'a' });
      try {
        await store.recordFeedback(outcomeFixture({ idempotencyKey: 'before' }));
        await cluster.stopServer();
        let failure: unknown;
        try {
          await store.recordFeedback(outcomeFixture({ idempotencyKey: 'during' }));
        } catch (error: unknown) {
          failure = error;
        }
        expect(isRouterError(failure, 'STORE_FAILED')).toBe(true);
        expect(isRouterError(failure) && failure.details?.['unavailable']).toBe(true);
        await cluster.startServer();
        expect(await store.recordFeedback(outcomeFixture({ idempotencyKey: 'after' }))).toEqual({
          recorded: true,
        });
        const stored = await store.outcomes.listForDecision('d-1');
        expect(stored.map((o) => o.idempotencyKey).sort()).toEqual(['after', 'before']);
      } finally {
        await store.close();
      }
    });
  });
});
