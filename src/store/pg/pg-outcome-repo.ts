/**
 * Feedback outcomes in PostgreSQL, behind the DuckDB store's OutcomeRepo interface. `record` is one
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING` per call: concurrent calls run on pooled
 * connections and PostgreSQL groups their WAL flushes itself, so no client-side group commit.
 */
import type { StoreError } from '../../core/index.js';
import type {
  ModelStats,
  OutcomeRecord,
  OutcomeRepo,
  RecordOutcomeResult,
} from '../outcome-repo.js';
import { createPgBatchWriter } from './pg-batch-writer.js';
import type { PgDatabase, PgQueryable, PgRow } from './pg-database.js';
import {
  epochMs,
  pgNumber,
  pgNumberOrNull,
  pgString,
  pgStringOrNull,
  rowsPerStatement,
  valuesList,
} from './pg-values.js';

/** Options for {@link createPgOutcomeRepo}. */
export interface PgOutcomeRepoOptions {
  readonly db: PgDatabase;
  /** Batch size threshold for enqueue. @default 2048 */
  readonly maxBatchRows?: number;
  /** Timer flush for enqueued rows, ms. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Failures of background flushes. */
  readonly onError?: (error: StoreError) => void;
  /** This replica's id, stored with each outcome it records (`outcomes.origin`). */
  readonly origin?: string;
}

/** Outcome columns as selected, shared with the replica feed (pg-outcome-feed.ts). */
export const OUTCOME_COLUMNS = `decision_id, idempotency_key, ${epochMs('received_at', 'received_at_ms')},
  tenant, model, quality, latency_ms, input_tokens, output_tokens, cost_usd, error_class, fingerprint`;

const INSERT_COLUMNS = `(decision_id, idempotency_key, received_at, tenant, model, quality,
  latency_ms, input_tokens, output_tokens, cost_usd, error_class, fingerprint, origin)`;
const TEMPLATES = [
  '?',
  '?',
  'to_timestamp(?::float8 / 1000)',
  '?',
  '?',
  '?::float8',
  '?::float8',
  '?::integer',
  '?::integer',
  '?::float8',
  '?',
  '?',
  '?',
] as const;
const ROWS_PER_INSERT = rowsPerStatement(TEMPLATES.length);

const RECORD = {
  name: 'arbiter_outcome_record',
  text: `INSERT INTO outcomes ${INSERT_COLUMNS} VALUES ${valuesList(1, TEMPLATES)}
    ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`,
};
const STORED_FINGERPRINT = {
  name: 'arbiter_outcome_fingerprint',
  text: 'SELECT fingerprint FROM outcomes WHERE idempotency_key = $1',
};
const GET = {
  name: 'arbiter_outcome_get',
  text: `SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE idempotency_key = $1`,
};
const LIST = {
  name: 'arbiter_outcome_list',
  text: `SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE decision_id = $1
    ORDER BY received_at, idempotency_key COLLATE "C"`,
};
const SINCE = {
  name: 'arbiter_outcome_since',
  text: `SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE received_at >= to_timestamp($1::float8 / 1000)
    ORDER BY received_at, idempotency_key COLLATE "C"`,
};
const NEWEST_SINCE = {
  name: 'arbiter_outcome_newest_since',
  text: `SELECT * FROM (SELECT ${OUTCOME_COLUMNS}, received_at AS received_order FROM outcomes
    WHERE received_at >= to_timestamp($1::float8 / 1000)
    ORDER BY received_at DESC, idempotency_key COLLATE "C" DESC LIMIT $2) newest
    ORDER BY received_order, idempotency_key COLLATE "C"`,
};
const STATS = {
  name: 'arbiter_outcome_stats',
  text: `SELECT model,
      count(*)::integer AS count,
      count(quality)::integer AS quality_count,
      avg(quality)::float8 AS mean_quality,
      avg(CASE WHEN error_class IS NULL THEN 0.0 ELSE 1.0 END)::float8 AS error_rate,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
      percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99,
      avg(cost_usd)::float8 AS mean_cost,
      coalesce(sum(cost_usd), 0)::float8 AS total_cost
    FROM outcomes
    WHERE received_at >= to_timestamp($1::float8 / 1000) AND received_at < to_timestamp($2::float8 / 1000)
      AND ($3::text IS NULL OR tenant = $3)
    GROUP BY model
    ORDER BY model COLLATE "C"`,
};

