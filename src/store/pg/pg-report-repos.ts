/** PostgreSQL observations (offline datasets) and usage accounting, behind the DuckDB interfaces. */
import type { StoreError } from '../../core/index.js';
import type {
  ObservationRecord,
  ObservationRepo,
  ObservationWithText,
} from '../observation-repo.js';
import type { UsageQuery, UsageRepo } from '../usage-repo.js';
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

const OBSERVATION_TEMPLATES = [
  '?',
  '?',
  '?',
  '?',
  '?',
  '?::float8',
  '?::integer',
  '?::integer',
  '?::float8',
  '?::float8',
  '?',
  'to_timestamp(?::float8 / 1000)',
  '?',
  '?::integer',
] as const;
const OBSERVATIONS_PER_INSERT = rowsPerStatement(OBSERVATION_TEMPLATES.length);

const DATASETS_SQL = `SELECT dataset, count(*)::integer AS observations,
    count(DISTINCT prompt_hash)::integer AS prompts, count(DISTINCT model)::integer AS models
  FROM observations GROUP BY dataset ORDER BY dataset COLLATE "C"`;
const LIST = {
  name: 'arbiter_observations_list',
  text: `SELECT o.dataset, o.prompt_hash, o.prompt_id, o.prompt_group, o.model, o.quality,
      o.input_tokens, o.output_tokens, o.cost_usd, o.latency_ms, o.tenant,
      ${epochMs('o.observed_at', 'observed_at_ms')}, o.source_file, o.source_line,
      p.text AS prompt_text
    FROM observations o JOIN prompts p ON p.hash = o.prompt_hash
    WHERE o.dataset = $1
    ORDER BY o.prompt_hash COLLATE "C", o.model COLLATE "C", o.source_line`,
};

function observationFromRow(row: PgRow): ObservationWithText {
  return {
    dataset: pgString(row, 'dataset'),
    promptHash: pgString(row, 'prompt_hash'),
    promptId: pgStringOrNull(row, 'prompt_id'),
    promptGroup: pgStringOrNull(row, 'prompt_group'),
    model: pgString(row, 'model'),
    quality: pgNumberOrNull(row, 'quality'),
    inputTokens: pgNumberOrNull(row, 'input_tokens'),
    outputTokens: pgNumberOrNull(row, 'output_tokens'),
    costUsd: pgNumberOrNull(row, 'cost_usd'),
    latencyMs: pgNumberOrNull(row, 'latency_ms'),
    tenant: pgStringOrNull(row, 'tenant'),
    observedAtMs: pgNumberOrNull(row, 'observed_at_ms'),
    sourceFile: pgStringOrNull(row, 'source_file'),
    sourceLine: pgNumberOrNull(row, 'source_line'),
    promptText: pgString(row, 'prompt_text'),
  };
}

async function insertObservations(
  tx: PgQueryable,
  rows: readonly ObservationRecord[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += OBSERVATIONS_PER_INSERT) {
    const slice = rows.slice(start, start + OBSERVATIONS_PER_INSERT);
    await tx.query(
      `INSERT INTO observations VALUES ${valuesList(slice.length, OBSERVATION_TEMPLATES)}`,
      slice.flatMap((o) => [
        o.dataset,
        o.promptHash,
        o.promptId,
        o.promptGroup,
        o.model,
        o.quality,
        o.inputTokens,
        o.outputTokens,
        o.costUsd,
        o.latencyMs,
        o.tenant,
        o.observedAtMs,
        o.sourceFile,
        o.sourceLine,
      ]),
    );
  }
}

/** observations table access; its batch writer flushes when `db` closes. */
export function createPgObservationRepo(options: {
  readonly db: PgDatabase;
  readonly maxBatchRows?: number;
  readonly flushIntervalMs?: number;
  readonly onError?: (error: StoreError) => void;
}): ObservationRepo {
  const { db } = options;
  const writer = createPgBatchWriter<ObservationRecord>({
    db,
    table: 'observations',
    write: insertObservations,
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  async function flushPending(): Promise<void> {
    if (writer.pending > 0) await writer.flush();
  }
  return {
    enqueue: (o) => writer.enqueue(o),
    writeNow: (rows) => writer.writeNow(rows),
    flush: () => writer.flush(),
    async deleteDataset(dataset) {
      await flushPending();
      return (await db.query('DELETE FROM observations WHERE dataset = $1 RETURNING 1', [dataset]))
        .length;
    },
    async listDatasets() {
      await flushPending();
      return (await db.query(DATASETS_SQL)).map((row) => ({
        dataset: pgString(row, 'dataset'),
        observations: pgNumber(row, 'observations'),
        prompts: pgNumber(row, 'prompts'),
        models: pgNumber(row, 'models'),
      }));
    },
    async list(dataset) {
      await flushPending();
      return (await db.query(LIST, [dataset])).map(observationFromRow);
    },
  };
}

const WINDOW = `>= to_timestamp($1::float8 / 1000) AND %s < to_timestamp($2::float8 / 1000)
      AND ($3::text IS NULL OR tenant = $3)`;
const USAGE = {
  name: 'arbiter_usage',
  text: `WITH d AS (
      SELECT tenant, chosen_model AS model,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*) AS n
      FROM decisions WHERE created_at ${WINDOW.replace('%s', 'created_at')}
      GROUP BY 1, 2, 3),
    o AS (
      SELECT tenant, model, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
        count(*) AS n, coalesce(sum(cost_usd), 0) AS spend
      FROM outcomes WHERE received_at ${WINDOW.replace('%s', 'received_at')}
      GROUP BY 1, 2, 3)
    SELECT tenant, model, day, coalesce(d.n, 0)::integer AS decisions,
      coalesce(o.n, 0)::integer AS outcomes, coalesce(o.spend, 0)::float8 AS spend_usd
    FROM d FULL OUTER JOIN o USING (tenant, model, day)
    ORDER BY tenant COLLATE "C", model COLLATE "C", day`,
};
const COUNTS = {
  name: 'arbiter_usage_counts',
  text: `SELECT chosen_model AS model, count(*)::integer AS decisions
    FROM decisions WHERE created_at ${WINDOW.replace('%s', 'created_at')}
    GROUP BY chosen_model ORDER BY chosen_model COLLATE "C"`,
};

/** Usage queries; `beforeRead` flushes buffered decisions and outcomes first. */
export function createPgUsageRepo(options: {
  readonly db: PgDatabase;
  readonly beforeRead: () => Promise<void>;
}): UsageRepo {
  const { db } = options;
  const values = (query: UsageQuery): unknown[] => [
    query.sinceMs,
    query.untilMs,
    query.tenant ?? null,
  ];
  return {
    async usage(query) {
      await options.beforeRead();
      return (await db.query(USAGE, values(query))).map((row) => ({
        tenant: pgString(row, 'tenant'),
        model: pgString(row, 'model'),
        day: pgString(row, 'day'),
        decisions: pgNumber(row, 'decisions'),
        outcomes: pgNumber(row, 'outcomes'),
        spendUsd: pgNumber(row, 'spend_usd'),
      }));
    },
    async decisionCounts(query) {
      await options.beforeRead();
      return (await db.query(COUNTS, values(query))).map((row) => ({
        model: pgString(row, 'model'),
        decisions: pgNumber(row, 'decisions'),
      }));
    },
  };
}
