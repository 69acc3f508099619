/**
 * The store facade: one database, migrated on open, with every repo composed over it. This is
 * what server/ and cli/ construct; they never see DuckDB types.
 */
import { renameSync } from 'node:fs';
import { StoreError, systemClock } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { MEMORY_PATH, openDatabase } from './db.js';
import type { Database } from './db.js';
import type { DecisionRecord, DecisionRepo } from './decision-repo.js';
import { createDecisionRepo, missingDecisionIds } from './decision-repo.js';
import type { DecisionJournal } from './decision-journal.js';
import { openDecisionJournal, readJournal, removeSegments } from './decision-journal.js';
import type { EmbeddingCacheRepo } from './embedding-cache-repo.js';
import { createEmbeddingCacheRepo } from './embedding-cache-repo.js';
import type { MetaRepo } from './meta-repo.js';
import { createMetaRepo } from './meta-repo.js';
import { runMigrations } from './migrations.js';
import type { ObservationRepo } from './observation-repo.js';
import { createObservationRepo } from './observation-repo.js';
import type { OutcomeRecord, OutcomeRepo, RecordOutcomeResult } from './outcome-repo.js';
import { createOutcomeRepo, mergeStagedOutcomes } from './outcome-repo.js';
import type { PolicyStateRecord, PolicyStateRepo } from './policy-state-repo.js';
import { createPolicyStateRepo } from './policy-state-repo.js';
import type { PromptRepo } from './prompt-repo.js';
import { createPromptRepo } from './prompt-repo.js';
import type { UsageRepo } from './usage-repo.js';
import { createUsageRepo } from './usage-repo.js';
import { importSnapshot, isParquetSnapshot, writeSnapshot } from './snapshot.js';
import type { SnapshotFormat, SnapshotResult } from './snapshot.js';
import type { StatsRepo } from './stats-repo.js';
import { createStatsRepo } from './stats-repo.js';
import type { CircuitEventRepo } from './circuit-event-repo.js';
import type { RetentionRepo } from './retention.js';
import { createRetentionRepo, scheduleRetention } from './retention.js';
import { wrapStoreError } from './store-error.js';

const RETENTION = { context: 'retention run' };
import { createCircuitEventRepo } from './circuit-event-repo.js';

/** Options for {@link openStore}. */
export interface OpenStoreOptions {
  /** Database file (parent folders are created), or `':memory:'` in tests. */
  readonly path: string;
  /** DuckDB worker threads. @default '2' */
  readonly threads?: string;
  /** DuckDB's memory cap (`memory_limit`), e.g. `'256MB'`. @default DEFAULT_MEMORY_LIMIT */
  readonly memoryLimit?: string;
  /**
   * How often DuckDB's memory is trimmed (cached blocks evicted, freed memory handed back), ms; 0 never.
   * @default DEFAULT_TRIM_INTERVAL_MS (file databases)
   */
  readonly trimIntervalMs?: number;
  /** Keep prompt text on decisions. @default false */
  readonly storePromptText?: boolean;
  /** Rows per appender batch for buffered writes, 1 to 2,048. @default 2048 */
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
  /** A Parquet snapshot folder imported before migrations (use with `path: ':memory:'`). */
  readonly importFrom?: string;
  /**
   * Make {@link DecisionRepo.persist} durable through the decision journal (decision-journal.ts)
   * instead of a table commit per call; decisions a crash left in the journal are written to the
   * table on open. @default true for a database file
   */
  readonly journal?: boolean;
  /**
   * Delete raw decisions and outcomes older than this many days, hourly (retention.ts); at least
   * 35. Unset or 0: keep everything.
   */
  readonly retentionDays?: number;
}

/**
 * Open a database file, or a Parquet snapshot folder (`Store.snapshot` with format `parquet`)
 * imported into memory: what offline readers (`--db`) accept.
 */
export async function openStoreOrSnapshot(
  options: Omit<OpenStoreOptions, 'path'> & { readonly path: string },
): Promise<Store> {
  if (!isParquetSnapshot(options.path)) return openStore(options);
  return openStore({ ...options, path: ':memory:', importFrom: options.path });
}

/** The router's persistence, as STYLE.md's DecisionStore plus the repos behind it. */
export interface Store {
  readonly path: string;
  readonly decisions: DecisionRepo;
  readonly outcomes: OutcomeRepo;
  readonly policyState: PolicyStateRepo;
  readonly prompts: PromptRepo;
  readonly embeddings: EmbeddingCacheRepo;
  readonly observations: ObservationRepo;
  readonly meta: MetaRepo;
  /** Spend, decisions and outcomes per tenant, model and day. */
  readonly usage: UsageRepo;
  /** Stats API aggregates (dashboard). */
  readonly stats: StatsRepo;
  /** Circuit-breaker transitions. */
  readonly circuitEvents: CircuitEventRepo;
  /** Deletes raw rows past the retention window; stats keep their hourly sums. */
  readonly retention: RetentionRepo;
  /**
   * What opening found in the decision journal (decision-journal.ts): segments a crash left and the
   * decisions from them written to the table now. Absent without a journal.
   */
  readonly journalReplay?: JournalReplay;
  /** Buffer decisions for the appender (durable after the next flush). */
  recordDecisions(decisions: readonly DecisionRecord[]): Promise<void>;
  /** Record one outcome now; a retried idempotency key is reported as a duplicate. */
  recordFeedback(outcome: OutcomeRecord): Promise<RecordOutcomeResult>;
  /** The saved state of a policy, if any. */
  loadPolicyState(name: string): Promise<PolicyStateRecord | undefined>;
  /** Write every buffered row (decisions, outcomes, observations). */
  flush(): Promise<void>;
  /**
   * Flush, then write a snapshot of the whole database to `path` (which must not exist), written by
   * DuckDB on this connection: usable while this process holds the file. Optional for other stores.
   */
  snapshot?(options: { path: string; format: SnapshotFormat }): Promise<SnapshotResult>;
  /** Flush, then close the connection and the instance. Idempotent. */
  close(): Promise<void>;
}

