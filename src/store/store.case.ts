/**
 * The Store conformance suite, run by every implementation (DuckDB: store-conformance.test.ts,
 * PostgreSQL: pg/pg-store.test.ts), in the manner of Hono's common.case.test.ts: the same records go
 * in, the same plain records, counts and coded errors come out.
 */
import { afterEach, expect, it } from 'vitest';
import { isRouterError, sha256Hex, type Clock } from '../core/index.js';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import { storedForm } from './decision-codec.js';
import type { ObservationRecord } from './observation-repo.js';
import type { Store } from './store.js';

/** Opens a fresh, empty store (its own database) with the given clock and prompt setting. */
export type OpenTestStore = (options: {
  readonly clock: Clock;
  readonly storePromptText: boolean;
}) => Promise<Store>;

const CLOCK: Clock = { now: () => Date.UTC(2025, 2, 3, 4, 5, 6) };
const DAY = Date.UTC(2025, 0, 2);

function observation(overrides: Partial<ObservationRecord>): ObservationRecord {
  return {
    dataset: 'mmlu',
    promptHash: sha256Hex('q1'),
    promptId: 'mmlu/x/1',
    promptGroup: 'x',
    model: 'm1',
    quality: 1,
    inputTokens: 10,
    outputTokens: 2,
    costUsd: 0.001,
    latencyMs: null,
    tenant: null,
    observedAtMs: null,
    sourceFile: 'mmlu.jsonl',
    sourceLine: 1,
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    return isRouterError(error) ? error.code : 'not a RouterError';
  }
  return 'resolved';
}

