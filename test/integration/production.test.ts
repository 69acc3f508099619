/**
 * Production routing rules with scripted outcomes: a model failing then recovering, a saturated
 * model, a PII prompt, a tenant out of budget, and a pinned session whose model fails.
 */
import { describe, expect, it } from 'vitest';
import { CatalogRegistry, loadCatalog, type CatalogModel } from '../../src/catalog/index.js';
import { RouterError, createRng } from '../../src/core/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import {
  Router,
  priorArmPredictor,
  type ArmPredictor,
  type RouteRequest,
} from '../../src/router/index.js';
import { ProductionControls, RoutingService } from '../../src/service/index.js';
import { openStore } from '../../src/store/index.js';

const GPT4 = 'openai/gpt-4-1106-preview';
const CLAUDE = 'anthropic/claude-v2';
const LLAMA = 'meta/llama-2-70b-chat';

/** GPT-4 best, Claude second, everything else far behind. */
const predictor: ArmPredictor = {
  version: 'scripted@1',
  dimension: 64,
  estimate: (embedding, models) =>
    priorArmPredictor()
      .estimate(embedding, models)
      .map((estimate, i) => {
        const id = models[i]?.id;
        const quality = id === GPT4 ? 0.95 : id === CLAUDE ? 0.9 : id === LLAMA ? 0.88 : 0.3;
        return { ...estimate, quality, outputTokens: 100 };
      }),
};

async function setup(
  options: {
    tenants?: Parameters<typeof ProductionControls.create>[0]['tenants'];
    patch?: (m: CatalogModel) => CatalogModel;
  } = {},
) {
  const clock = { t: Date.UTC(2026, 10, 25, 12), now: () => clock.t };
  const base = loadCatalog();
  const registry = new CatalogRegistry(base, {
    upserts:
      options.patch === undefined ? [] : base.models.map((m) => options.patch!(structuredClone(m))),
  });
  const catalog = () => registry.current();
  const store = await openStore({ path: ':memory:', clock });
  const controls = await ProductionControls.create({
    store,
    catalog,
    clock,
    ...(options.tenants === undefined ? {} : { tenants: options.tenants }),
  });
  const router = new Router({
    catalog,
    embedder: new HashEmbedder(),
    predictor,
    controls: controls.routing(),
    rng: createRng(3),
    clock,
  });
  const service = new RoutingService({ router, store, catalog, clock });
  service.onOutcome(controls.onOutcome);
  let key = 0;
  const route = (request: Partial<RouteRequest> = {}) =>
    service.route({
      prompt: 'Explain quicksort',
      candidates: [GPT4, CLAUDE, LLAMA],
      tradeoff: 10,
      ...request,
    });
  const report = async (
    decisionId: string,
    tenant: string,
    outcome: { error?: string; cost?: number; retryAfterS?: number },
  ) =>
    service.feedback({
      decisionId,
      tenant,
      idempotencyKey: `k${++key}`,
      quality: outcome.error === undefined ? 1 : null,
      ...(outcome.error === undefined ? {} : { errorClass: outcome.error }),
      ...(outcome.cost === undefined ? {} : { costUsd: outcome.cost }),
      ...(outcome.retryAfterS === undefined ? {} : { retryAfterMs: outcome.retryAfterS * 1000 }),
      latencyMs: 500,
    });
  return { clock, store, controls, route, report };
}

async function rejection(promise: Promise<unknown>): Promise<RouterError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error('expected a RouterError');
}