/** What {@link replayJournal} did. */
export interface JournalReplay {
  /** Segment files found. */
  readonly segments: number;
  /** Decisions in them that the table lacked, now written. */
  readonly written: number;
  /** Decisions the table refused (their segments are kept as `*.rejected`). */
  readonly rejected: number;
}

/**
 * Write the decisions a crash left in the journal of `dbPath` that the table lacks, then delete
 * the segments they were in. A decision the table refuses must not keep the service from starting:
 * when the batch fails, each decision is written on its own, and if one still fails the segments
 * are kept aside as `<segment>.rejected` for inspection (each failure reported through `onError`).
 */
async function replayJournal(
  db: Database,
  decisions: DecisionRepo,
  leftover: ReturnType<typeof readJournal>,
  onError?: (error: StoreError) => void,
): Promise<JournalReplay> {
  const { records } = leftover;
  const segments = leftover.segments.map((segment) => segment.path);
  if (segments.length === 0) return { segments: 0, written: 0, rejected: 0 };
  const missing = await missingDecisionIds(
    db,
    records.map((r) => r.id),
  );
  const toWrite = records.filter((record) => missing.has(record.id));
  for (const record of toWrite) decisions.enqueue(record);
  try {
    await decisions.flush();
  } catch {
    const rejected: string[] = [];
    for (const record of toWrite) {
      try {
        await decisions.insert(record);
      } catch (error: unknown) {
        rejected.push(record.id);
        onError?.(
          new StoreError(
            `replay decision ${record.id} from the journal: ${(error as Error).message}`,
            { cause: error, details: { decisionId: record.id } },
          ),
        );
      }
    }
    if (rejected.length > 0) {
      for (const path of segments) renameSync(path, `${path}.rejected`);
      return {
        segments: segments.length,
        written: toWrite.length - rejected.length,
        rejected: rejected.length,
      };
    }
  }
  removeSegments(segments);
  return { segments: segments.length, written: toWrite.length, rejected: 0 };
}

/** Open (or create) the database, apply pending migrations and compose the repos. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const db = await openDatabase({
    path: options.path,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }),
    ...(options.trimIntervalMs === undefined ? {} : { trimIntervalMs: options.trimIntervalMs }),
  });
  try {
    if (options.importFrom !== undefined) await importSnapshot(db, options.importFrom);
    await runMigrations(db);
    // Finish an outcome batch that a crash left in the staging table.
    await db.use(mergeStagedOutcomes);
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
  const useJournal =
    (options.journal ?? true) && options.path !== MEMORY_PATH && options.importFrom === undefined;
  // Read before the journal opens: its new segments are numbered past the leftover ones.
  const leftover = useJournal ? readJournal(options.path) : undefined;
  const journal: DecisionJournal | undefined = useJournal
    ? openDecisionJournal({
        dbPath: options.path,
        firstSeq: (leftover?.segments.at(-1)?.seq ?? -1) + 1,
        ...(options.onBackgroundError === undefined ? {} : { onError: options.onBackgroundError }),
      })
    : undefined;
  const decisions = createDecisionRepo({
    db,
    ...writers,
    ...(options.storePromptText === undefined ? {} : { storePromptText: options.storePromptText }),
    ...(journal === undefined ? {} : { journal }),
  });
  let journalReplay: JournalReplay | undefined;
  if (journal !== undefined && leftover !== undefined) {
    db.onClose(() => journal.close());
    try {
      journalReplay = await replayJournal(db, decisions, leftover, options.onBackgroundError);
    } catch (error: unknown) {
      await db.close();
      throw wrapStoreError(error, { context: 'replay the decision journal' });
    }
  }
  const outcomes = createOutcomeRepo({ db, ...writers });
  const observations = createObservationRepo({ db, ...writers });
  const policyState = createPolicyStateRepo({ db, clock });
  const flushForRead = async (): Promise<void> => {
    await decisions.flush();
    await outcomes.flush();
  };
  const retention = createRetentionRepo({ db, beforeRun: flushForRead });
  const retentionError = options.onRetentionError ?? options.onBackgroundError;
  if (options.retentionDays !== undefined && options.retentionDays > 0) {
    const stop = scheduleRetention({
      repo: retention,
      days: options.retentionDays,
      clock,
      ...(retentionError === undefined
        ? {}
        : { onError: (error) => retentionError(wrapStoreError(error, RETENTION)) }),
    });
    db.onClose(stop);
  }
  return {
    path: options.path,
    decisions,
    outcomes,
    observations,
    policyState,
    prompts: createPromptRepo({ db, clock }),
    embeddings: createEmbeddingCacheRepo({ db, clock }),
    meta: createMetaRepo({ db, clock }),
    usage: createUsageRepo({ db, beforeRead: flushForRead }),
    stats: createStatsRepo({ db, beforeRead: flushForRead }),
    circuitEvents: createCircuitEventRepo({ db }),
    retention,
    ...(journalReplay === undefined ? {} : { journalReplay }),
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
    async snapshot(target) {
      await decisions.flush();
      await outcomes.flush();
      await observations.flush();
      return writeSnapshot(db, target);
    },
    close: () => db.close(),
  };
}