/** Register the conformance tests (call inside a describe block). */
export function runStoreConformance(open: OpenTestStore): void {
  const stores: Store[] = [];
  const fresh = async (storePromptText = true): Promise<Store> => {
    const store = await open({ clock: CLOCK, storePromptText });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('round-trips buffered and inserted decisions in their stored form', async () => {
    const store = await fresh();
    const buffered = decisionFixture();
    const inserted = decisionFixture({ id: 'd-2', embedding: null, features: null });
    await store.recordDecisions([buffered]);
    await store.decisions.insert(inserted);
    const got = await store.decisions.get({ id: 'd-1' });
    expect(got).toEqual({ ok: true, value: storedForm(buffered) });
    expect(await store.decisions.get({ id: 'd-2' })).toEqual({
      ok: true,
      value: storedForm(inserted),
    });
  });

  it('drops prompt text unless configured to keep it', async () => {
    const store = await fresh(false);
    await store.decisions.insert(decisionFixture());
    const got = await store.decisions.get({ id: 'd-1' });
    expect(got.ok && got.value.promptText).toBeNull();
  });

  it('answers not_found for unknown ids and other tenants', async () => {
    const store = await fresh();
    await store.decisions.insert(decisionFixture());
    expect(await store.decisions.get({ id: 'nope' })).toEqual({ ok: false, reason: 'not_found' });
    expect(await store.decisions.get({ id: 'd-1', tenant: 'other' })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect((await store.decisions.get({ id: 'd-1', tenant: 'acme' })).ok).toBe(true);
  });

  it('lists a decision window newest first, filtered by tenant', async () => {
    const store = await fresh();
    for (let i = 0; i < 4; i++) {
      store.decisions.enqueue(
        decisionFixture({
          id: `d-${i}`,
          createdAtMs: DAY + i * 1000,
          tenant: i % 2 === 0 ? 'acme' : 'beta',
        }),
      );
    }
    const all = await store.decisions.list({ sinceMs: DAY + 1000, untilMs: DAY + 4000 });
    expect(all.map((d) => d.id)).toEqual(['d-3', 'd-2', 'd-1']);
    const acme = await store.decisions.list({ tenant: 'acme', limit: 1 });
    expect(acme.map((d) => d.id)).toEqual(['d-2']);
  });

  it('refuses a duplicate decision id with STORE_FAILED', async () => {
    const store = await fresh();
    await store.decisions.insert(decisionFixture());
    expect(await codeOf(store.decisions.insert(decisionFixture()))).toBe('STORE_FAILED');
  });

  it('records an outcome once and reports the stored fingerprint on a retry', async () => {
    const store = await fresh();
    await store.decisions.insert(decisionFixture());
    const outcome = outcomeFixture({ fingerprint: 'f-1' });
    expect(await store.recordFeedback(outcome)).toEqual({ recorded: true });
    expect(await store.recordFeedback({ ...outcome, quality: 0.1, fingerprint: 'f-2' })).toEqual({
      recorded: false,
      duplicate: true,
      storedFingerprint: 'f-1',
    });
    expect(await store.outcomes.getByIdempotencyKey('k-1')).toEqual(outcome);
    expect(await store.outcomes.getByIdempotencyKey('k-none')).toBeUndefined();
  });

  it('shares nothing between concurrent records of one key: exactly one is recorded', async () => {
    const store = await fresh();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.recordFeedback(outcomeFixture({ quality: i / 10, fingerprint: `f-${i}` })),
      ),
    );
    expect(results.filter((r) => r.recorded)).toHaveLength(1);
    expect(await store.outcomes.listForDecision('d-1')).toHaveLength(1);
  });

  it('refuses quality outside [0, 1] with STORE_FAILED, without failing other records', async () => {
    const store = await fresh();
    const [bad, good] = await Promise.allSettled([
      store.recordFeedback(outcomeFixture({ quality: 1.5 })),
      store.recordFeedback(outcomeFixture({ idempotencyKey: 'k-2' })),
    ]);
    expect(bad.status === 'rejected' && isRouterError(bad.reason, 'STORE_FAILED')).toBe(true);
    expect(good).toEqual({ status: 'fulfilled', value: { recorded: true } });
  });

  it('drops duplicate keys from buffered outcomes, earliest received first', async () => {
    const store = await fresh();
    await store.recordFeedback(outcomeFixture({ idempotencyKey: 'k-stored', quality: 0.5 }));
    store.outcomes.enqueue(outcomeFixture({ idempotencyKey: 'k-stored', quality: 0.1 }));
    store.outcomes.enqueue(
      outcomeFixture({ idempotencyKey: 'k-a', receivedAtMs: DAY + 20, quality: 0.2 }),
    );
    store.outcomes.enqueue(
      outcomeFixture({ idempotencyKey: 'k-a', receivedAtMs: DAY + 10, quality: 0.3 }),
    );
    await store.outcomes.flush();
    const listed = await store.outcomes.listForDecision('d-1');
    expect(listed.map((o) => [o.idempotencyKey, o.quality])).toEqual([
      ['k-a', 0.3],
      ['k-stored', 0.5],
    ]);
    expect((await store.outcomes.listSince(DAY + 11)).map((o) => o.idempotencyKey)).toEqual([
      'k-stored',
    ]);
    // Only the newest n, still oldest first.
    expect((await store.outcomes.listSince(0, { newest: 1 })).map((o) => o.idempotencyKey)).toEqual(
      ['k-stored'],
    );
    expect((await store.outcomes.listSince(0, { newest: 5 })).map((o) => o.idempotencyKey)).toEqual(
      ['k-a', 'k-stored'],
    );
  });

  it('computes per-model stats over a window and tenant', async () => {
    const store = await fresh();
    const at = (i: number) => DAY + i;
    const rows = [
      { model: 'a', quality: 1, latencyMs: 100, costUsd: 0.01, errorClass: null },
      { model: 'a', quality: 0, latencyMs: 300, costUsd: 0.03, errorClass: 'timeout' },
      { model: 'a', quality: null, latencyMs: null, costUsd: null, errorClass: null },
      { model: 'b', quality: 0.5, latencyMs: 50, costUsd: 0.02, errorClass: null },
    ];
    for (const [i, row] of rows.entries()) {
      await store.recordFeedback(
        outcomeFixture({ ...row, idempotencyKey: `k-${i}`, receivedAtMs: at(i) }),
      );
    }
    await store.recordFeedback(
      outcomeFixture({ idempotencyKey: 'other', tenant: 'beta', model: 'a' }),
    );
    const stats = await store.outcomes.modelStats({
      sinceMs: DAY,
      untilMs: DAY + 10,
      tenant: 'acme',
    });
    expect(stats.map((s) => s.model)).toEqual(['a', 'b']);
    const [a] = stats;
    expect(a?.count).toBe(3);
    expect(a?.qualityCount).toBe(2);
    expect(a?.meanQuality).toBeCloseTo(0.5, 12);
    expect(a?.errorRate).toBeCloseTo(1 / 3, 12);
    expect(a?.latencyP50Ms).toBeCloseTo(200, 9);
    expect(a?.totalCostUsd).toBeCloseTo(0.04, 12);
    expect(a?.meanCostUsd).toBeCloseTo(0.02, 12);
  });

  it('saves and loads policy state and meta values, last write wins', async () => {
    const store = await fresh();
    expect(await store.loadPolicyState('linucb')).toBeUndefined();
    await store.policyState.save({ name: 'linucb', version: 1, state: { a: [1, 2] } });
    await store.policyState.save({ name: 'linucb', version: 2, state: { a: [3] } });
    await store.policyState.save({ name: 'thompson', version: 1, state: {} });
    expect(await store.loadPolicyState('linucb')).toEqual({
      name: 'linucb',
      version: 2,
      state: { a: [3] },
      updatedAtMs: CLOCK.now(),
    });
    expect(await store.policyState.names()).toEqual(['linucb', 'thompson']);
    expect(await store.meta.get('k')).toBeUndefined();
    await store.meta.set('k', 'v1');
    await store.meta.set('k', 'v2');
    expect(await store.meta.get('k')).toBe('v2');
  });

  it('caches embeddings per embedder, bit-exact, first write wins', async () => {
    const store = await fresh();
    const v = Float32Array.from([0.1, -1 / 3, 1e-7]);
    expect(
      await store.embeddings.put({ embedderId: 'e1', items: [{ textHash: 'h1', embedding: v }] }),
    ).toBe(1);
    expect(
      await store.embeddings.put({
        embedderId: 'e1',
        items: [
          { textHash: 'h1', embedding: Float32Array.from([9, 9, 9]) },
          { textHash: 'h2', embedding: v },
        ],
      }),
    ).toBe(1);
    const got = await store.embeddings.getMany({ embedderId: 'e1', textHashes: ['h1', 'h3'] });
    expect([...got.keys()]).toEqual(['h1']);
    expect(Array.from(got.get('h1') ?? [])).toEqual(Array.from(v));
    expect(await store.embeddings.count('e1')).toBe(2);
    expect(await store.embeddings.count('e2')).toBe(0);
    const mixed = store.embeddings.put({
      embedderId: 'e1',
      items: [
        { textHash: 'x', embedding: v },
        { textHash: 'y', embedding: Float32Array.from([1]) },
      ],
    });
    expect(await codeOf(mixed)).toBe('INPUT_INVALID');
  });

  it('ingests prompts and observations, lists and deletes a dataset', async () => {
    const store = await fresh();
    expect(
      await store.prompts.put([
        { hash: sha256Hex('q1'), text: 'q1' },
        { hash: sha256Hex('q1'), text: 'q1' },
        { hash: sha256Hex('q2'), text: 'q2' },
      ]),
    ).toBe(2);
    expect(await store.prompts.put([{ hash: sha256Hex('q1'), text: 'q1' }])).toBe(0);
    expect((await store.prompts.getMany([sha256Hex('q2'), 'missing'])).get(sha256Hex('q2'))).toBe(
      'q2',
    );
    await store.observations.writeNow([
      observation({ model: 'm2', observedAtMs: DAY }),
      observation({}),
      observation({ promptHash: sha256Hex('q2'), sourceLine: 2 }),
    ]);
    store.observations.enqueue(observation({ dataset: 'arc' }));
    expect(await store.observations.listDatasets()).toEqual([
      { dataset: 'arc', observations: 1, prompts: 1, models: 1 },
      { dataset: 'mmlu', observations: 3, prompts: 2, models: 2 },
    ]);
    const listed = await store.observations.list('mmlu');
    const first = sha256Hex('q1') < sha256Hex('q2') ? 'q1' : 'q2';
    expect(listed[0]?.promptText).toBe(first);
    expect(listed.find((o) => o.model === 'm2')?.observedAtMs).toBe(DAY);
    expect(await store.observations.deleteDataset('mmlu')).toBe(3);
    expect((await store.observations.listDatasets()).map((d) => d.dataset)).toEqual(['arc']);
  });

  it('accounts usage per tenant, model and UTC day, including buffered decisions', async () => {
    const store = await fresh();
    store.decisions.enqueue(decisionFixture({ id: 'a', createdAtMs: DAY + 1 }));
    store.decisions.enqueue(decisionFixture({ id: 'b', createdAtMs: DAY + 86_400_000 }));
    await store.recordFeedback(
      outcomeFixture({ decisionId: 'a', receivedAtMs: DAY + 2, costUsd: 0.5 }),
    );
    const rows = await store.usage.usage({ sinceMs: DAY, untilMs: DAY + 2 * 86_400_000 });
    expect(rows).toEqual([
      {
        tenant: 'acme',
        model: 'claude-haiku',
        day: '2025-01-02',
        decisions: 1,
        outcomes: 1,
        spendUsd: 0.5,
      },
      {
        tenant: 'acme',
        model: 'claude-haiku',
        day: '2025-01-03',
        decisions: 1,
        outcomes: 0,
        spendUsd: 0,
      },
    ]);
    expect(
      await store.usage.decisionCounts({ sinceMs: DAY, untilMs: DAY + 10, tenant: 'acme' }),
    ).toEqual([{ model: 'claude-haiku', decisions: 1 }]);
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const store = await open({ clock: CLOCK, storePromptText: false });
    store.decisions.enqueue(decisionFixture());
    await Promise.all([store.close(), store.close()]);
    expect(await codeOf(store.decisions.get({ id: 'd-1' }))).toBe('STORE_FAILED');
  });
}
