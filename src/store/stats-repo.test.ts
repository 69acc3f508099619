import { afterEach, describe, expect, it } from 'vitest';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import { openStore } from './store.js';
import type { Store } from './store.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function filled(): Promise<Store> {
  store = await openStore({ path: ':memory:', flushIntervalMs: 0, storePromptText: true });
  const predicted = [
    { model: 'a', quality: 0.6, costUsd: 0.001 },
    { model: 'b', quality: 0.9, costUsd: 0.01 },
    { model: 'c', quality: 0.9, costUsd: 0.02 },
  ];
  // Hour 0: two decisions for a (acme, one explored); hour 1: one for b (globex).
  await store.recordDecisions([
    decisionFixture({ id: 'd1', createdAtMs: T0 + 1000, chosenModel: 'a', predicted }),
    decisionFixture({
      id: 'd2',
      createdAtMs: T0 + 2000,
      chosenModel: 'a',
      explored: true,
      predicted,
      features: { excluded: [{ model: 'x', reason: 'CIRCUIT_OPEN' }] },
    }),
    decisionFixture({
      id: 'd3',
      createdAtMs: T0 + HOUR + 5,
      tenant: 'globex',
      chosenModel: 'b',
      predicted,
    }),
  ]);
  for (const [i, outcome] of [
    { decisionId: 'd1', model: 'a', quality: 0.5, latencyMs: 100, costUsd: 0.002 },
    { decisionId: 'd2', model: 'a', quality: null, latencyMs: 300, errorClass: 'timeout' },
    { decisionId: 'd3', model: 'b', quality: 1, latencyMs: 50, tenant: 'globex', costUsd: 0.01 },
  ].entries()) {
    await store.recordFeedback(
      outcomeFixture({
        idempotencyKey: `k${i}`,
        receivedAtMs: T0 + i * HOUR + 10_000,
        costUsd: null,
        errorClass: null,
        ...outcome,
      }),
    );
  }
  await store.stats.catchUp();
  return store;
}

const query = { sinceMs: T0, untilMs: T0 + 2 * HOUR, bucketMs: HOUR, tenantSeries: true };
/** Minute buckets: read from decision_facts and outcomes directly, not from the hourly rollups. */
const rawQuery = { ...query, bucketMs: 60_000 };
const wholeWindow = <T extends { grouping: string }>(rows: readonly T[]) =>
  rows
    .filter((row) => row.grouping === 'model' || row.grouping === 'tenant')
    .map((row) => JSON.stringify({ ...row, latencyP50Ms: null, latencyP95Ms: null }))
    .sort();

