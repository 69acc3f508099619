/** Routing decisions: one row per routed request, written by the router, read back on feedback. */
import {
  BIGINT,
  BLOB,
  DOUBLE,
  INTEGER,
  LIST,
  VARCHAR,
  blobValue,
  listValue,
} from '@duckdb/node-api';
import { fail, ok } from '../core/index.js';
import type { Result, StoreError } from '../core/index.js';
import type { BatchWriter } from './batch-writer.js';
import { createBatchWriter } from './batch-writer.js';
import type { Database, SqlRow } from './db.js';
import {
  asBoolean,
  asNumber,
  asString,
  asStringList,
  asStringOrNull,
  vectorFromBlobOrNull,
  msToBigInt,
  parseJson,
  vectorToBlob,
} from './values.js';

/** The predictor's view of one candidate at decision time. */
export interface PredictedArm {
  /** Catalog model id. */
  readonly model: string;
  /** Predicted quality in [0, 1]. */
  readonly quality: number;
  /** Predicted cost of the call, USD. */
  readonly costUsd: number;
  /** The policy's score for the arm (UCB, sample, ...), when it has one. */
  readonly score?: number;
}

/** One routing decision as stored. */
export interface DecisionRecord {
  /** Decision id (UUID), the primary key. */
  readonly id: string;
  /** When the decision was made, epoch ms. */
  readonly createdAtMs: number;
  readonly tenant: string;
  /** sha256 hex of the prompt text. */
  readonly promptHash: string;
  /** The prompt, only when the store is configured to keep prompt text; otherwise null. */
  readonly promptText: string | null;
  /** The prompt embedding the policy saw, or null when not kept. */
  readonly embedding: Float32Array | null;
  /** Embedder model id that produced `embedding`. */
  readonly embedderId: string | null;
  /** Candidate model ids, in the order the policy saw them. */
  readonly candidates: readonly string[];
  readonly chosenModel: string;
  /** Probability the policy had of choosing `chosenModel`, in (0, 1] (for off-policy estimates). */
  readonly propensity: number;
  /** True when the choice was exploratory rather than greedy. */
  readonly explored: boolean;
  /** Policy name, e.g. `linucb`. */
  readonly policy: string;
  /** Version of the policy state that chose. */
  readonly policyVersion: number;
  readonly predictorVersion: string | null;
  /** Per-candidate predictions. */
  readonly predicted: readonly PredictedArm[];
  /** Extra request features (JSON-safe), or null. */
  readonly features: Readonly<Record<string, unknown>> | null;
}

/**
 * Why a decision lookup found nothing. A lookup with a tenant answers `not_found` for another
 * tenant's decision too, by the same query at the same cost, so tenants cannot probe ids.
 */
export type DecisionLookupFailure = 'not_found';

/** Options for {@link createDecisionRepo}. */
export interface DecisionRepoOptions {
  readonly db: Database;
  /**
   * Keep prompt text in `decisions.prompt_text`; when false the column is written as NULL.
   * @default false
   */
  readonly storePromptText?: boolean;
  /** Batch size threshold for {@link DecisionRepo.enqueue}. @default 2048 */
  readonly maxBatchRows?: number;
  /** Timer flush for enqueued rows, ms. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Failures of background flushes; without it they reject the next flush() or close(). */
  readonly onError?: (error: StoreError) => void;
}

/** Filter for {@link DecisionRepo.list}. */
export interface ListDecisionsOptions {
  /** Inclusive lower bound on created_at, epoch ms. */
  readonly sinceMs?: number;
  /** Exclusive upper bound on created_at, epoch ms. */
  readonly untilMs?: number;
  readonly tenant?: string;
  /** Most rows returned, newest first. @default 1000 */
  readonly limit?: number;
}

/** Decisions table access. */
export interface DecisionRepo {
  /** Insert one decision now (prepared statement); resolves when stored. */
  insert(decision: DecisionRecord): Promise<void>;
  /** Buffer a decision for the appender (high-rate path). */
  enqueue(decision: DecisionRecord): void;
  /** Write buffered decisions. */
  flush(): Promise<void>;
  /**
   * Look a decision up by id; with `tenant`, only that tenant's (another tenant's decision is
   * `not_found`, by the same indexed query as an unknown id).
   */
  get(lookup: {
    readonly id: string;
    readonly tenant?: string;
  }): Promise<Result<DecisionRecord, DecisionLookupFailure>>;
  /** Decisions in a time window, newest first. */
  list(options?: ListDecisionsOptions): Promise<DecisionRecord[]>;
}

const COLUMNS = `id, epoch_ms(created_at)::DOUBLE AS created_at_ms, tenant, prompt_hash, prompt_text,
  embedding, embedder_id, candidates, chosen_model, propensity, explored, policy, policy_version,
  predictor_version, predicted, features`;

