/** Feedback outcomes, keyed by an idempotency key so a client retry is a no-op. */
import { BIGINT, VARCHAR } from '@duckdb/node-api';
import type { StoreError } from '../core/index.js';
import type { BatchWriter } from './batch-writer.js';
import { createBatchWriter } from './batch-writer.js';
import type { Database, Session, SqlRow } from './db.js';
import { withTransaction } from './db.js';
import { createOutcomeGroupCommit, outcomeRow } from './outcome-group-commit.js';
import { asNumber, asNumberOrNull, asString, asStringOrNull, msToBigInt } from './values.js';

/** The observed result of one routed call. */
export interface OutcomeRecord {
  /** The decision this outcome belongs to. The caller checks it exists (no foreign key). */
  readonly decisionId: string;
  /** Client-supplied (or derived) key; the second outcome with the same key is not recorded. */
  readonly idempotencyKey: string;
  /** When the feedback arrived, epoch ms. */
  readonly receivedAtMs: number;
  readonly tenant: string;
  /** The model that actually served the call (the decision's choice, or a fallback). */
  readonly model: string;
  /** Quality in [0, 1], or null when the client sent none (a CHECK constraint enforces the range). */
  readonly quality: number | null;
  /** End-to-end latency, ms. */
  readonly latencyMs: number | null;
  /** Prompt tokens. */
  readonly inputTokens: number | null;
  /** Completion tokens. */
  readonly outputTokens: number | null;
  /** Cost of the call, USD. */
  readonly costUsd: number | null;
  /** Error class (`timeout`, `rate_limited`, ...) when the call failed; null on success. */
  readonly errorClass: string | null;
  /**
   * Hash of what the report said (see service `outcomeFingerprint`), stored with the idempotency
   * key so a replay of the key can be told apart from a different report. Absent on imported rows.
   */
  readonly fingerprint?: string | null;
}

/**
 * What recording an outcome did: a retry with a known key is reported, not stored twice, with the
 * fingerprint stored under that key (null for rows stored without one).
 */
export type RecordOutcomeResult =
  | { readonly recorded: true }
  | {
      readonly recorded: false;
      readonly duplicate: true;
      readonly storedFingerprint: string | null;
    };

/** Per-model aggregates over a time window, for the HTTP stats endpoint. */
export interface ModelStats {
  readonly model: string;
  /** Outcomes in the window. */
  readonly count: number;
  /** Outcomes that carried a quality value. */
  readonly qualityCount: number;
  /** Mean quality over outcomes with one, or null when none had one. */
  readonly meanQuality: number | null;
  /** Share of outcomes with an error class, in [0, 1]. */
  readonly errorRate: number;
  /** Latency percentiles (continuous quantiles), ms; null when no latency was reported. */
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  readonly latencyP99Ms: number | null;
  /** Mean cost per outcome with a cost, USD. */
  readonly meanCostUsd: number | null;
  /** Total cost, USD (0 when none reported). */
  readonly totalCostUsd: number;
}

/** Window and scope for {@link OutcomeRepo.modelStats}. */
export interface ModelStatsQuery {
  /** Inclusive lower bound on received_at, epoch ms. */
  readonly sinceMs: number;
  /** Exclusive upper bound on received_at, epoch ms. */
  readonly untilMs: number;
  /** Only this tenant's outcomes; all tenants when absent. */
  readonly tenant?: string;
}

/** Options for {@link createOutcomeRepo}. */
export interface OutcomeRepoOptions {
  readonly db: Database;
  /** Batch size threshold for {@link OutcomeRepo.enqueue}. @default 2048 */
  readonly maxBatchRows?: number;
  /** Timer flush for enqueued rows, ms. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Failures of background flushes; without it they reject the next flush() or close(). */
  readonly onError?: (error: StoreError) => void;
}

