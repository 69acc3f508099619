/**
 * Retention: raw decisions (and with them the decision_facts view) and outcomes older than a cutoff
 * are deleted; the hourly rollups (stats-rollup.ts) keep their sums, so every-tenant stats on whole
 * hours stay complete for all time while per-tenant and minute-bucket stats, recent decisions,
 * usage and feedback cover the retention window.
 *
 * DuckDB renumbers rowids when a checkpoint vacuums deleted rows, and the rollups' watermarks are
 * rowids. So one turn on the write connection (no append can come between) catches the rollups
 * up, deletes, checkpoints (the vacuum happens now), and sets the watermarks to the largest rowids
 * left: every row still there is covered, every later append is past them.
 */
import { BIGINT } from '@duckdb/node-api';
import { RouterError } from '../core/index.js';
import type { Database, Session } from './db.js';
import { catchUpRollups } from './stats-rollup.js';
import { asNumber, msToBigInt } from './values.js';

/** Rows one retention run deleted. */
export interface RetentionResult {
  /** The cutoff: rows created (decisions) or received (outcomes) before it went, epoch ms. */
  readonly cutoffMs: number;
  readonly decisions: number;
  readonly outcomes: number;
}

/** Retention over one store. */
export interface RetentionRepo {
  /** Delete raw rows older than `cutoffMs` (epoch ms), after their sums are in the rollups. */
  run(options: { readonly cutoffMs: number; readonly nowMs: number }): Promise<RetentionResult>;
}

/** Smallest retention the service accepts, days: feedback is taken for 30 days, budgets sum a month. */
export const MIN_RETENTION_DAYS = 35;
const DAY_MS = 86_400_000;

/** The cutoff of a retention of `days` days at `nowMs`. */
export function retentionCutoff(options: {
  readonly days: number;
  readonly nowMs: number;
}): number {
  return options.nowMs - options.days * DAY_MS;
}

const DELETE_DECISIONS_SQL = 'DELETE FROM decisions WHERE created_at < epoch_ms($cutoff)';
const DELETE_OUTCOMES_SQL = 'DELETE FROM outcomes WHERE received_at < epoch_ms($cutoff)';
const RECORD_SQL = `INSERT INTO retention_runs
  VALUES (epoch_ms($now), epoch_ms($cutoff), $decisions, $outcomes)`;
const MAX_ROWIDS_SQL = `SELECT (SELECT coalesce(max(rowid), -1) FROM decisions)::BIGINT AS decisions,
  (SELECT coalesce(max(rowid), -1) FROM outcomes)::BIGINT AS outcomes`;
const REBASE_SQL = `INSERT INTO stats_watermarks VALUES ($name, $max)
  ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`;

async function inTransaction<T>(session: Session, fn: () => Promise<T>): Promise<T> {
  await session.run('BEGIN TRANSACTION');
  try {
    const result = await fn();
    await session.run('COMMIT');
    return result;
  } catch (error: unknown) {
    try {
      await session.run('ROLLBACK');
    } catch {
      // Already aborted by the failure; the original error is the one to report.
    }
    throw error;
  }
}

async function deleted(session: Session, sql: string, cutoff: bigint): Promise<number> {
  const rows = await session.all(`${sql} RETURNING 1`, { cutoff }, { cutoff: BIGINT });
  return rows.length;
}

/** Retention for the DuckDB store; `beforeRun` flushes buffered rows first. */
export function createRetentionRepo(options: {
  readonly db: Database;
  readonly beforeRun: () => Promise<void>;
}): RetentionRepo {
  return {
    async run({ cutoffMs, nowMs }) {
      await options.beforeRun();
      const cutoff = msToBigInt(cutoffMs);
      return options.db.use(async (session) => {
        const counts = await inTransaction(session, async () => {
          await catchUpRollups(session);
          const decisions = await deleted(session, DELETE_DECISIONS_SQL, cutoff);
          const outcomes = await deleted(session, DELETE_OUTCOMES_SQL, cutoff);
          await session.run(
            RECORD_SQL,
            { now: msToBigInt(nowMs), cutoff, decisions, outcomes },
            { now: BIGINT, cutoff: BIGINT, decisions: BIGINT, outcomes: BIGINT },
          );
          return { decisions, outcomes };
        });
        if (counts.decisions + counts.outcomes > 0) {
          await session.run('CHECKPOINT');
          await inTransaction(session, async () => {
            const [max] = await session.all(MAX_ROWIDS_SQL);
            const decisionsMax = BigInt(asNumber(max?.['decisions'], 'decisions'));
            const outcomesMax = BigInt(asNumber(max?.['outcomes'], 'outcomes'));
            await session.run(
              REBASE_SQL,
              { name: 'decisions', max: decisionsMax },
              { max: BIGINT },
            );
            await session.run(REBASE_SQL, { name: 'outcomes', max: outcomesMax }, { max: BIGINT });
          });
        }
        return { cutoffMs, ...counts };
      });
    },
  };
}

/** Options for {@link scheduleRetention}. */
export interface ScheduleRetentionOptions {
  readonly repo: RetentionRepo;
  /** Days raw rows are kept; at least {@link MIN_RETENTION_DAYS}. */
  readonly days: number;
  readonly clock: { now(): number };
  /** Time between runs, ms; the first run comes one interval after the start. @default 3600000 */
  readonly intervalMs?: number;
  /** Failures of a run (the next run tries again). */
  readonly onError?: (error: unknown) => void;
}

/** Run retention every `intervalMs` until the returned stop function is called. */
export function scheduleRetention(options: ScheduleRetentionOptions): () => Promise<void> {
  if (!Number.isInteger(options.days) || options.days < MIN_RETENTION_DAYS) {
    throw new RouterError(
      'CONFIG_INVALID',
      `retention must keep at least ${MIN_RETENTION_DAYS} days of raw decisions`,
      { details: { days: options.days } },
    );
  }
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const nowMs = options.clock.now();
    running = options.repo
      .run({ cutoffMs: retentionCutoff({ days: options.days, nowMs }), nowMs })
      .catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? 3_600_000);
  // Retention must not keep the process alive.
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
