/**
 * Conformance of the stats reads (stats-repo.ts) and circuit events for every Store implementation:
 * the same decisions and outcomes give the same aggregates, spend, recent decisions and breaker
 * timeline in DuckDB and PostgreSQL.
 */
import { afterEach, expect, it } from 'vitest';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import type { OpenTestStore } from './store.case.js';
import type { Store } from './store.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);
const QUERY = { sinceMs: T0, untilMs: T0 + 2 * HOUR, bucketMs: HOUR, tenantSeries: true };

async function fill(store: Store): Promise<void> {
  const predicted = [
    { model: 'a', quality: 0.6, costUsd: 0.001 },
    { model: 'b', quality: 0.9, costUsd: 0.01 },
    { model: 'c', quality: 0.9, costUsd: 0.02 },
  ];
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
  const reports = [
    { decisionId: 'd1', model: 'a', quality: 0.5, latencyMs: 100, costUsd: 0.002 },
    { decisionId: 'd2', model: 'a', quality: null, latencyMs: 300, errorClass: 'timeout' },
    { decisionId: 'd3', model: 'b', quality: 1, latencyMs: 50, tenant: 'globex', costUsd: 0.01 },
  ];
  for (const [i, report] of reports.entries()) {
    await store.recordFeedback(
      outcomeFixture({
        idempotencyKey: `k${i}`,
        receivedAtMs: T0 + i * HOUR + 10_000,
        costUsd: null,
        errorClass: null,
        ...report,
      }),
    );
  }
  // Readers catch up before reading (the stats reader does it once per request).
  await store.stats.catchUp();
}

/** Register the stats conformance tests (call inside a describe block). */
export function runStatsConformance(open: OpenTestStore): void {
  const stores: Store[] = [];
  const filled = async (): Promise<Store> => {
    const store = await open({ clock: { now: () => T0 + 3 * HOUR }, storePromptText: true });
    stores.push(store);
    await fill(store);
    return store;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('aggregates decisions per bucket, model and tenant with estimated and best-quality cost', async () => {
    const store = await filled();
    const rows = await store.stats.decisionAggregates(QUERY);
    const key = (row: (typeof rows)[number]) =>
      `${row.grouping}|${row.bucketMs ?? ''}|${row.model ?? ''}|${row.tenant ?? ''}`;
    const byKey = new Map(rows.map((row) => [key(row), row]));
    expect(rows).toHaveLength(8);
    expect(byKey.get('model||a|')).toMatchObject({
      decisions: 2,
      explored: 1,
      estimatedCostUsd: 0.002,
      counterfactualCostUsd: 0.02,
    });
    expect(byKey.get(`bucket_model|${T0 + HOUR}|b|`)).toMatchObject({
      decisions: 1,
      estimatedCostUsd: 0.01,
      counterfactualCostUsd: 0.01,
    });
    expect(byKey.get(`bucket_tenant|${T0}||acme`)?.decisions).toBe(2);
    const withoutSeries = await store.stats.decisionAggregates({ ...QUERY, tenantSeries: false });
    expect(withoutSeries.some((row) => row.grouping === 'bucket_tenant')).toBe(false);
    expect(withoutSeries).toHaveLength(6);
    const acme = await store.stats.decisionAggregates({ ...QUERY, tenant: 'acme' });
    expect(acme.some((row) => row.tenant === 'globex' || row.model === 'b')).toBe(false);
  });

  it('aggregates outcomes with error classes and latency percentiles', async () => {
    const store = await filled();
    // Minute buckets: raw rows and exact percentiles in both stores (DuckDB answers every-tenant
    // hour windows from rollups, whose latency percentiles are histogram estimates).
    const rows = await store.stats.outcomeAggregates({ ...QUERY, bucketMs: 60_000 });
    const a = rows.find((row) => row.grouping === 'model' && row.model === 'a');
    expect(a).toMatchObject({ outcomes: 2, qualityCount: 1, qualitySum: 0.5, errors: 1 });
    expect(a?.reportedCostUsd).toBeCloseTo(0.002, 12);
    expect(a?.latencyP50Ms).toBeCloseTo(200, 6);
    expect(a?.latencyP95Ms).toBeCloseTo(290, 6);
    const classes = rows.filter((row) => row.grouping === 'model_error');
    expect(classes).toEqual([expect.objectContaining({ model: 'a', errorClass: 'timeout' })]);
  });

  it('lists recent decisions with exclusions and first outcome, and spend per period', async () => {
    const store = await filled();
    const recent = await store.stats.recentDecisions({ untilMs: T0 + 2 * HOUR, limit: 2 });
    expect(recent.map((d) => d.id)).toEqual(['d3', 'd2']);
    expect(recent[1]).toMatchObject({
      explored: true,
      excluded: [{ model: 'x', reason: 'CIRCUIT_OPEN' }],
      errorClass: 'timeout',
      quality: null,
    });
    const spend = await store.stats.spend({
      dayStartMs: T0 + HOUR,
      monthStartMs: T0 - 10 * HOUR,
      untilMs: T0 + 3 * HOUR,
    });
    expect(spend).toEqual([
      { tenant: 'acme', dayUsd: 0, monthUsd: 0.002 },
      { tenant: 'globex', dayUsd: 0.01, monthUsd: 0.01 },
    ]);
  });

  it('lists circuit transitions in a window with each breaker state before it', async () => {
    const store = await filled();
    const transitions: [number, 'model' | 'provider', string, string, string][] = [
      [T0 - 5000, 'model', 'a', 'closed', 'open'],
      [T0 + 5000, 'model', 'a', 'open', 'half_open'],
      [T0 + 6000, 'model', 'a', 'half_open', 'closed'],
      [T0 + 3 * HOUR, 'provider', 'p', 'closed', 'open'],
    ];
    for (const [atMs, scope, target, from, to] of transitions) {
      await store.circuitEvents.record({ atMs, scope, target, from, to });
    }
    const events = await store.circuitEvents.list({
      sinceMs: T0,
      untilMs: T0 + 2 * HOUR,
      limit: 10,
    });
    expect(events.map((e) => `${e.target}:${e.to}@${e.atMs - T0}`)).toEqual([
      'a:open@-5000',
      'a:half_open@5000',
      'a:closed@6000',
    ]);
  });
}