/** Outcomes table access. */
export interface OutcomeRepo {
  /**
   * Record one outcome, resolving once committed; a known idempotency key returns
   * `{recorded: false, duplicate: true}`. Concurrent calls share a commit (outcome-group-commit.ts).
   */
  record(outcome: OutcomeRecord): Promise<RecordOutcomeResult>;
  /**
   * Buffer an outcome (bulk import, replay). Rows land in a staging table and are merged with
   * ON CONFLICT DO NOTHING, so duplicates are dropped silently; use {@link record} when the caller
   * needs to know.
   */
  enqueue(outcome: OutcomeRecord): void;
  /** Write buffered outcomes. */
  flush(): Promise<void>;
  /** The stored outcome with this key, if any. */
  getByIdempotencyKey(key: string): Promise<OutcomeRecord | undefined>;
  /** Outcomes of one decision, oldest first. */
  listForDecision(decisionId: string): Promise<OutcomeRecord[]>;
  /** Per-model count, mean quality, error rate, latency p50/p95/p99 and cost over a window. */
  modelStats(query: ModelStatsQuery): Promise<ModelStats[]>;
  /**
   * Outcomes received at or after `sinceMs`, oldest first (bandit catch-up after a restart); with
   * `newest`, only the newest that many of them.
   */
  listSince(sinceMs: number, options?: { readonly newest?: number }): Promise<OutcomeRecord[]>;
}

const COLUMNS = `decision_id, idempotency_key, epoch_ms(received_at)::DOUBLE AS received_at_ms, tenant,
  model, quality, latency_ms, input_tokens, output_tokens, cost_usd, error_class, fingerprint`;
const GET_SQL = `SELECT ${COLUMNS} FROM outcomes WHERE idempotency_key = $key`;
const LIST_SQL = `SELECT ${COLUMNS} FROM outcomes WHERE decision_id = $decision_id
  ORDER BY received_at, idempotency_key`;
const SINCE_SQL = `SELECT ${COLUMNS} FROM outcomes WHERE received_at >= epoch_ms($since_ms)
  ORDER BY received_at, idempotency_key`;
const NEWEST_SINCE_SQL = `SELECT * FROM (SELECT ${COLUMNS}, received_at AS received_order
  FROM outcomes WHERE received_at >= epoch_ms($since_ms)
  ORDER BY received_at DESC, idempotency_key DESC LIMIT $newest)
  ORDER BY received_order, idempotency_key`;
/** First row per key wins, both within the batch and against rows already stored. */
const MERGE_STAGING_SQL = `INSERT INTO outcomes
  SELECT * FROM outcomes_staging
  QUALIFY row_number() OVER (PARTITION BY idempotency_key ORDER BY received_at) = 1
  ON CONFLICT (idempotency_key) DO NOTHING`;
const CLEAR_STAGING_SQL = 'DELETE FROM outcomes_staging';
const STATS_SQL = `SELECT model,
    count(*)::INTEGER AS count,
    count(quality)::INTEGER AS quality_count,
    avg(quality) AS mean_quality,
    avg(CASE WHEN error_class IS NULL THEN 0.0 ELSE 1.0 END) AS error_rate,
    quantile_cont(latency_ms, 0.5) AS p50,
    quantile_cont(latency_ms, 0.95) AS p95,
    quantile_cont(latency_ms, 0.99) AS p99,
    avg(cost_usd) AS mean_cost,
    coalesce(sum(cost_usd), 0)::DOUBLE AS total_cost
  FROM outcomes
  WHERE received_at >= epoch_ms($since_ms) AND received_at < epoch_ms($until_ms)
    AND ($tenant IS NULL OR tenant = $tenant)
  GROUP BY model
  ORDER BY model`;

