import { describe, expect, it } from 'vitest';
import { MEMORY_PATH, openDatabase } from './db.js';
import { runMigrations } from './migrations.js';
import { createOutcomeRepo } from './outcome-repo.js';
import { outcomeFixture } from './__fixtures__/records.js';

async function setup() {
  const db = await openDatabase({ path: MEMORY_PATH });
  await runMigrations(db);
  return { db, repo: createOutcomeRepo({ db, flushIntervalMs: 0 }) };
}

describe('outcome repo', () => {
  it('records an outcome once; a retry with the same key is a duplicate no-op', async () => {
    const { db, repo } = await setup();
    try {
      const outcome = outcomeFixture({ fingerprint: 'fp-1' });
      expect(await repo.record(outcome)).toEqual({ recorded: true });
      // The duplicate answer carries the stored fingerprint, so the caller can tell a replay of
      // the same report from another report under the same key (issue 13, item 4).
      expect(await repo.record({ ...outcome, quality: 0.1, fingerprint: 'fp-2' })).toEqual({
        recorded: false,
        duplicate: true,
        storedFingerprint: 'fp-1',
      });
      expect(await repo.getByIdempotencyKey('k-1')).toEqual(outcome);
      expect(await repo.listForDecision('d-1')).toEqual([outcome]);
      expect(await repo.getByIdempotencyKey('missing')).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('drops duplicate keys from appender batches, within a batch and against stored rows', async () => {
    const { db, repo } = await setup();
    try {
      await repo.record(outcomeFixture({ idempotencyKey: 'stored', quality: 0.5 }));
      repo.enqueue(outcomeFixture({ idempotencyKey: 'stored', quality: 0.0 }));
      repo.enqueue(outcomeFixture({ idempotencyKey: 'fresh', receivedAtMs: 1000, quality: 1 }));
      repo.enqueue(outcomeFixture({ idempotencyKey: 'fresh', receivedAtMs: 2000, quality: 0 }));
      await repo.flush();
      const stored = await repo.listForDecision('d-1');
      expect(stored.map((o) => [o.idempotencyKey, o.quality])).toEqual([
        ['fresh', 1],
        ['stored', 0.5],
      ]);
      const staging = await db.use((s) =>
        s.all('SELECT count(*)::INTEGER AS n FROM outcomes_staging'),
      );
      expect(staging).toEqual([{ n: 0 }]);
    } finally {
      await db.close();
    }
  });

  it('shares one commit among concurrent records and still reports duplicates per caller', async () => {
    const { db, repo } = await setup();
    try {
      await repo.record(outcomeFixture({ idempotencyKey: 'old', fingerprint: 'old-fp' }));
      const results = await Promise.all([
        repo.record(outcomeFixture({ idempotencyKey: 'x', quality: 1, fingerprint: 'x1' })),
        repo.record(outcomeFixture({ idempotencyKey: 'old' })),
        repo.record(outcomeFixture({ idempotencyKey: 'y' })),
        repo.record(outcomeFixture({ idempotencyKey: 'x', quality: 0, fingerprint: 'x0' })),
      ]);
      expect(results).toEqual([
        { recorded: true },
        { recorded: false, duplicate: true, storedFingerprint: 'old-fp' },
        { recorded: true },
        { recorded: false, duplicate: true, storedFingerprint: 'x1' },
      ]);
      expect((await repo.getByIdempotencyKey('x'))?.quality).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('fails only the bad row of a concurrent group', async () => {
    const { db, repo } = await setup();
    try {
      const results = await Promise.allSettled([
        repo.record(outcomeFixture({ idempotencyKey: 'good-1' })),
        repo.record(outcomeFixture({ idempotencyKey: 'bad', quality: 2 })),
        repo.record(outcomeFixture({ idempotencyKey: 'good-2' })),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(results[1]).toMatchObject({ reason: { code: 'STORE_FAILED' } });
      expect((await repo.listForDecision('d-1')).map((o) => o.idempotencyKey)).toEqual([
        'good-1',
        'good-2',
      ]);
    } finally {
      await db.close();
    }
  });

  it('enforces quality in [0, 1]', async () => {
    const { db, repo } = await setup();
    try {
      await expect(repo.record(outcomeFixture({ quality: 1.5 }))).rejects.toMatchObject({
        code: 'STORE_FAILED',
      });
    } finally {
      await db.close();
    }
  });

  it('computes per-model stats over a window', async () => {
    const { db, repo } = await setup();
    try {
      const t0 = Date.UTC(2025, 0, 1);
      for (let i = 0; i < 100; i++) {
        repo.enqueue(
          outcomeFixture({
            idempotencyKey: `a${i}`,
            receivedAtMs: t0 + i,
            model: 'a',
            latencyMs: i + 1,
            quality: i % 2,
            costUsd: 0.01,
            errorClass: i < 10 ? 'timeout' : null,
          }),
        );
      }
      repo.enqueue(
        outcomeFixture({
          idempotencyKey: 'b0',
          receivedAtMs: t0,
          model: 'b',
          latencyMs: null,
          quality: null,
          costUsd: null,
          tenant: 'other',
        }),
      );
      repo.enqueue(
        outcomeFixture({ idempotencyKey: 'late', receivedAtMs: t0 + 10_000, model: 'a' }),
      );
      const stats = await repo.modelStats({ sinceMs: t0, untilMs: t0 + 1000 });
      expect(stats).toHaveLength(2);
      const [a, b] = stats;
      expect(a?.model).toBe('a');
      expect(a?.count).toBe(100);
      expect(a?.qualityCount).toBe(100);
      expect(a?.meanQuality).toBeCloseTo(0.5, 12);
      expect(a?.errorRate).toBeCloseTo(0.1, 12);
      expect(a?.latencyP50Ms).toBeCloseTo(50.5, 9);
      expect(a?.latencyP95Ms).toBeCloseTo(95.05, 9);
      expect(a?.latencyP99Ms).toBeCloseTo(99.01, 9);
      expect(a?.meanCostUsd).toBeCloseTo(0.01, 12);
      expect(a?.totalCostUsd).toBeCloseTo(1, 9);
      expect(b).toEqual({
        model: 'b',
        count: 1,
        qualityCount: 0,
        meanQuality: null,
        errorRate: 0,
        latencyP50Ms: null,
        latencyP95Ms: null,
        latencyP99Ms: null,
        meanCostUsd: null,
        totalCostUsd: 0,
      });
      const acme = await repo.modelStats({ sinceMs: t0, untilMs: t0 + 1000, tenant: 'acme' });
      expect(acme.map((s) => s.model)).toEqual(['a']);
      expect(typeof acme[0]?.count).toBe('number');
    } finally {
      await db.close();
    }
  });
});