describe('stats repo', () => {
  it('counts decisions, exploration, estimated and best-quality cost per bucket, model and tenant', async () => {
    const s = await filled();
    const rows = await s.stats.decisionAggregates(query);
    const find = (grouping: string, key: Record<string, unknown>) =>
      rows.find(
        (row) =>
          row.grouping === grouping &&
          Object.entries(key).every(([k, v]) => row[k as keyof typeof row] === v),
      );
    // Best predicted quality is a tie between b and c (0.9): the cheaper, b, sets the counterfactual.
    expect(find('model', { model: 'a' })).toMatchObject({
      decisions: 2,
      explored: 1,
      estimatedCostUsd: 0.002,
      counterfactualCostUsd: 0.02,
    });
    expect(find('bucket_model', { model: 'b', bucketMs: T0 + HOUR })).toMatchObject({
      decisions: 1,
      estimatedCostUsd: 0.01,
      counterfactualCostUsd: 0.01,
    });
    expect(find('tenant', { tenant: 'globex' })).toMatchObject({ decisions: 1 });
    expect(find('bucket_tenant', { tenant: 'acme', bucketMs: T0 })).toMatchObject({ decisions: 2 });
    const acme = await s.stats.decisionAggregates({ ...query, tenant: 'acme' });
    expect(acme.some((row) => row.tenant === 'globex' || row.model === 'b')).toBe(false);
  });

  it('catches decision facts up once, including decisions written after the first read', async () => {
    const s = await filled();
    // filled() caught up once already.
    expect(await s.stats.catchUp()).toBe(0);
    await s.recordDecisions([
      decisionFixture({ id: 'd4', createdAtMs: T0 + 3000, chosenModel: 'a' }),
    ]);
    expect(await s.stats.catchUp()).toBe(1);
    const rows = await s.stats.decisionAggregates(query);
    expect(rows.find((row) => row.grouping === 'model' && row.model === 'a')?.decisions).toBe(3);
  });

  it('answers every-tenant hour windows from the rollups with the same sums as the raw rows', async () => {
    const s = await filled();
    const [rolled, raw] = [
      await s.stats.decisionAggregates(query),
      await s.stats.decisionAggregates(rawQuery),
    ];
    expect(wholeWindow(rolled)).toEqual(wholeWindow(raw));
    const outcomes = await s.stats.outcomeAggregates(query);
    const exact = await s.stats.outcomeAggregates(rawQuery);
    expect(wholeWindow(outcomes)).toEqual(wholeWindow(exact));
    // Rollup latency comes from log-spaced bins (1.15x wide): a's two latencies are 100 and 300 ms.
    const a = outcomes.find((row) => row.grouping === 'model' && row.model === 'a');
    expect(a?.latencyP50Ms).toBeGreaterThan(100 / 1.15);
    expect(a?.latencyP50Ms).toBeLessThan(100 * 1.15);
    expect(a?.latencyP95Ms).toBeGreaterThan(300 / 1.15);
    expect(a?.latencyP95Ms).toBeLessThan(300 * 1.15);
    // Hour buckets read the stored per-hour percentiles; day buckets walk the histograms.
    const hour0 = outcomes.find(
      (row) => row.grouping === 'bucket_model' && row.model === 'a' && row.bucketMs === T0,
    );
    // (a's first hour holds only the 100 ms outcome.)
    expect(hour0?.latencyP95Ms).toBeGreaterThan(100 / 1.15);
    expect(hour0?.latencyP95Ms).toBeLessThan(100 * 1.15);
    const byDay = await s.stats.outcomeAggregates({
      ...query,
      untilMs: T0 + 24 * HOUR,
      bucketMs: 24 * HOUR,
    });
    const day0 = byDay.find((row) => row.grouping === 'bucket_model' && row.model === 'a');
    expect(day0).toMatchObject({ bucketMs: T0, outcomes: 2, latencyP50Ms: a?.latencyP50Ms });
    const errorClasses = (rows: typeof outcomes) =>
      rows
        .filter((row) => row.grouping === 'model_error')
        .map(({ model, errorClass, errors }) => ({ model, errorClass, errors }));
    expect(errorClasses(outcomes)).toEqual(errorClasses(exact));
    // Rows written after a read are rolled up on the next one, once.
    await s.recordFeedback(
      outcomeFixture({
        decisionId: 'd1',
        idempotencyKey: 'k9',
        model: 'a',
        receivedAtMs: T0 + 60_000,
      }),
    );
    await s.stats.catchUp();
    const again = await s.stats.outcomeAggregates(query);
    const a2 = again.find((row) => row.grouping === 'model' && row.model === 'a');
    expect(a2?.outcomes).toBe(3);
    expect(wholeWindow(again)).toEqual(wholeWindow(await s.stats.outcomeAggregates(rawQuery)));
  });

  it('aggregates outcomes: quality, errors by class, latency percentiles, reported cost', async () => {
    const s = await filled();
    const rows = await s.stats.outcomeAggregates(rawQuery);
    const a = rows.find((row) => row.grouping === 'model' && row.model === 'a');
    expect(a).toMatchObject({
      outcomes: 2,
      qualityCount: 1,
      qualitySum: 0.5,
      errors: 1,
      reportedCostUsd: 0.002,
    });
    expect(a?.latencyP50Ms).toBeCloseTo(200, 6);
    expect(a?.latencyP95Ms).toBeCloseTo(290, 6);
    const classes = rows.filter((row) => row.grouping === 'model_error');
    expect(classes).toHaveLength(1);
    expect(classes[0]).toMatchObject({ model: 'a', errorClass: 'timeout', errors: 1 });
  });

  it('lists recent decisions with ranking, exclusions and their outcome', async () => {
    const s = await filled();
    const recent = await s.stats.recentDecisions({ untilMs: T0 + 2 * HOUR, limit: 2 });
    expect(recent.map((d) => d.id)).toEqual(['d3', 'd2']);
    expect(recent[1]).toMatchObject({
      explored: true,
      excluded: [{ model: 'x', reason: 'CIRCUIT_OPEN' }],
      errorClass: 'timeout',
      quality: null,
    });
    expect(recent[0]?.ranking.map((arm) => arm.model)).toEqual(['a', 'b', 'c']);
    const globex = await s.stats.recentDecisions({
      untilMs: T0 + 2 * HOUR,
      limit: 10,
      tenant: 'globex',
    });
    expect(globex.map((d) => d.id)).toEqual(['d3']);
  });

  it('sums spend per tenant since the day and month start', async () => {
    const s = await filled();
    const spend = await s.stats.spend({
      dayStartMs: T0 + HOUR,
      monthStartMs: T0 - 10 * HOUR,
      untilMs: T0 + 3 * HOUR,
    });
    expect(spend).toEqual([
      { tenant: 'acme', dayUsd: 0, monthUsd: 0.002 },
      { tenant: 'globex', dayUsd: 0.01, monthUsd: 0.01 },
    ]);
  });

  it('records circuit transitions and lists the window with each breaker state before it', async () => {
    const s = await filled();
    await s.circuitEvents.record({
      atMs: T0 - 5000,
      scope: 'model',
      target: 'a',
      from: 'closed',
      to: 'open',
    });
    await s.circuitEvents.record({
      atMs: T0 + 5000,
      scope: 'model',
      target: 'a',
      from: 'open',
      to: 'half_open',
    });
    await s.circuitEvents.record({
      atMs: T0 + 6000,
      scope: 'model',
      target: 'a',
      from: 'half_open',
      to: 'closed',
    });
    await s.circuitEvents.record({
      atMs: T0 + 3 * HOUR,
      scope: 'provider',
      target: 'p',
      from: 'closed',
      to: 'open',
    });
    const events = await s.circuitEvents.list({ sinceMs: T0, untilMs: T0 + 2 * HOUR, limit: 10 });
    expect(events.map((e) => `${e.target}:${e.to}`)).toEqual(['a:open', 'a:half_open', 'a:closed']);
  });
});