/** A stored outcome row as the repo's record. */
export function outcomeFromRow(row: PgRow): OutcomeRecord {
  const fingerprint = pgStringOrNull(row, 'fingerprint');
  return {
    ...(fingerprint === null ? {} : { fingerprint }),
    decisionId: pgString(row, 'decision_id'),
    idempotencyKey: pgString(row, 'idempotency_key'),
    receivedAtMs: pgNumber(row, 'received_at_ms'),
    tenant: pgString(row, 'tenant'),
    model: pgString(row, 'model'),
    quality: pgNumberOrNull(row, 'quality'),
    latencyMs: pgNumberOrNull(row, 'latency_ms'),
    inputTokens: pgNumberOrNull(row, 'input_tokens'),
    outputTokens: pgNumberOrNull(row, 'output_tokens'),
    costUsd: pgNumberOrNull(row, 'cost_usd'),
    errorClass: pgStringOrNull(row, 'error_class'),
  };
}

function outcomeValues(o: OutcomeRecord, origin: string | null): unknown[] {
  return [
    o.decisionId,
    o.idempotencyKey,
    o.receivedAtMs,
    o.tenant,
    o.model,
    o.quality,
    o.latencyMs,
    o.inputTokens,
    o.outputTokens,
    o.costUsd,
    o.errorClass,
    o.fingerprint ?? null,
    origin,
  ];
}

/** Bulk insert; the earliest received row wins a key, in the batch and against stored rows. */
async function insertOutcomes(
  tx: PgQueryable,
  rows: readonly OutcomeRecord[],
  origin: string | null,
): Promise<void> {
  const ordered = [...rows].sort((a, b) => a.receivedAtMs - b.receivedAtMs);
  for (let start = 0; start < ordered.length; start += ROWS_PER_INSERT) {
    const slice = ordered.slice(start, start + ROWS_PER_INSERT);
    await tx.query(
      `INSERT INTO outcomes ${INSERT_COLUMNS} VALUES ${valuesList(slice.length, TEMPLATES)}
        ON CONFLICT (idempotency_key) DO NOTHING`,
      slice.flatMap((o) => outcomeValues(o, origin)),
    );
  }
}

/** Create the outcomes repo; its batch writer flushes when `db` closes. */
export function createPgOutcomeRepo(options: PgOutcomeRepoOptions): OutcomeRepo {
  const { db } = options;
  const origin = options.origin ?? null;
  const writer = createPgBatchWriter<OutcomeRecord>({
    db,
    table: 'outcomes',
    write: (tx, rows) => insertOutcomes(tx, rows, origin),
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  async function flushPending(): Promise<void> {
    if (writer.pending > 0) await writer.flush();
  }
  return {
    async record(outcome): Promise<RecordOutcomeResult> {
      await flushPending();
      const inserted = await db.query(RECORD, outcomeValues(outcome, origin));
      if (inserted.length > 0) return { recorded: true };
      const stored = await db.query(STORED_FINGERPRINT, [outcome.idempotencyKey]);
      const row = stored[0];
      return {
        recorded: false,
        duplicate: true,
        storedFingerprint: row === undefined ? null : pgStringOrNull(row, 'fingerprint'),
      };
    },
    enqueue: (outcome) => writer.enqueue(outcome),
    flush: () => writer.flush(),
    async getByIdempotencyKey(key) {
      await flushPending();
      const rows = await db.query(GET, [key]);
      return rows[0] === undefined ? undefined : outcomeFromRow(rows[0]);
    },
    async listForDecision(decisionId) {
      await flushPending();
      return (await db.query(LIST, [decisionId])).map(outcomeFromRow);
    },
    async listSince(sinceMs, options) {
      await flushPending();
      const newest = options?.newest;
      return (
        newest === undefined
          ? await db.query(SINCE, [sinceMs])
          : await db.query(NEWEST_SINCE, [sinceMs, Math.max(0, Math.floor(newest))])
      ).map(outcomeFromRow);
    },
    async modelStats(query): Promise<ModelStats[]> {
      await flushPending();
      const rows = await db.query(STATS, [query.sinceMs, query.untilMs, query.tenant ?? null]);
      return rows.map((row) => ({
        model: pgString(row, 'model'),
        count: pgNumber(row, 'count'),
        qualityCount: pgNumber(row, 'quality_count'),
        meanQuality: pgNumberOrNull(row, 'mean_quality'),
        errorRate: pgNumber(row, 'error_rate'),
        latencyP50Ms: pgNumberOrNull(row, 'p50'),
        latencyP95Ms: pgNumberOrNull(row, 'p95'),
        latencyP99Ms: pgNumberOrNull(row, 'p99'),
        meanCostUsd: pgNumberOrNull(row, 'mean_cost'),
        totalCostUsd: pgNumber(row, 'total_cost'),
      }));
    },
  };
}