const INSERT_SQL = `INSERT INTO decisions VALUES ($id, epoch_ms($created_at_ms), $tenant, $prompt_hash,
  $prompt_text, $embedding, $embedder_id, $candidates, $chosen_model, $propensity, $explored, $policy,
  $policy_version, $predictor_version, $predicted, $features)`;
const INSERT_TYPES = {
  created_at_ms: BIGINT,
  prompt_text: VARCHAR,
  embedding: BLOB,
  embedder_id: VARCHAR,
  candidates: LIST(VARCHAR),
  propensity: DOUBLE,
  policy_version: INTEGER,
  predictor_version: VARCHAR,
  predicted: VARCHAR,
  features: VARCHAR,
};
const GET_SQL = `SELECT ${COLUMNS} FROM decisions WHERE id = $id`;
const GET_FOR_TENANT_SQL = `SELECT ${COLUMNS} FROM decisions WHERE id = $id AND tenant = $tenant`;
const LIST_SQL = `SELECT ${COLUMNS} FROM decisions
  WHERE created_at >= epoch_ms($since_ms) AND created_at < epoch_ms($until_ms)
    AND ($tenant IS NULL OR tenant = $tenant)
  ORDER BY created_at DESC, id LIMIT $limit`;

function fromRow(row: SqlRow): DecisionRecord {
  return {
    id: asString(row['id'], 'id'),
    createdAtMs: asNumber(row['created_at_ms'], 'created_at'),
    tenant: asString(row['tenant'], 'tenant'),
    promptHash: asString(row['prompt_hash'], 'prompt_hash'),
    promptText: asStringOrNull(row['prompt_text'], 'prompt_text'),
    embedding: vectorFromBlobOrNull(row['embedding'], 'embedding'),
    embedderId: asStringOrNull(row['embedder_id'], 'embedder_id'),
    candidates: asStringList(row['candidates'], 'candidates'),
    chosenModel: asString(row['chosen_model'], 'chosen_model'),
    propensity: asNumber(row['propensity'], 'propensity'),
    explored: asBoolean(row['explored'], 'explored'),
    policy: asString(row['policy'], 'policy'),
    policyVersion: asNumber(row['policy_version'], 'policy_version'),
    predictorVersion: asStringOrNull(row['predictor_version'], 'predictor_version'),
    predicted: parseJson(row['predicted'], 'predicted') as PredictedArm[],
    features:
      row['features'] === null
        ? null
        : (parseJson(row['features'], 'features') as Record<string, unknown>),
  };
}

/** Create the decisions repo; its batch writer flushes and closes with `db`. */
export function createDecisionRepo(options: DecisionRepoOptions): DecisionRepo {
  const { db } = options;
  const keepText = options.storePromptText ?? false;
  const writer: BatchWriter<DecisionRecord> = createBatchWriter({
    db,
    table: 'decisions',
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    toRow: (d) => [
      d.id,
      new Date(d.createdAtMs),
      d.tenant,
      d.promptHash,
      keepText ? d.promptText : null,
      d.embedding === null ? null : vectorToBlob(d.embedding),
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
    ],
  });

  return {
    insert: (d) =>
      db.use(async (session) => {
        await session.prepared(
          INSERT_SQL,
          {
            id: d.id,
            created_at_ms: msToBigInt(d.createdAtMs),
            tenant: d.tenant,
            prompt_hash: d.promptHash,
            prompt_text: keepText ? d.promptText : null,
            embedding: d.embedding === null ? null : blobValue(vectorToBlob(d.embedding)),
            embedder_id: d.embedderId,
            candidates: listValue([...d.candidates]),
            chosen_model: d.chosenModel,
            propensity: d.propensity,
            explored: d.explored,
            policy: d.policy,
            policy_version: d.policyVersion,
            predictor_version: d.predictorVersion,
            predicted: JSON.stringify(d.predicted),
            features: d.features === null ? null : JSON.stringify(d.features),
          },
          INSERT_TYPES,
        );
      }),
    enqueue: (d) => writer.enqueue(d),
    flush: () => writer.flush(),
    async get({ id, tenant }) {
      // Feedback can arrive before the timer flush; make buffered decisions visible first.
      if (writer.pending > 0) await writer.flush();
      const rows = await db.use((session) =>
        tenant === undefined
          ? session.prepared(GET_SQL, { id })
          : session.prepared(GET_FOR_TENANT_SQL, { id, tenant }),
      );
      const row = rows[0];
      return row === undefined ? fail('not_found') : ok(fromRow(row));
    },
    async list(filter = {}) {
      if (writer.pending > 0) await writer.flush();
      const rows = await db.use((session) =>
        session.prepared(
          LIST_SQL,
          {
            since_ms: msToBigInt(filter.sinceMs ?? 0),
            until_ms: msToBigInt(filter.untilMs ?? 8.64e15),
            tenant: filter.tenant ?? null,
            limit: filter.limit ?? 1000,
          },
          { since_ms: BIGINT, until_ms: BIGINT, tenant: VARCHAR, limit: INTEGER },
        ),
      );
      return rows.map(fromRow);
    },
  };
}
