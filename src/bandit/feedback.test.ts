/**
 * The feedback loop end to end (RoutingService + DuckDB store + bandit): duplicate, late, out-of-order,
 * unknown and expired feedback, and a restart that resumes with the same choices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { attachBandit, loadPolicy } from '../cli/bootstrap.js';
import { createRng, type Clock } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { Router, priorArmPredictor } from '../router/index.js';
import { RoutingService } from '../service/index.js';
import { openStore, type Store } from '../store/index.js';
import { createPolicy } from './state.js';
import type { BanditPolicy } from './policy.js';

const catalog = loadCatalog();
const CANDIDATES = [
  'openai/gpt-4-1106-preview',
  'mistralai/mistral-7b-chat',
  'meta/llama-2-70b-chat',
];

interface Harness {
  readonly store: Store;
  readonly service: RoutingService;
  readonly policy: BanditPolicy;
  readonly clock: { now: () => number; advance: (ms: number) => void };
  readonly learning: ReturnType<typeof attachBandit>;
}

const open: Store[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

async function harness(
  options: { path?: string; policy?: BanditPolicy; recentCapacity?: number } = {},
): Promise<Harness> {
  const store = await openStore({ path: options.path ?? ':memory:', flushIntervalMs: 0 });
  open.push(store);
  let now = 1_700_000_000_000;
  const clock: Clock & { advance: (ms: number) => void } = {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
  const policy = options.policy ?? createPolicy('thompson');
  let id = 0;
  const router = new Router({
    catalog: () => catalog,
    embedder: new HashEmbedder({ dimension: 32 }),
    predictor: priorArmPredictor(),
    policy,
    rng: createRng(7),
    clock,
    ids: () => `decision-${++id}`,
  });
  const service = new RoutingService({
    router,
    store,
    catalog: () => catalog,
    clock,
    decisionTtlMs: 60_000,
    ...(options.recentCapacity === undefined ? {} : { recentCapacity: options.recentCapacity }),
  });
  const learning = attachBandit({ service, policy, store, saveEvery: 1000 });
  return { store, service, policy, clock, learning };
}

const route = (h: Harness, prompt: string) => h.service.route({ prompt, candidates: CANDIDATES });

describe('bandit feedback loop', () => {
  it('applies an outcome once: a retried idempotency key is a no-op', async () => {
    const h = await harness();
    const decision = await route(h, 'What is 2 + 2?');
    expect(decision.policy).toBe('thompson');
    expect(decision.policyFeatures).toHaveLength(h.policy.features(decision.embedding).length);
    const input = {
      decisionId: decision.decisionId,
      tenant: 'default',
      idempotencyKey: 'k1',
      quality: 1,
    };
    expect((await h.service.feedback(input)).status).toBe('recorded');
    expect(h.policy.version).toBe(1);
    expect((await h.service.feedback(input)).status).toBe('duplicate');
    // The same key with another report is refused, and teaches nothing (issue 13, item 4).
    await expect(h.service.feedback({ ...input, quality: 0 })).rejects.toMatchObject({
      code: 'FEEDBACK_DUPLICATE',
    });
    expect(h.policy.version).toBe(1);
    expect(h.learning.counts.applied).toBe(1);
  });

  it('joins late and out-of-order feedback to the stored decision and its features', async () => {
    const h = await harness({ recentCapacity: 1 });
    const first = await route(h, 'Translate "cat" to French.');
    const second = await route(h, 'Prove that sqrt(2) is irrational.');
    // `first` is no longer in memory: the summary is read back from DuckDB, features included.
    h.clock.advance(30_000);
    await h.service.feedback({
      decisionId: second.decisionId,
      tenant: 'default',
      idempotencyKey: 'b',
      quality: 0.2,
    });
    await h.service.feedback({
      decisionId: first.decisionId,
      tenant: 'default',
      idempotencyKey: 'a',
      quality: 0.9,
      costUsd: 0.001,
    });
    expect(h.policy.version).toBe(2);
    expect(h.learning.counts).toEqual({ applied: 2, skipped: {} });
    const stored = await h.store.decisions.get({ id: first.decisionId });
    expect(stored.ok && stored.value.features?.['policy_features']).toEqual(first.policyFeatures);
  });

  it('learns from a fallback model among the candidates, and skips latency-only feedback', async () => {
    const h = await harness();
    const decision = await route(h, 'Summarise this paragraph.');
    const fallback = decision.ranked[1]?.model as string;
    await h.service.feedback({
      decisionId: decision.decisionId,
      tenant: 'default',
      idempotencyKey: 'f',
      quality: 1,
      model: fallback,
    });
    await h.service.feedback({
      decisionId: decision.decisionId,
      tenant: 'default',
      idempotencyKey: 'l',
      quality: null,
      latencyMs: 900,
    });
    expect(h.policy.toState().model).toMatchObject({
      arms: [expect.objectContaining({ model: fallback, pulls: 1 })],
    });
    expect(h.learning.counts).toEqual({ applied: 1, skipped: { no_quality: 1 } });
  });

  it('refuses unknown and expired decisions with DECISION_UNKNOWN and learns nothing', async () => {
    const h = await harness();
    await expect(
      h.service.feedback({
        decisionId: 'no-such-decision',
        tenant: 'default',
        idempotencyKey: 'u',
        quality: 1,
      }),
    ).rejects.toMatchObject({ code: 'DECISION_UNKNOWN' });
    const decision = await route(h, 'Old question');
    h.clock.advance(61_000);
    await expect(
      h.service.feedback({
        decisionId: decision.decisionId,
        tenant: 'default',
        idempotencyKey: 'e',
        quality: 1,
      }),
    ).rejects.toMatchObject({ code: 'DECISION_UNKNOWN' });
    await expect(
      h.service.feedback({
        decisionId: decision.decisionId,
        tenant: 'other',
        idempotencyKey: 't',
        quality: 1,
      }),
    ).rejects.toMatchObject({ code: 'DECISION_UNKNOWN' });
    expect(h.policy.version).toBe(0);
  });

  it('resumes after a restart with the same choices for the same rng seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-bandit-'));
    try {
      const path = join(dir, 'arbiter.duckdb');
      const before = await harness({ path });
      for (let i = 0; i < 12; i++) {
        const decision = await route(before, `question number ${i}`);
        await before.service.feedback({
          decisionId: decision.decisionId,
          tenant: 'default',
          idempotencyKey: `k${i}`,
          quality: i % 3 === 0 ? 0 : 1,
          costUsd: 0.002,
        });
      }
      await before.learning.close();
      await before.store.close();
      open.length = 0;

      const reopened = await openStore({ path, flushIntervalMs: 0 });
      open.push(reopened);
      const saved = await reopened.policyState.load('thompson');
      expect(saved?.version).toBe(12);
      const restored = await loadPolicy(reopened, 'thompson');
      expect(restored.version).toBe(12);
      const embedder = new HashEmbedder({ dimension: 32 });
      const arms = CANDIDATES.map((model, i) => ({
        model,
        predictedQuality: 0.8 - 0.1 * i,
        estimatedCostUsd: 0.001,
        score: 0.7 - 0.1 * i,
      }));
      for (let i = 0; i < 10; i++) {
        const [embedding] = await embedder.embed([`after restart ${i}`]);
        const context = { arms, embedding: embedding as Float32Array, willingnessToPay: 0.1 };
        expect(restored.select({ ...context, rng: createRng(i) })).toEqual(
          before.policy.select({ ...context, rng: createRng(i) }),
        );
      }
      // A missing or corrupt row starts a fresh policy instead of failing the service.
      await reopened.policyState.save({ name: 'linucb', version: 1, state: { policy: 'linucb' } });
      const warnings: string[] = [];
      const fresh = await loadPolicy(reopened, 'linucb', (m) => warnings.push(m));
      expect(fresh.version).toBe(0);
      expect(warnings).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
