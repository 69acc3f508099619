import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { createRng } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { Router, priorArmPredictor, type RouteDecision } from '../router/index.js';
import { openStore, type Store } from '../store/index.js';
import { MEMORY_PATH, openDatabase, type Database } from '../store/db.js';
import { createDecisionRepo } from '../store/decision-repo.js';
import { runMigrations } from '../store/migrations.js';
import { decisionFixture } from '../store/__fixtures__/records.js';
import { RoutingService } from './routing-service.js';

// The warm-up before /readyz (bootstrap.ts) runs one decision through the route path and rehearses
// its write: it must leave no decision, no candidate set, no memory of it and no outcome listener call.

const catalog = loadCatalog();
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const close of closers.splice(0)) await close();
});

async function rows(db: Database, sql: string): Promise<number> {
  const [row] = await db.use((session) => session.all(sql));
  return Number(row?.['n']);
}

describe('DecisionRepo.rehearse (DuckDB)', () => {
  it('runs the decision write path and rolls it back: no decision, no candidate set', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    closers.push(() => db.close());
    await runMigrations(db);
    const repo = createDecisionRepo({ db, flushIntervalMs: 0 });
    const decision = decisionFixture({ id: 'd-rehearsed' });
    await repo.rehearse?.(decision);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM decisions')).toBe(0);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM candidate_sets')).toBe(0);
    expect(await repo.get({ id: 'd-rehearsed' })).toEqual({ ok: false, reason: 'not_found' });
    // A real decision with the same candidates afterwards stores its set and reads back whole.
    repo.enqueue(decisionFixture({ id: 'd-real' }));
    await repo.flush();
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM decisions')).toBe(1);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM candidate_sets')).toBe(1);
    const found = await repo.get({ id: 'd-real' });
    expect(found.ok && found.value.candidates).toEqual(decisionFixture().candidates);
  });
});

describe('candidate sets', () => {
  it('are inserted once per process, not once per decision', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    closers.push(() => db.close());
    await runMigrations(db);
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
    const repo = createDecisionRepo({ db, flushIntervalMs: 0 });
    await repo.rehearse?.(decisionFixture({ id: 'd-0' }));
    expect(setInserts).toBe(1);
    for (let i = 1; i <= 3; i++) {
      repo.enqueue(decisionFixture({ id: `d-${i}` }));
      await repo.flush();
    }
    await repo.insert(decisionFixture({ id: 'd-4' }));
    // The rehearsal's insert was rolled back, so the first real write inserts the set again; then none.
    expect(setInserts).toBe(2);
    repo.enqueue(
      decisionFixture({
        id: 'd-5',
        candidates: ['gpt-4o-mini', 'llama-3-8b'],
        chosenModel: 'llama-3-8b',
        predicted: [
          { model: 'gpt-4o-mini', quality: 0.7, costUsd: 0.0002 },
          { model: 'llama-3-8b', quality: 0.5, costUsd: 0.00005 },
        ],
      }),
    );
    await repo.flush();
    expect(setInserts).toBe(3);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM candidate_sets')).toBe(2);
    const found = await repo.get({ id: 'd-5' });
    expect(found.ok && found.value.candidates).toEqual(['gpt-4o-mini', 'llama-3-8b']);
  });
});

describe('RoutingService.rehearse', () => {
  async function setup(): Promise<{ store: Store; service: RoutingService }> {
    const store = await openStore({ path: ':memory:' });
    closers.push(() => store.close());
    const router = new Router({
      catalog: () => catalog,
      embedder: new HashEmbedder(),
      predictor: priorArmPredictor(),
      rng: createRng(3),
    });
    return { store, service: new RoutingService({ router, store, catalog: () => catalog }) };
  }

  it('decides through the given router and records, remembers and announces nothing', async () => {
    const { store, service } = await setup();
    const listener = vi.fn();
    service.onOutcome(listener);
    const rehearsal = new Router({
      catalog: () => catalog,
      embedder: new HashEmbedder(),
      predictor: priorArmPredictor(),
      rng: createRng(3),
    });
    const route = rehearsal.route.bind(rehearsal);
    let rehearsed: RouteDecision | undefined;
    vi.spyOn(rehearsal, 'route').mockImplementation(async (...args) => {
      rehearsed = await route(...args);
      return rehearsed;
    });
    const rehearse = vi.spyOn(store.decisions, 'rehearse');
    await service.rehearse(rehearsal, { prompt: 'warm up', tenant: 'acme' });
    expect(rehearsed?.model).toEqual(expect.any(String));
    expect(rehearse).toHaveBeenCalledOnce();
    expect(await store.decisions.list()).toEqual([]);
    expect(await store.usage.decisionCounts({ sinceMs: 0, untilMs: Date.now() + 1 })).toEqual([]);
    // Not in memory either: feedback for its id is refused like any unknown id.
    await expect(
      service.feedback({
        decisionId: rehearsed?.decisionId ?? '',
        tenant: 'acme',
        idempotencyKey: 'k',
        quality: 1,
      }),
    ).rejects.toMatchObject({ code: 'DECISION_UNKNOWN' });
    expect(listener).not.toHaveBeenCalled();
  });

  it('refuses a decision with a non-finite number, as route() does', async () => {
    const { store, service } = await setup();
    const rehearsal = new Router({
      catalog: () => catalog,
      embedder: new HashEmbedder(),
      predictor: priorArmPredictor(),
      rng: createRng(3),
    });
    const route = rehearsal.route.bind(rehearsal);
    vi.spyOn(rehearsal, 'route').mockImplementation(async (...args) => ({
      ...(await route(...args)),
      propensity: NaN,
    }));
    await expect(service.rehearse(rehearsal, { prompt: 'warm up' })).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    expect(await store.decisions.list()).toEqual([]);
  });
});
