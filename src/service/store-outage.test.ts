import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { createRng, StoreError } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { Router, priorArmPredictor } from '../router/index.js';
import { openStore, type Store } from '../store/index.js';
import { RoutingService } from './routing-service.js';
import { isStoreUnavailable, StoreOutageTracker } from './store-outage.js';

const catalog = loadCatalog();
const stores: Store[] = [];

/** What pg-error.ts throws while PostgreSQL restarts. */
function unavailable(): StoreError {
  return new StoreError('write 1 rows to decisions: Connection terminated', {
    details: { sqlState: '57P01', unavailable: true },
  });
}

/**
 * A service over an in-memory store whose decision writes fail, while `down.is` is true, the way the
 * PostgreSQL store's do: persisting a decision rejects and nothing stays buffered.
 */
async function setup(): Promise<{
  store: Store;
  service: RoutingService;
  down: { is: boolean };
  writes: () => number;
}> {
  const store = await openStore({ path: ':memory:' });
  stores.push(store);
  const router = new Router({
    catalog: () => catalog,
    embedder: new HashEmbedder(),
    predictor: priorArmPredictor(),
    rng: createRng(3),
  });
  const down = { is: false };
  const persist = store.decisions.persist.bind(store.decisions);
  const spy = vi
    .spyOn(store.decisions, 'persist')
    .mockImplementation((decision) =>
      down.is ? Promise.reject(unavailable()) : persist(decision),
    );
  return {
    store,
    service: new RoutingService({ router, store, catalog: () => catalog }),
    down,
    writes: () => spy.mock.calls.length,
  };
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const store of stores.splice(0)) await store.close();
});

const request = { prompt: 'Summarise this memo', tenant: 'acme' } as const;

describe('RoutingService through a store outage', () => {
  it('records the decision before answering while the store is up (durable first)', async () => {
    const { store, service } = await setup();
    const routed = await service.routeOrUnrecorded(request);
    expect(routed).toMatchObject({ recorded: true });
    expect(routed).not.toHaveProperty('outageEnded');
    const listed = await store.decisions.list({ tenant: 'acme' });
    expect(listed.map((row) => row.id)).toEqual([routed.decision.decisionId]);
    expect(service.storeOutage()).toBeUndefined();
  });

  it('answers from memory, unrecorded, while the store is unavailable, then records again', async () => {
    const { store, service, down } = await setup();
    down.is = true;
    const first = await service.routeOrUnrecorded(request);
    const second = await service.routeOrUnrecorded(request);
    expect(first).toMatchObject({ recorded: false, outageBegan: true });
    expect(isStoreUnavailable(first.recorded ? undefined : first.error)).toBe(true);
    // The outage is reported by its first decision only.
    expect(second).toMatchObject({ recorded: false, outageBegan: false });
    expect(first.decision.model).toEqual(expect.any(String));
    expect(service.storeOutage()).toMatchObject({ unrecorded: 2 });

    down.is = false;
    const back = await service.routeOrUnrecorded(request);
    expect(back).toMatchObject({ recorded: true, outageEnded: { unrecorded: 2 } });
    expect(service.storeOutage()).toBeUndefined();
    const stored = (await store.decisions.list({ tenant: 'acme' })).map((row) => row.id);
    expect(stored).toEqual([back.decision.decisionId]);

    // An unrecorded decision takes no feedback (its id was never handed out); the recorded one does.
    const report = (decisionId: string, idempotencyKey: string) =>
      service.feedback({ decisionId, tenant: 'acme', idempotencyKey, quality: 1 });
    await expect(report(first.decision.decisionId, 'k1')).rejects.toMatchObject({
      code: 'DECISION_UNKNOWN',
    });
    await expect(report(back.decision.decisionId, 'k2')).resolves.toMatchObject({
      status: 'recorded',
    });
  });

  it('keeps route() strict: an unavailable store fails it with the coded error', async () => {
    const { service, down } = await setup();
    down.is = true;
    await expect(service.route(request)).rejects.toMatchObject({
      code: 'STORE_FAILED',
      details: { unavailable: true },
    });
  });

  it('throws store failures that retrying cannot fix', async () => {
    const { store, service } = await setup();
    vi.spyOn(store.decisions, 'persist').mockRejectedValue(
      new StoreError('write 1 rows to decisions: SQLSTATE 23505', {
        details: { sqlState: '23505', unavailable: false },
      }),
    );
    await expect(service.routeOrUnrecorded(request)).rejects.toMatchObject({
      code: 'STORE_FAILED',
      details: { unavailable: false },
    });
    expect(service.storeOutage()).toBeUndefined();
  });

  it('during a known outage, lets one decision probe the store while the others answer at once', async () => {
    const { store, service, down, writes } = await setup();
    down.is = true;
    await service.routeOrUnrecorded(request);
    expect(writes()).toBe(1);
    // The probe's write hangs (a connect timeout against an unreachable host).
    let fail: (error: unknown) => void = () => undefined;
    vi.spyOn(store.decisions, 'persist').mockImplementationOnce(
      () => new Promise<void>((_resolve, reject) => (fail = reject)),
    );
    const probe = service.routeOrUnrecorded(request);
    await vi.waitFor(() => expect(writes()).toBe(2));
    const others = await Promise.all([
      service.routeOrUnrecorded(request),
      service.routeOrUnrecorded(request),
    ]);
    expect(others.map((routed) => routed.recorded)).toEqual([false, false]);
    expect(writes()).toBe(2);
    fail(unavailable());
    expect(await probe).toMatchObject({ recorded: false, outageBegan: false });
    expect(service.storeOutage()).toMatchObject({ unrecorded: 4 });
    // The probe is free again: the next decision writes, and ends the outage.
    down.is = false;
    expect(await service.routeOrUnrecorded(request)).toMatchObject({
      recorded: true,
      outageEnded: { unrecorded: 4 },
    });
  });
});

describe('StoreOutageTracker', () => {
  it('is not ended by a write that began before the outage', () => {
    let now = 1_000;
    const tracker = new StoreOutageTracker({ now: () => now });
    const early = tracker.attempt();
    const failing = tracker.attempt();
    expect(tracker.unavailable(failing)).toBe(true);
    now = 1_500;
    expect(tracker.recorded(early)).toBeUndefined();
    expect(tracker.current()).toEqual({ sinceMs: 1_000, unrecorded: 1 });
    const probe = tracker.attempt();
    expect(probe.skip).toBe(false);
    expect(tracker.attempt().skip).toBe(true);
    now = 4_000;
    expect(tracker.recorded(probe)).toEqual({ sinceMs: 1_000, unrecorded: 2, durationMs: 3_000 });
    expect(tracker.current()).toBeUndefined();
  });
});
