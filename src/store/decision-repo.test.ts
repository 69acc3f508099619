import { describe, expect, it, vi } from 'vitest';
import { MEMORY_PATH, openDatabase } from './db.js';
import { createDecisionRepo } from './decision-repo.js';
import { runMigrations } from './migrations.js';
import { decisionFixture } from './__fixtures__/records.js';
import { storedForm } from './decision-codec.js';

async function setup(storePromptText = true) {
  const db = await openDatabase({ path: MEMORY_PATH });
  await runMigrations(db);
  return { db, repo: createDecisionRepo({ db, storePromptText, flushIntervalMs: 0 }) };
}

describe('decision repo', () => {
  it('round-trips a decision through the prepared insert', async () => {
    const { db, repo } = await setup();
    try {
      const decision = decisionFixture();
      await repo.insert(decision);
      const found = await repo.get({ id: decision.id });
      expect(found).toEqual({ ok: true, value: storedForm(decision) });
    } finally {
      await db.close();
    }
  });

  it('round-trips a decision through the appender, embedding int8 within half a step', async () => {
    const { db, repo } = await setup();
    try {
      const embedding = new Float32Array(512);
      for (let i = 0; i < embedding.length; i++) embedding[i] = Math.sin(i) / (i + 1);
      const decision = decisionFixture({ id: 'd-appended', embedding, features: null });
      repo.enqueue(decision);
      const found = await repo.get({ id: 'd-appended' });
      expect(found.ok).toBe(true);
      if (!found.ok) return;
      expect(found.value).toEqual(storedForm(decision));
      expect(found.value.embedding).toBeInstanceOf(Float32Array);
      const step = Math.max(...embedding.map(Math.abs)) / 127;
      (found.value.embedding ?? []).forEach((value, i) =>
        expect(Math.abs(value - (embedding[i] ?? 0))).toBeLessThanOrEqual(step / 2 + 1e-7),
      );
    } finally {
      await db.close();
    }
  });

  it('stores no prompt text unless configured to', async () => {
    const { db, repo } = await setup(false);
    try {
      await repo.insert(decisionFixture({ id: 'a' }));
      repo.enqueue(decisionFixture({ id: 'b' }));
      const a = await repo.get({ id: 'a' });
      const b = await repo.get({ id: 'b' });
      expect(a.ok && a.value.promptText).toBeNull();
      expect(b.ok && b.value.promptText).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('keeps null embeddings and optional columns null', async () => {
    const { db, repo } = await setup();
    try {
      const decision = decisionFixture({
        embedding: null,
        embedderId: null,
        predictorVersion: null,
        features: null,
        promptText: null,
      });
      await repo.insert(decision);
      expect(await repo.get({ id: decision.id })).toEqual({
        ok: true,
        value: storedForm(decision),
      });
    } finally {
      await db.close();
    }
  });

  it('reports unknown ids and other tenants', async () => {
    const { db, repo } = await setup();
    try {
      await repo.insert(decisionFixture());
      expect(await repo.get({ id: 'nope' })).toEqual({ ok: false, reason: 'not_found' });
      // Another tenant's decision is indistinguishable from an unknown id (issue 13, item 7).
      expect(await repo.get({ id: 'd-1', tenant: 'other' })).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect((await repo.get({ id: 'd-1', tenant: 'acme' })).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('lists a time window newest first, filtered by tenant', async () => {
    const { db, repo } = await setup();
    try {
      const base = Date.UTC(2025, 5, 1);
      for (let i = 0; i < 5; i++) {
        repo.enqueue(
          decisionFixture({ id: `d${i}`, createdAtMs: base + i * 1000, tenant: i % 2 ? 'b' : 'a' }),
        );
      }
      const window = await repo.list({ sinceMs: base + 1000, untilMs: base + 4000 });
      expect(window.map((d) => d.id)).toEqual(['d3', 'd2', 'd1']);
      const tenantA = await repo.list({ tenant: 'a', limit: 2 });
      expect(tenantA.map((d) => d.id)).toEqual(['d4', 'd2']);
    } finally {
      await db.close();
    }
  });

  it('rejects a duplicate id with a StoreError', async () => {
    const { db, repo } = await setup();
    try {
      await repo.insert(decisionFixture());
      await expect(repo.insert(decisionFixture())).rejects.toMatchObject({
        code: 'STORE_FAILED',
        name: 'StoreError',
      });
    } finally {
      await db.close();
    }
  });

  it('inserts a candidate set once it is committed, not once per batch', async () => {
    const { db, repo } = await setup();
    try {
      let setInserts = 0;
      const use = db.use.bind(db);
      vi.spyOn(db, 'use').mockImplementation((fn) =>
        use((session) => {
          const prepared = session.prepared.bind(session);
          return fn({
            ...session,
            connection: session.connection,
            prepared: (sql, values, types) => {
              if (sql.startsWith('INSERT INTO candidate_sets')) setInserts += 1;
              return prepared(sql, values, types);
            },
          });
        }),
      );
      await repo.rehearse?.(decisionFixture({ id: 'd-0' }));
      expect(setInserts).toBe(1);
      // The rehearsal commits the set (content-addressed, it names no decision) and rolls the
      // decision back, so no real write inserts that set again.
      expect(await use((s) => s.all('SELECT count(*)::INTEGER AS n FROM candidate_sets'))).toEqual([
        { n: 1 },
      ]);
      expect(await repo.list()).toEqual([]);
      for (let i = 1; i <= 3; i++) {
        repo.enqueue(decisionFixture({ id: `d-${i}` }));
        await repo.flush();
      }
      await repo.insert(decisionFixture({ id: 'd-4' }));
      expect(setInserts).toBe(1);
      // A failed batch (duplicate id) is rolled back with its new set, which is inserted again later.
      const other = {
        candidates: ['gpt-4o-mini', 'llama-3-8b'],
        chosenModel: 'llama-3-8b',
        predicted: [
          { model: 'gpt-4o-mini', quality: 0.7, costUsd: 0.0002 },
          { model: 'llama-3-8b', quality: 0.5, costUsd: 0.00005 },
        ],
      };
      repo.enqueue(decisionFixture({ id: 'd-1', ...other }));
      await expect(repo.flush()).rejects.toMatchObject({ code: 'STORE_FAILED' });
      expect(setInserts).toBe(2);
      repo.enqueue(decisionFixture({ id: 'd-5', ...other }));
      await repo.flush();
      expect(setInserts).toBe(3);
      const sets = await use((s) => s.all('SELECT count(*)::INTEGER AS n FROM candidate_sets'));
      expect(sets).toEqual([{ n: 2 }]);
      const found = await repo.get({ id: 'd-5' });
      expect(found.ok && found.value.candidates).toEqual(['gpt-4o-mini', 'llama-3-8b']);
    } finally {
      await db.close();
    }
  });
});