function fromRow(row: SqlRow): OutcomeRecord {
  const fingerprint = asStringOrNull(row['fingerprint'], 'fingerprint');
  return {
    ...(fingerprint === null ? {} : { fingerprint }),
    decisionId: asString(row['decision_id'], 'decision_id'),
    idempotencyKey: asString(row['idempotency_key'], 'idempotency_key'),
    receivedAtMs: asNumber(row['received_at_ms'], 'received_at'),
    tenant: asString(row['tenant'], 'tenant'),
    model: asString(row['model'], 'model'),
    quality: asNumberOrNull(row['quality'], 'quality'),
    latencyMs: asNumberOrNull(row['latency_ms'], 'latency_ms'),
    inputTokens: asNumberOrNull(row['input_tokens'], 'input_tokens'),
    outputTokens: asNumberOrNull(row['output_tokens'], 'output_tokens'),
    costUsd: asNumberOrNull(row['cost_usd'], 'cost_usd'),
    errorClass: asStringOrNull(row['error_class'], 'error_class'),
  };
}

/** Move staged outcomes into `outcomes` (also run at open, to finish a batch cut off by a crash). */
export function mergeStagedOutcomes(session: Session): Promise<void> {
  return withTransaction(session.connection, async () => {
    await session.run(MERGE_STAGING_SQL);
    await session.run(CLEAR_STAGING_SQL);
  });
}

/** Create the outcomes repo; its batch writer flushes and closes with `db`. */
export function createOutcomeRepo(options: OutcomeRepoOptions): OutcomeRepo {
  const { db } = options;
  const writer: BatchWriter<OutcomeRecord> = createBatchWriter({
    db,
    table: 'outcomes_staging',
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    toRow: outcomeRow,
    afterAppend: mergeStagedOutcomes,
  });

  const groupCommit = createOutcomeGroupCommit(db);

  async function flushPending(): Promise<void> {
    if (writer.pending > 0) await writer.flush();
  }

  return {
    async record(o) {
      await flushPending();
      return groupCommit.record(o);
    },
    enqueue: (o) => writer.enqueue(o),
    flush: () => writer.flush(),
    async getByIdempotencyKey(key) {
      await flushPending();
      const rows = await db.use((session) => session.prepared(GET_SQL, { key }));
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    async listForDecision(decisionId) {
      await flushPending();
      const rows = await db.use((session) =>
        session.prepared(LIST_SQL, { decision_id: decisionId }),
      );
      return rows.map(fromRow);
    },
    async listSince(sinceMs, options) {
      await flushPending();
      const newest = options?.newest;
      const rows = await db.use((session) =>
        newest === undefined
          ? session.prepared(SINCE_SQL, { since_ms: msToBigInt(sinceMs) }, { since_ms: BIGINT })
          : session.prepared(
              NEWEST_SINCE_SQL,
              { since_ms: msToBigInt(sinceMs), newest: BigInt(Math.max(0, Math.floor(newest))) },
              { since_ms: BIGINT, newest: BIGINT },
            ),
      );
      return rows.map(fromRow);
    },
    async modelStats(query) {
      await flushPending();
      const rows = await db.use((session) =>
        session.prepared(
          STATS_SQL,
          {
            since_ms: msToBigInt(query.sinceMs),
            until_ms: msToBigInt(query.untilMs),
            tenant: query.tenant ?? null,
          },
          { since_ms: BIGINT, until_ms: BIGINT, tenant: VARCHAR },
        ),
      );
      return rows.map((row) => ({
        model: asString(row['model'], 'model'),
        count: asNumber(row['count'], 'count'),
        qualityCount: asNumber(row['quality_count'], 'quality_count'),
        meanQuality: asNumberOrNull(row['mean_quality'], 'mean_quality'),
        errorRate: asNumber(row['error_rate'], 'error_rate'),
        latencyP50Ms: asNumberOrNull(row['p50'], 'p50'),
        latencyP95Ms: asNumberOrNull(row['p95'], 'p95'),
        latencyP99Ms: asNumberOrNull(row['p99'], 'p99'),
        meanCostUsd: asNumberOrNull(row['mean_cost'], 'mean_cost'),
        totalCostUsd: asNumber(row['total_cost'], 'total_cost'),
      }));
    },
  };
}
