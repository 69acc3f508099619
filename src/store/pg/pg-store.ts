/**
 * The PostgreSQL store: the same {@link Store} facade as the DuckDB one (../store.ts), over a
 * connection pool, migrated on open, plus the outcome feed that lets several replicas share one
 * database (../outcome-feed.ts).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { StoreError, systemClock } from '../../core/index.js';
import type { Clock } from '../../core/index.js';
import { scheduleRetention } from '../retention.js';
import type { SharedStore } from '../outcome-feed.js';
import { openPgDatabase } from './pg-database.js';
import { createPgDecisionRepo } from './pg-decision-repo.js';
import {
  createPgEmbeddingCacheRepo,
  createPgMetaRepo,
  createPgPolicyStateRepo,
  createPgPromptRepo,
} from './pg-kv-repos.js';
import { runPgMigrations } from './pg-migrations.js';
import { createPgOutcomeFeed } from './pg-outcome-feed.js';
import { createPgOutcomeRepo } from './pg-outcome-repo.js';
import { createPgRetentionRepo } from './pg-retention.js';
import { createPgObservationRepo, createPgUsageRepo } from './pg-report-repos.js';
import { createPgCircuitEventRepo, createPgStatsRepo } from './pg-stats-repo.js';

/** Options for {@link openPgStore}. */
export interface OpenPgStoreOptions {
  /** `postgres://user:password@host:port/database` (ARBITER_DATABASE_URL). */
  readonly url: string;
  /** Pooled connections. @default 8 */
  readonly maxConnections?: number;
  /** Keep prompt text on decisions. @default false */
  readonly storePromptText?: boolean;
  /** Rows per buffered batch. @default 2048 */
  readonly maxBatchRows?: number;
  /** Flush buffered writes this long after the first buffered row, ms; 0 disables. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Time source for `updated_at` style columns. @default systemClock */
  readonly clock?: Clock;
  /** Failures of background flushes; without it they reject the next flush() or close(). */
  readonly onBackgroundError?: (error: StoreError) => void;
  /**
   * Failures of an hourly retention run (nothing waits on one; the next run retries).
   * @default onBackgroundError
   */
  readonly onRetentionError?: (error: StoreError) => void;
  /**
   * This replica's id, stored with the outcomes it records (unique per running process).
   * @default `<hostname>-<pid>-<random>`
   */
  readonly replicaId?: string;
  /**
   * Delete raw decisions and outcomes older than this many days, hourly (pg-retention.ts); at
   * least 35. Unset or 0: keep everything.
   */
  readonly retentionDays?: number;
}

/** Connect, apply pending migrations (once across replicas) and compose the repos. */
export async function openPgStore(options: OpenPgStoreOptions): Promise<SharedStore> {
  const db = await openPgDatabase({
    url: options.url,
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  try {
    await runPgMigrations(db);
  } catch (error: unknown) {
    await db.close();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const writers = {
    ...(options.maxBatchRows === undefined ? {} : { maxBatchRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onBackgroundError === undefined ? {} : { onError: options.onBackgroundError }),
  };
  const decisions = createPgDecisionRepo({
    db,
    ...writers,
    ...(options.storePromptText === undefined ? {} : { storePromptText: options.storePromptText }),
  });
  const replicaId = options.replicaId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const outcomes = createPgOutcomeRepo({ db, ...writers, origin: replicaId });
  const observations = createPgObservationRepo({ db, ...writers });
  const policyState = createPgPolicyStateRepo({ db, clock });
  const flushForRead = async (): Promise<void> => {
    await decisions.flush();
    await outcomes.flush();
  };
  const retention = createPgRetentionRepo({ db, beforeRun: flushForRead });
  const retentionError = options.onRetentionError ?? options.onBackgroundError;
  const stopRetention =
    options.retentionDays !== undefined && options.retentionDays > 0
      ? scheduleRetention({
          repo: retention,
          days: options.retentionDays,
          clock,
          ...(retentionError === undefined
            ? {}
            : {
                onError: (error) =>
                  retentionError(
                    error instanceof StoreError
                      ? error
                      : new StoreError('retention run failed', { cause: error }),
                  ),
              }),
        })
      : undefined;
  return {
    path: db.url,
    decisions,
    outcomes,
    observations,
    policyState,
    prompts: createPgPromptRepo({ db, clock }),
    embeddings: createPgEmbeddingCacheRepo({ db, clock }),
    meta: createPgMetaRepo({ db, clock }),
    usage: createPgUsageRepo({ db, beforeRead: flushForRead }),
    stats: createPgStatsRepo({ db, beforeRead: flushForRead }),
    circuitEvents: createPgCircuitEventRepo({ db }),
    retention,
    feed: createPgOutcomeFeed(db),
    replicaId,
    recordDecisions(list) {
      for (const decision of list) decisions.enqueue(decision);
      return Promise.resolve();
    },
    recordFeedback: (outcome) => outcomes.record(outcome),
    loadPolicyState: (name) => policyState.load(name),
    async flush() {
      await decisions.flush();
      await outcomes.flush();
      await observations.flush();
    },
    async close() {
      await stopRetention?.();
      await db.close();
    },
  };
}
