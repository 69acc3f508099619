/**
 * Conformance of retention (retention.ts, pg/pg-retention.ts) for every Store implementation: raw
 * decisions and outcomes older than the cutoff are deleted, every-tenant hourly stats over the
 * whole history stay what they were, and rows written afterwards are counted once.
 */
import { afterEach, expect, it } from 'vitest';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import type { DecisionAggregate, OutcomeAggregate } from './stats-repo.js';
import type { OpenTestStore } from './store.case.js';
import type { Store } from './store.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);
const MODELS = ['a', 'b', 'c'];
const PREDICTED = [
  { model: 'a', quality: 0.6, costUsd: 0.001 },
  { model: 'b', quality: 0.9, costUsd: 0.01 },
  { model: 'c', quality: 0.7, costUsd: 0.004 },
];

/** `count` decisions with an outcome each in hour `hour`, ids prefixed by `prefix`. */
async function routeHour(store: Store, options: { hour: number; count: number; prefix: string }) {
  const { hour, count, prefix } = options;
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${hour}-${i}`);
  await store.recordDecisions(
    ids.map((id, i) =>
      decisionFixture({
        id,
        createdAtMs: T0 + hour * HOUR + i * 1000,
        tenant: i % 3 === 0 ? 'globex' : 'acme',
        candidates: MODELS,
        chosenModel: MODELS[i % 3] as string,
        explored: i % 4 === 0,
        predicted: PREDICTED,
      }),
    ),
  );
  for (const [i, id] of ids.entries()) {
    await store.recordFeedback(
      outcomeFixture({
        decisionId: id,
        idempotencyKey: `k-${id}`,
        receivedAtMs: T0 + hour * HOUR + i * 1000 + 500,
        tenant: i % 3 === 0 ? 'globex' : 'acme',
        model: MODELS[i % 3] as string,
        quality: i % 5 === 0 ? null : (i % 7) / 7,
        errorClass: i % 5 === 0 ? 'timeout' : null,
        costUsd: 0.001 * (i + 1),
      }),
    );
  }
}

const QUERY = { sinceMs: T0, untilMs: T0 + 6 * HOUR, bucketMs: HOUR, tenantSeries: true };

function decisionTotals(rows: readonly DecisionAggregate[]): Record<string, unknown> {
  return Object.fromEntries(
    rows.map((row) => [
      `${row.grouping}|${row.bucketMs ?? ''}|${row.model ?? ''}|${row.tenant ?? ''}`,
      [
        row.decisions,
        row.explored,
        row.estimatedCostUsd.toFixed(9),
        row.counterfactualCostUsd.toFixed(9),
      ],
    ]),
  );
}

function outcomeTotals(rows: readonly OutcomeAggregate[]): Record<string, unknown> {
  return Object.fromEntries(
    rows.map((row) => [
      `${row.grouping}|${row.bucketMs ?? ''}|${row.model ?? ''}|${row.tenant ?? ''}|${row.errorClass ?? ''}`,
      [
        row.outcomes,
        row.qualityCount,
        row.qualitySum.toFixed(9),
        row.errors,
        row.reportedCostUsd.toFixed(9),
      ],
    ]),
  );
}

async function totals(store: Store) {
  await store.stats.catchUp();
  return {
    decisions: decisionTotals(await store.stats.decisionAggregates(QUERY)),
    outcomes: outcomeTotals(await store.stats.outcomeAggregates(QUERY)),
  };
}

/** Register the retention conformance tests (call inside a describe block). */
export function runRetentionConformance(open: OpenTestStore): void {
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it('deletes raw rows past the cutoff and keeps every-tenant hourly stats whole', async () => {
    const store = await open({ clock: { now: () => T0 + 6 * HOUR }, storePromptText: false });
    stores.push(store);
    for (const hour of [0, 1, 2, 3]) await routeHour(store, { hour, count: 12, prefix: 'd' });
    const before = await totals(store);
    expect(Object.keys(before.decisions).length).toBeGreaterThan(10);

    const result = await store.retention.run({ cutoffMs: T0 + 2 * HOUR, nowMs: T0 + 6 * HOUR });
    expect(result).toEqual({ cutoffMs: T0 + 2 * HOUR, decisions: 24, outcomes: 24 });
    expect(await store.decisions.get({ id: 'd0-0' })).toEqual({ ok: false, reason: 'not_found' });
    expect((await store.decisions.get({ id: 'd2-0' })).ok).toBe(true);
    expect(await store.decisions.list({ limit: 100 })).toHaveLength(24);
    expect(await store.outcomes.listSince(0)).toHaveLength(24);
    expect(await totals(store)).toEqual(before);

    // Rows written after a run are counted once, on top of the retired and the kept ones.
    await routeHour(store, { hour: 4, count: 6, prefix: 'n' });
    const after = await totals(store);
    expect(after.decisions['bucket_model|' + String(T0 + 4 * HOUR) + '|a|']).toEqual([
      2,
      1,
      '0.002000000',
      '0.020000000',
    ]);
    expect(after.decisions['model||a|']).toEqual([18, 5, '0.018000000', '0.180000000']);
    // A second run with nothing to delete changes nothing.
    await store.retention.run({ cutoffMs: T0 + 2 * HOUR, nowMs: T0 + 6 * HOUR });
    expect(await totals(store)).toEqual(after);
    await store.retention.run({ cutoffMs: T0 + 3 * HOUR, nowMs: T0 + 6 * HOUR });
    expect(await totals(store)).toEqual(after);
    expect(await store.decisions.list({ limit: 100 })).toHaveLength(18);
  });
}
