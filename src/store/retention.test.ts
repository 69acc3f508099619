import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import { openStore } from './index.js';
import type { Store } from './index.js';
import { MIN_RETENTION_DAYS, retentionCutoff, scheduleRetention } from './retention.js';
import type { RetentionRepo } from './retention.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const PER_HOUR = 1500;

async function routeHour(store: Store, hour: number): Promise<void> {
  const ids = Array.from({ length: PER_HOUR }, (_, i) => `h${hour}-${i}`);
  await store.recordDecisions(
    ids.map((id, i) =>
      decisionFixture({ id, createdAtMs: T0 + hour * HOUR + i, chosenModel: 'claude-haiku' }),
    ),
  );
  await store.decisions.flush();
  for (const [i, id] of ids.entries()) {
    store.outcomes.enqueue(
      outcomeFixture({
        decisionId: id,
        idempotencyKey: id,
        receivedAtMs: T0 + hour * HOUR + i + 1,
        costUsd: 0.001,
      }),
    );
  }
  await store.outcomes.flush();
}

/** Decisions and outcomes per hour, every tenant, from the hourly rollups. */
async function perHour(store: Store, hours: number): Promise<[number, number][]> {
  await store.stats.catchUp();
  const query = { sinceMs: T0, untilMs: T0 + hours * HOUR, bucketMs: HOUR };
  const decisions = await store.stats.decisionAggregates(query);
  const outcomes = await store.stats.outcomeAggregates(query);
  return Array.from({ length: hours }, (_, h) => [
    decisions.find((row) => row.grouping === 'bucket_model' && row.bucketMs === T0 + h * HOUR)
      ?.decisions ?? 0,
    outcomes.find((row) => row.grouping === 'bucket_model' && row.bucketMs === T0 + h * HOUR)
      ?.outcomes ?? 0,
  ]);
}

describe('DuckDB retention on a file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  // A checkpoint that vacuums deleted rows renumbers rowids, which the rollups' watermarks are:
  // rows appended after a run, and after later checkpoints, must be counted exactly once.
  it('counts rows written after a run once, across checkpoints and a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-retention-'));
    dirs.push(dir);
    const path = join(dir, 'r.duckdb');
    const full: [number, number] = [PER_HOUR, PER_HOUR];
    let store = await openStore({ path, flushIntervalMs: 0 });
    try {
      for (const hour of [0, 1, 2]) await routeHour(store, hour);
      expect(await perHour(store, 3)).toEqual([full, full, full]);
      const result = await store.retention.run({ cutoffMs: T0 + 2 * HOUR, nowMs: T0 + 3 * HOUR });
      expect(result).toMatchObject({ decisions: 2 * PER_HOUR, outcomes: 2 * PER_HOUR });
      await routeHour(store, 3);
      expect(await perHour(store, 4)).toEqual([full, full, full, full]);
    } finally {
      await store.close();
    }
    store = await openStore({ path, flushIntervalMs: 0 });
    try {
      await routeHour(store, 4);
      expect(await perHour(store, 5)).toEqual([full, full, full, full, full]);
      expect(await store.decisions.list({ limit: 10 * PER_HOUR })).toHaveLength(3 * PER_HOUR);
    } finally {
      await store.close();
    }
  });
});

describe('scheduleRetention', () => {
  it('refuses fewer days than feedback and monthly budgets need', () => {
    const repo: RetentionRepo = { run: () => Promise.reject(new Error('not called')) };
    expect(() =>
      scheduleRetention({ repo, days: MIN_RETENTION_DAYS - 1, clock: { now: () => 0 } }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('runs every interval with the cutoff of the configured days', async () => {
    const calls: { cutoffMs: number; nowMs: number }[] = [];
    let ran: () => void = () => undefined;
    const once = new Promise<void>((resolve) => {
      ran = resolve;
    });
    const repo: RetentionRepo = {
      run(options) {
        calls.push(options);
        ran();
        return Promise.resolve({ cutoffMs: options.cutoffMs, decisions: 0, outcomes: 0 });
      },
    };
    const now = 100 * 86_400_000;
    const stop = scheduleRetention({ repo, days: 40, clock: { now: () => now }, intervalMs: 5 });
    await once;
    await stop();
    expect(calls[0]).toEqual({ cutoffMs: retentionCutoff({ days: 40, nowMs: now }), nowMs: now });
    expect(calls[0]?.cutoffMs).toBe(60 * 86_400_000);
  });

  it('openStore hands a failed hourly run to onRetentionError, as a StoreError', async () => {
    // Only the hourly interval is faked; DuckDB and the batch writers keep real timers.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const errors: unknown[] = [];
    let store: Store | undefined;
    try {
      store = await openStore({
        path: ':memory:',
        retentionDays: MIN_RETENTION_DAYS,
        onRetentionError: (error) => errors.push(error),
      });
      vi.spyOn(store.retention, 'run').mockRejectedValue(new Error('disk full'));
      await vi.advanceTimersByTimeAsync(HOUR);
      await vi.waitFor(() => expect(errors).toHaveLength(1));
      expect(errors[0]).toMatchObject({ code: 'STORE_FAILED' });
      expect(String((errors[0] as Error).message)).toMatch(/retention run/u);
    } finally {
      vi.useRealTimers();
      await store?.close();
    }
  });
});
