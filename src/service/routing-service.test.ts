import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { createRng } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { Router, priorArmPredictor } from '../router/index.js';
import { openStore, type Store } from '../store/index.js';
import { RoutingService } from './routing-service.js';

const catalog = loadCatalog();
const stores: Store[] = [];

async function setup(): Promise<{ store: Store; router: Router; service: RoutingService }> {
  const store = await openStore({ path: ':memory:' });
  stores.push(store);
  const router = new Router({
    catalog: () => catalog,
    embedder: new HashEmbedder(),
    predictor: priorArmPredictor(),
    rng: createRng(3),
  });
  return { store, router, service: new RoutingService({ router, store, catalog: () => catalog }) };
}

afterEach(async () => {
  vi.restoreAllMocks();
  for (const store of stores.splice(0)) await store.close();
});

const request = { prompt: 'Summarise this memo', tenant: 'acme' } as const;

describe('RoutingService', () => {
  it('stores a decision before returning it (durable first, issue 13 item 6)', async () => {
    const { store, service } = await setup();
    const persist = vi.spyOn(store.decisions, 'persist');
    const decision = await service.route(request);
    expect(persist).toHaveBeenCalledTimes(1);
    const listed = await store.decisions.list({ tenant: 'acme' });
    expect(listed.map((row) => row.id)).toEqual([decision.decisionId]);
  });

  it('refuses a decision with a non-finite score and leaves nothing behind (item 5)', async () => {
    const { store, router, service } = await setup();
    const route = router.route.bind(router);
    vi.spyOn(router, 'route').mockImplementation(async (...args) => {
      const decision = await route(...args);
      return { ...decision, ranked: decision.ranked.map((arm) => ({ ...arm, score: NaN })) };
    });
    await expect(service.route(request)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await store.decisions.list()).toEqual([]);
  });

  it('looks up unknown ids and other tenants’ ids the same way (item 7)', async () => {
    const { store, service } = await setup();
    const decision = await service.route(request);
    const get = vi.spyOn(store.decisions, 'get');
    const report = (decisionId: string) =>
      service.feedback({ decisionId, tenant: 'globex', idempotencyKey: 'k', quality: 1 });
    await expect(report(decision.decisionId)).rejects.toMatchObject({ code: 'DECISION_UNKNOWN' });
    await expect(report('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'DECISION_UNKNOWN',
    });
    expect(get.mock.calls).toEqual([
      [{ id: decision.decisionId, tenant: 'globex' }],
      [{ id: '00000000-0000-4000-8000-000000000000', tenant: 'globex' }],
    ]);
    // The owner still finds it (from memory, without a lookup).
    const own = await service.feedback({
      decisionId: decision.decisionId,
      tenant: 'acme',
      idempotencyKey: 'k',
      quality: 1,
    });
    expect(own.status).toBe('recorded');
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('refuses a replayed key with another report, answers the same report as duplicate (item 4)', async () => {
    const { service } = await setup();
    const decision = await service.route(request);
    const report = (quality: number) =>
      service.feedback({
        decisionId: decision.decisionId,
        tenant: 'acme',
        idempotencyKey: 'acme:k',
        quality,
      });
    expect((await report(0.9)).status).toBe('recorded');
    expect((await report(0.9)).status).toBe('duplicate');
    await expect(report(0.1)).rejects.toMatchObject({ code: 'FEEDBACK_DUPLICATE' });
  });

  it('prices reported token usage at the catalog price when feedback gives no cost', async () => {
    const { store, service } = await setup();
    const decision = await service.route(request);
    const model = catalog.get(decision.model);
    if (model === undefined) throw new Error('chosen model not in the catalog');
    const send = (key: string, extra: Record<string, number>) =>
      service.feedback({
        decisionId: decision.decisionId,
        tenant: 'acme',
        idempotencyKey: `acme:${key}`,
        quality: 1,
        ...extra,
      });
    await send('usage', { inputTokens: 1_000, outputTokens: 3_000 });
    await send('reported', { inputTokens: 1_000, outputTokens: 3_000, costUsd: 0.5 });
    await send('output-only', { outputTokens: 3_000 });
    const costs = new Map(
      (await store.outcomes.listForDecision(decision.decisionId)).map((o) => [
        o.idempotencyKey,
        o.costUsd,
      ]),
    );
    const price =
      (1_000 * model.pricing.input_per_million + 3_000 * model.pricing.output_per_million) / 1e6;
    expect(price).toBeGreaterThan(0);
    expect(costs.get('acme:usage')).toBeCloseTo(price, 12);
    expect(costs.get('acme:reported')).toBe(0.5);
    expect(costs.get('acme:output-only')).toBeNull();
  });
});