describe('production routing', () => {
  it('takes a failing model out of the ranking and brings it back once a probe succeeds', async () => {
    const { clock, route, report, store } = await setup();
    for (let i = 0; i < 5; i++) {
      const decision = await route();
      expect(decision.model).toBe(GPT4);
      await report(decision.decisionId, 'default', { error: 'server_error' });
    }
    const failedOver = await route();
    expect(failedOver.model).toBe(CLAUDE);
    expect(failedOver.excluded).toContainEqual(
      expect.objectContaining({ model: GPT4, reason: 'CIRCUIT_OPEN' }),
    );
    clock.t += 30_000; // cool-down over: one probe goes to GPT-4
    const probe = await route();
    expect(probe.model).toBe(GPT4);
    expect((await route()).model).toBe(CLAUDE); // only one probe per interval
    await report(probe.decisionId, 'default', {});
    expect((await route()).model).toBe(GPT4);
    await store.close();
  });

  it('honours a reported retry-after', async () => {
    const { clock, route, report } = await setup();
    const decision = await route();
    await report(decision.decisionId, 'default', { error: 'rate_limited', retryAfterS: 120 });
    expect((await route()).model).toBe(CLAUDE);
    clock.t += 60_000;
    expect((await route()).model).toBe(CLAUDE);
    clock.t += 61_000;
    expect((await route()).model).toBe(GPT4);
  });

  it('spills traffic from a saturated model to the next best by utility', async () => {
    const { route, report } = await setup({
      patch: (m) => (m.id === GPT4 ? { ...m, capacity: { max_concurrency: 2 } } : m),
    });
    const first = await route();
    const second = await route();
    expect([first.model, second.model]).toEqual([GPT4, GPT4]);
    const third = await route();
    expect(third.model).toBe(CLAUDE); // next by quality-minus-cost, not round-robin
    expect(third.excluded).toContainEqual(
      expect.objectContaining({ model: GPT4, reason: 'SATURATED' }),
    );
    await report(first.decisionId, 'default', {}); // a call finished: capacity frees up
    expect((await route()).model).toBe(GPT4);
  });

  it('restricts a PII prompt to cleared models, or blocks it by tenant policy', async () => {
    const { route } = await setup({ tenants: { tenants: { strict: { pii: 'block' } } } });
    const decision = await route({
      prompt: 'email me at jane@example.com',
      candidates: [LLAMA, CLAUDE, GPT4],
    });
    expect(decision.pii).toEqual(['email']);
    expect(decision.excluded).toContainEqual(
      expect.objectContaining({ model: LLAMA, reason: 'PII_NOT_CLEARED' }),
    );
    expect(decision.excluded).toContainEqual(
      expect.objectContaining({ model: CLAUDE, reason: 'PII_NOT_CLEARED' }),
    );
    const onlyUncleared = await rejection(
      route({ prompt: 'card 4111 1111 1111 1111', candidates: [LLAMA] }),
    );
    expect(onlyUncleared.code).toBe('NO_ELIGIBLE_ARM');
    const blocked = await rejection(
      route({ prompt: 'email me at jane@example.com', tenant: 'strict' }),
    );
    expect(blocked.code).toBe('PII_BLOCKED');
    expect(blocked.details).toEqual({ kinds: ['email'] });
  });

  it('paces a tenant ahead of its budget and stops one that spent it', async () => {
    const { route, report } = await setup({
      tenants: {
        tenants: {
          paced: { budget: { daily_usd: 1 } },
          capped: { budget: { daily_usd: 0.01, hard_stop: true } },
        },
      },
    });
    const paced = await route({ tenant: 'paced' });
    expect(paced.budgetPacing).toBe(1);
    await report(paced.decisionId, 'paced', { cost: 0.9 }); // 90% spent at noon: 1.8x the pace
    const slowed = await route({ tenant: 'paced' });
    expect(slowed.budgetPacing).toBeCloseTo(1 / 1.8 ** 2, 9);
    expect(slowed.willingnessToPay).toBeCloseTo(paced.willingnessToPay / 1.8 ** 2, 9);

    const capped = await route({ tenant: 'capped' });
    await report(capped.decisionId, 'capped', { cost: 0.02 });
    const stopped = await rejection(route({ tenant: 'capped' }));
    expect(stopped.code).toBe('BUDGET_EXCEEDED');
    expect(stopped.details).toMatchObject({ period: 'day', budget_usd: 0.01 });
    expect((await route({ tenant: 'other' })).model).toBe(GPT4); // other tenants unaffected
  });

  it('pins a session to its model and moves it when that model fails', async () => {
    const { route, report } = await setup();
    const first = await route({ sessionId: 's1', candidates: [CLAUDE, LLAMA] });
    expect(first.model).toBe(CLAUDE);
    // With GPT-4 added, GPT-4 beats Claude by 0.05 - cost; the pin holds within the penalty.
    const pinned = await route({ sessionId: 's1', tradeoff: 10 });
    expect(pinned.sessionPinned).toBe(true);
    expect(pinned.model).toBe(CLAUDE);
    expect((await route({ sessionId: 'fresh' })).model).toBe(GPT4);
    for (let i = 0; i < 5; i++)
      await report((await route({ sessionId: 's1' })).decisionId, 'default', { error: 'timeout' });
    const moved = await route({ sessionId: 's1' });
    expect(moved.model).not.toBe(CLAUDE);
    expect(moved.sessionPinned).toBe(false);
    expect((await route({ sessionId: 's1' })).sessionPinned).toBe(true);
  });

  it('keeps circuit breakers across a restart', async () => {
    const { route, report, controls, store, clock } = await setup();
    for (let i = 0; i < 5; i++)
      await report((await route()).decisionId, 'default', { error: 'server_error' });
    await controls.save();
    const restored = await ProductionControls.create({
      store,
      catalog: () => loadCatalog(),
      clock,
    });
    expect(restored.health.admit(GPT4, 'openai').allowed).toBe(false);
  });
});
