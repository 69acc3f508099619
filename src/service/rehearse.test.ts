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

// The warm-up before /readyz (bootstrap.ts) runs decisions through the route path and rehearses
// their write: it must leave no decision, no memory of it and no outcome listener call. Only the
// candidate set is committed (content-addressed, it names no decision).

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
  it('runs the decision write path and rolls the decision back, keeping only its candidate set', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    closers.push(() => db.close());
    await runMigrations(db);
    const repo = createDecisionRepo({ db, flushIntervalMs: 0 });
    const decision = decisionFixture({ id: 'd-rehearsed' });
    await repo.rehearse?.(decision);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM decisions')).toBe(0);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM candidate_sets')).toBe(1);
    expect(await repo.get({ id: 'd-rehearsed' })).toEqual({ ok: false, reason: 'not_found' });
    // A real decision with the same candidates afterwards shares that set and reads back whole.
    repo.enqueue(decisionFixture({ id: 'd-real' }));
    await repo.flush();
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM decisions')).toBe(1);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM candidate_sets')).toBe(1);
    const found = await repo.get({ id: 'd-real' });
    expect(found.ok && found.value.candidates).toEqual(decisionFixture().candidates);
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
