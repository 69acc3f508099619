/** Routing decisions in PostgreSQL, behind the DuckDB store's DecisionRepo interface. */
import { fail, ok, type StoreError } from '../../core/index.js';
import type { DecisionRecord, DecisionRepo, PredictedArm } from '../decision-repo.js';
import { vectorToBlob } from '../values.js';
import { createPgBatchWriter } from './pg-batch-writer.js';
import type { PgDatabase, PgQueryable, PgRow } from './pg-database.js';
import {
  epochMs,
  pgBlobVectorOrNull,
  pgBoolean,
  pgJson,
  pgNumber,
  pgString,
  pgStringList,
  pgStringOrNull,
  rowsPerStatement,
  valuesList,
} from './pg-values.js';

/** Options for {@link createPgDecisionRepo}. */
export interface PgDecisionRepoOptions {
  readonly db: PgDatabase;
  /** Keep prompt text; when false the column is written as NULL. @default false */
  readonly storePromptText?: boolean;
  /** Batch size threshold for enqueue. @default 2048 */
  readonly maxBatchRows?: number;
  /** Timer flush for enqueued rows, ms. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Failures of background flushes. */
  readonly onError?: (error: StoreError) => void;
}

const COLUMNS = `id, ${epochMs('created_at', 'created_at_ms')}, tenant, prompt_hash, prompt_text,
  embedding, embedder_id, candidates, chosen_model, propensity, explored, policy, policy_version,
  predictor_version, predicted::text AS predicted, features::text AS features`;

/** One value per column, in table order; `?` is where the placeholder goes. */
const TEMPLATES = [
  '?',
  'to_timestamp(?::float8 / 1000)',
  '?',
  '?',
  '?',
  '?::bytea',
  '?',
  '?::text[]',
  '?',
  '?::float8',
  '?::boolean',
  '?',
  '?::integer',
  '?',
  '?::jsonb',
  '?::jsonb',
] as const;
const ROWS_PER_INSERT = rowsPerStatement(TEMPLATES.length);

const GET = {
  name: 'arbiter_decision_get',
  text: `SELECT ${COLUMNS} FROM decisions WHERE id = $1`,
};
const GET_FOR_TENANT = {
  name: 'arbiter_decision_get_tenant',
  text: `SELECT ${COLUMNS} FROM decisions WHERE id = $1 AND tenant = $2`,
};
const LIST = {
  name: 'arbiter_decision_list',
  text: `SELECT ${COLUMNS} FROM decisions
    WHERE created_at >= to_timestamp($1::float8 / 1000) AND created_at < to_timestamp($2::float8 / 1000)
      AND ($3::text IS NULL OR tenant = $3)
    ORDER BY created_at DESC, id COLLATE "C" LIMIT $4`,
};

function fromRow(row: PgRow): DecisionRecord {
  return {
    id: pgString(row, 'id'),
    createdAtMs: pgNumber(row, 'created_at_ms'),
    tenant: pgString(row, 'tenant'),
    promptHash: pgString(row, 'prompt_hash'),
    promptText: pgStringOrNull(row, 'prompt_text'),
    embedding: pgBlobVectorOrNull(row, 'embedding'),
    embedderId: pgStringOrNull(row, 'embedder_id'),
    candidates: pgStringList(row, 'candidates'),
    chosenModel: pgString(row, 'chosen_model'),
    propensity: pgNumber(row, 'propensity'),
    explored: pgBoolean(row, 'explored'),
    policy: pgString(row, 'policy'),
    policyVersion: pgNumber(row, 'policy_version'),
    predictorVersion: pgStringOrNull(row, 'predictor_version'),
    predicted: pgJson(row, 'predicted') as PredictedArm[],
    features:
      row['features'] === null ? null : (pgJson(row, 'features') as Record<string, unknown>),
  };
}

/** Insert decisions with multi-row INSERTs; a repeated id fails the statement (primary key). */
async function insertDecisions(
  tx: PgQueryable,
  rows: readonly DecisionRecord[],
  keepText: boolean,
): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const slice = rows.slice(start, start + ROWS_PER_INSERT);
    const values: unknown[] = [];
    for (const d of slice) {
      values.push(
        d.id,
        d.createdAtMs,
        d.tenant,
        d.promptHash,
        keepText ? d.promptText : null,
        d.embedding === null ? null : Buffer.from(vectorToBlob(d.embedding)),
        d.embedderId,
        [...d.candidates],
        d.chosenModel,
        d.propensity,
        d.explored,
        d.policy,
        d.policyVersion,
        d.predictorVersion,
        JSON.stringify(d.predicted),
        d.features === null ? null : JSON.stringify(d.features),
      );
    }
    await tx.query(`INSERT INTO decisions VALUES ${valuesList(slice.length, TEMPLATES)}`, values);
  }
}

/** Create the decisions repo; its batch writer flushes when `db` closes. */
export function createPgDecisionRepo(options: PgDecisionRepoOptions): DecisionRepo {
  const { db } = options;
  const keepText = options.storePromptText ?? false;
  const writer = createPgBatchWriter<DecisionRecord>({
    db,
    table: 'decisions',
    write: (tx, rows) => insertDecisions(tx, rows, keepText),
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return {
    insert: (decision) => insertDecisions(db, [decision], keepText),
    enqueue: (decision) => writer.enqueue(decision),
    flush: () => writer.flush(),
    async get({ id, tenant }) {
      if (writer.pending > 0) await writer.flush();
      const rows =
        tenant === undefined
          ? await db.query(GET, [id])
          : await db.query(GET_FOR_TENANT, [id, tenant]);
      const row = rows[0];
      return row === undefined ? fail('not_found') : ok(fromRow(row));
    },
    async list(filter = {}) {
      if (writer.pending > 0) await writer.flush();
      const rows = await db.query(LIST, [
        filter.sinceMs ?? 0,
        filter.untilMs ?? 8.64e15,
        filter.tenant ?? null,
        filter.limit ?? 1000,
      ]);
      return rows.map(fromRow);
    },
  };
}
