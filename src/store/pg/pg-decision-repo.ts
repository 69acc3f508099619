/** Routing decisions in PostgreSQL, behind the DuckDB store's DecisionRepo interface. */
import { StoreError, fail, ok } from '../../core/index.js';
import { decodeDecision, encodeDecision } from '../decision-codec.js';
import type { EncodedDecision, StoredDecisionParts } from '../decision-codec.js';
import type { DecisionRecord, DecisionRepo } from '../decision-repo.js';
import { createPgBatchWriter } from './pg-batch-writer.js';
import type { PgDatabase, PgQueryable, PgRow } from './pg-database.js';
import {
  epochMs,
  pgBoolean,
  pgNumber,
  pgNumberOrNull,
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

const COLUMNS = `d.id, ${epochMs('created_at', 'created_at_ms')}, tenant, prompt_hash, prompt_digest, prompt_text,
  embedding, embedding_q, embedder_id, candidates, s.models AS set_models, chosen_model, propensity,
  explored, policy, policy_version, predictor_version, predicted::text AS predicted, arms,
  features::text AS features, policy_features, willingness_to_pay`;
const FROM = 'decisions d LEFT JOIN candidate_sets s ON s.id = d.candidate_set';

/** The columns written, in the order of {@link TEMPLATES}. */
const INSERT_COLUMNS = `id, created_at, tenant, prompt_hash, prompt_text, embedding, embedder_id,
  candidates, chosen_model, propensity, explored, policy, policy_version, predictor_version,
  predicted, features, embedding_q, candidate_set, arms, policy_features, willingness_to_pay,
  estimated_cost_usd, best_quality_cost_usd, prompt_digest`;
/** One value per column, in INSERT_COLUMNS order; `?` is where the placeholder goes. */
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
  '?::bytea',
  '?::bigint',
  '?::bytea',
  '?::bytea',
  '?::float8',
  '?::float8',
  '?::float8',
  '?::bytea',
] as const;
const ROWS_PER_INSERT = rowsPerStatement(TEMPLATES.length);

const GET = {
  name: 'arbiter_decision_get',
  text: `SELECT ${COLUMNS} FROM ${FROM} WHERE d.id = $1`,
};
const GET_FOR_TENANT = {
  name: 'arbiter_decision_get_tenant',
  text: `SELECT ${COLUMNS} FROM ${FROM} WHERE d.id = $1 AND tenant = $2`,
};
const LIST = {
  name: 'arbiter_decision_list',
  text: `SELECT ${COLUMNS} FROM ${FROM}
    WHERE created_at >= to_timestamp($1::float8 / 1000) AND created_at < to_timestamp($2::float8 / 1000)
      AND ($3::text IS NULL OR tenant = $3)
    ORDER BY created_at DESC, d.id COLLATE "C" LIMIT $4`,
};

function bytesOrNull(row: PgRow, column: string): Uint8Array | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  throw new StoreError(`column ${column} is not bytea`, {
    code: 'STORE_CORRUPT',
    details: { column },
  });
}

/** The stored columns ../decision-codec.ts decodes, from a PostgreSQL row. */
export function pgStoredParts(row: PgRow): StoredDecisionParts {
  return {
    promptHash: pgStringOrNull(row, 'prompt_hash'),
    promptDigest: bytesOrNull(row, 'prompt_digest'),
    embedding: bytesOrNull(row, 'embedding'),
    embeddingQ: bytesOrNull(row, 'embedding_q'),
    candidates: row['candidates'] == null ? null : pgStringList(row, 'candidates'),
    setModels: row['set_models'] == null ? null : pgStringList(row, 'set_models'),
    predicted: pgStringOrNull(row, 'predicted'),
    arms: bytesOrNull(row, 'arms'),
    features: pgStringOrNull(row, 'features'),
    policyFeatures: bytesOrNull(row, 'policy_features'),
    willingnessToPay: pgNumberOrNull(row, 'willingness_to_pay'),
  };
}

function fromRow(row: PgRow): DecisionRecord {
  return {
    id: pgString(row, 'id'),
    createdAtMs: pgNumber(row, 'created_at_ms'),
    tenant: pgString(row, 'tenant'),
    promptText: pgStringOrNull(row, 'prompt_text'),
    embedderId: pgStringOrNull(row, 'embedder_id'),
    chosenModel: pgString(row, 'chosen_model'),
    propensity: pgNumber(row, 'propensity'),
    explored: pgBoolean(row, 'explored'),
    policy: pgString(row, 'policy'),
    policyVersion: pgNumber(row, 'policy_version'),
    predictorVersion: pgStringOrNull(row, 'predictor_version'),
    ...decodeDecision(pgStoredParts(row)),
  };
}

const buffer = (bytes: Uint8Array | null): Buffer | null =>
  bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Insert decisions with multi-row INSERTs, after the candidate sets they refer to (ON CONFLICT DO
 * NOTHING: replicas write the same sets); a repeated id fails the statement (primary key).
 */
async function insertDecisions(
  tx: PgQueryable,
  rows: readonly DecisionRecord[],
  keepText: boolean,
): Promise<void> {
  const encoded = rows.map(encodeDecision);
  const sets = new Map<number, readonly string[]>();
  for (const e of encoded)
    if (e.candidateSet !== null) sets.set(e.candidateSet.id, e.candidateSet.models);
  for (const [id, models] of sets) {
    await tx.query(
      'INSERT INTO candidate_sets (id, models) VALUES ($1::bigint, $2::text[]) ON CONFLICT DO NOTHING',
      [String(id), [...models]],
    );
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const slice = rows.slice(start, start + ROWS_PER_INSERT);
    const values: unknown[] = [];
    slice.forEach((d, k) => {
      const e = encoded[start + k] as EncodedDecision;
      values.push(
        d.id,
        d.createdAtMs,
        d.tenant,
        e.promptHash,
        keepText ? d.promptText : null,
        buffer(e.embedding),
        d.embedderId,
        e.candidates === null ? null : [...e.candidates],
        d.chosenModel,
        d.propensity,
        d.explored,
        d.policy,
        d.policyVersion,
        d.predictorVersion,
        e.predicted,
        e.features,
        buffer(e.embeddingQ),
        e.candidateSet === null ? null : String(e.candidateSet.id),
        buffer(e.arms),
        buffer(e.policyFeatures),
        e.willingnessToPay,
        e.estimatedCostUsd,
        e.bestQualityCostUsd,
        buffer(e.promptDigest),
      );
    });
    await tx.query(
      `INSERT INTO decisions (${INSERT_COLUMNS}) VALUES ${valuesList(slice.length, TEMPLATES)}`,
      values,
    );
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
    persist(decision) {
      // Concurrent calls share one batch and one commit (pg-batch-writer.ts).
      writer.enqueue(decision);
      return writer.flush();
    },
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
