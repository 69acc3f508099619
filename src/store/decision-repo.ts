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
import type { JS } from '@duckdb/node-api';
import { StoreError, fail, ok } from '../core/index.js';
import type { Result } from '../core/index.js';
import type { AppenderRow, BatchWriter } from './batch-writer.js';
import { appendRows, createBatchWriter } from './batch-writer.js';
import type { Database, Session, SqlRow } from './db.js';
import { decodeDecision, encodeDecision } from './decision-codec.js';
import type { DecisionJournal } from './decision-journal.js';
import type { EncodedDecision, StoredDecisionParts } from './decision-codec.js';
import {
  asBoolean,
  asNumber,
  asNumberOrNull,
  asString,
  asStringList,
  asStringOrNull,
  msToBigInt,
} from './values.js';

/** A buffered decision with its storage columns. */
interface Encoded {
  readonly decision: DecisionRecord;
  readonly encoded: EncodedDecision;
}

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
  /** Journal that makes {@link DecisionRepo.persist} durable (decision-journal.ts). */
  readonly journal?: DecisionJournal;
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
   * Buffer a decision for the table and resolve once it is durable: in the journal, when the repo
   * has one (the table follows in the next batch), else in the table (enqueue, then flush).
   */
  persist(decision: DecisionRecord): Promise<void>;
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
  /**
   * Run the write path of one decision: its candidate set's insert, committed (a set row is
   * content-addressed and names no decision), then the appender in a transaction that is rolled
   * back. The first real decision then pays none of the first-use work (prepared statements,
   * appender, converters, the first commit). Stores no decision. Optional: a store without it has
   * nothing to warm.
   */
  rehearse?(decision: DecisionRecord): Promise<void>;
}

const COLUMNS = `decisions.id AS id, epoch_ms(created_at)::DOUBLE AS created_at_ms, tenant, prompt_hash, prompt_text,
  prompt_digest, embedding, embedding_q, embedder_id, candidates, s.models AS set_models, chosen_model, propensity,
  explored, policy, policy_version, predictor_version, predicted, arms, features, policy_features,
  willingness_to_pay`;
const FROM = 'decisions LEFT JOIN candidate_sets s ON s.id = decisions.candidate_set';

/** Every column in table order (migrations 1 and 6); the appender and INSERT follow it. */
const INSERT_SQL = `INSERT INTO decisions VALUES ($id, epoch_ms($created_at_ms), $tenant, $prompt_hash,
  $prompt_text, $embedding, $embedder_id, $candidates, $chosen_model, $propensity, $explored, $policy,
  $policy_version, $predictor_version, $predicted, $features, $embedding_q, $candidate_set, $arms,
  $policy_features, $willingness_to_pay, $estimated_cost_usd, $best_quality_cost_usd, $prompt_digest)`;
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
  embedding_q: BLOB,
  candidate_set: BIGINT,
  arms: BLOB,
  policy_features: BLOB,
  willingness_to_pay: DOUBLE,
  estimated_cost_usd: DOUBLE,
  best_quality_cost_usd: DOUBLE,
  prompt_hash: VARCHAR,
  prompt_digest: BLOB,
};
const INSERT_SET_SQL = `INSERT INTO candidate_sets VALUES ($id, $models) ON CONFLICT DO NOTHING`;
const GET_SQL = `SELECT ${COLUMNS} FROM ${FROM} WHERE decisions.id = $id`;
const GET_FOR_TENANT_SQL = `SELECT ${COLUMNS} FROM ${FROM}
  WHERE decisions.id = $id AND tenant = $tenant`;
const LIST_SQL = `SELECT ${COLUMNS} FROM ${FROM}
  WHERE created_at >= epoch_ms($since_ms) AND created_at < epoch_ms($until_ms)
    AND ($tenant IS NULL OR tenant = $tenant)
  ORDER BY created_at DESC, decisions.id LIMIT $limit`;

function blobOrNull(value: JS | undefined, column: string): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  throw new StoreError(`column ${column} is not a blob`, {
    code: 'STORE_CORRUPT',
    details: { column },
  });
}

/** The stored columns decision-codec.ts decodes, from a DuckDB row. */
export function storedParts(row: SqlRow): StoredDecisionParts {
  return {
    promptHash: asStringOrNull(row['prompt_hash'], 'prompt_hash'),
    promptDigest: blobOrNull(row['prompt_digest'], 'prompt_digest'),
    embedding: blobOrNull(row['embedding'], 'embedding'),
    embeddingQ: blobOrNull(row['embedding_q'], 'embedding_q'),
    candidates: row['candidates'] == null ? null : asStringList(row['candidates'], 'candidates'),
    setModels: row['set_models'] == null ? null : asStringList(row['set_models'], 'set_models'),
    predicted: asStringOrNull(row['predicted'], 'predicted'),
    arms: blobOrNull(row['arms'], 'arms'),
    features: asStringOrNull(row['features'], 'features'),
    policyFeatures: blobOrNull(row['policy_features'], 'policy_features'),
    willingnessToPay: asNumberOrNull(row['willingness_to_pay'], 'willingness_to_pay'),
  };
}

function fromRow(row: SqlRow): DecisionRecord {
  return {
    id: asString(row['id'], 'id'),
    createdAtMs: asNumber(row['created_at_ms'], 'created_at'),
    tenant: asString(row['tenant'], 'tenant'),
    promptText: asStringOrNull(row['prompt_text'], 'prompt_text'),
    embedderId: asStringOrNull(row['embedder_id'], 'embedder_id'),
    chosenModel: asString(row['chosen_model'], 'chosen_model'),
    propensity: asNumber(row['propensity'], 'propensity'),
    explored: asBoolean(row['explored'], 'explored'),
    policy: asString(row['policy'], 'policy'),
    policyVersion: asNumber(row['policy_version'], 'policy_version'),
    predictorVersion: asStringOrNull(row['predictor_version'], 'predictor_version'),
    ...decodeDecision(storedParts(row)),
  };
}

/**
 * Store the candidate sets the decisions refer to (idempotent), before the decisions. `stored` holds
 * the ids this repo knows to be committed (rows of candidate_sets are never deleted: retention keeps
 * them for the decisions that remain); those are skipped, so a set is inserted about once per
 * process, not once per batch: the INSERT ... ON CONFLICT cost ~4 ms of CPU each (DuckDB builds a
 * transaction-local index for it), the largest share of a batch's cost. The caller adds an id to
 * `stored` only once the insert is committed.
 */
async function insertCandidateSets(
  session: Session,
  encoded: readonly EncodedDecision[],
  stored: ReadonlySet<number>,
): Promise<void> {
  const sets = new Map<number, readonly string[]>();
  for (const e of encoded) {
    if (e.candidateSet !== null && !stored.has(e.candidateSet.id)) {
      sets.set(e.candidateSet.id, e.candidateSet.models);
    }
  }
  for (const [id, models] of sets) {
    await session.prepared(
      INSERT_SET_SQL,
      { id: BigInt(id), models: listValue([...models]) },
      { id: BIGINT, models: LIST(VARCHAR) },
    );
  }
}

/** Remember the candidate sets of committed decisions (see insertCandidateSets). */
function rememberSets(stored: Set<number>, encoded: readonly EncodedDecision[]): void {
  for (const e of encoded) if (e.candidateSet !== null) stored.add(e.candidateSet.id);
}

/** Create the decisions repo; its batch writer flushes and closes with `db`. */
export function createDecisionRepo(options: DecisionRepoOptions): DecisionRepo {
  const { db } = options;
  const keepText = options.storePromptText ?? false;
  /** Candidate sets committed through this repo (see insertCandidateSets). */
  const storedSets = new Set<number>();
  // Each record is encoded once, when it is buffered; the appender and the set insert share it.
  const toRow = ({ decision: d, encoded: e }: Encoded): AppenderRow => [
    d.id,
    new Date(d.createdAtMs),
    d.tenant,
    e.promptHash,
    keepText ? d.promptText : null,
    e.embedding,
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
    e.embeddingQ,
    e.candidateSet === null ? null : BigInt(e.candidateSet.id),
    e.arms,
    e.policyFeatures,
    e.willingnessToPay,
    e.estimatedCostUsd,
    e.bestQualityCostUsd,
    e.promptDigest,
  ];
  const writer: BatchWriter<Encoded> = createBatchWriter({
    db,
    table: 'decisions',
    ...(options.maxBatchRows === undefined ? {} : { maxRows: options.maxBatchRows }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    beforeAppend: (session, rows) =>
      insertCandidateSets(
        session,
        rows.map((row) => row.encoded),
        storedSets,
      ),
    toRow,
    // One commit per batch, run off the event loop, for the candidate sets and decisions together.
    transaction: true,
    onWritten: (rows) => {
      rememberSets(
        storedSets,
        rows.map((row) => row.encoded),
      );
      options.journal?.stored(rows.map((row) => row.decision));
    },
  });

  return {
    insert: (d) =>
      db.use(async (session) => {
        const e = encodeDecision(d);
        // Each statement autocommits: the set is durable once its insert returns.
        await insertCandidateSets(session, [e], storedSets);
        rememberSets(storedSets, [e]);
        await session.prepared(
          INSERT_SQL,
          {
            id: d.id,
            created_at_ms: msToBigInt(d.createdAtMs),
            tenant: d.tenant,
            prompt_hash: e.promptHash,
            prompt_text: keepText ? d.promptText : null,
            embedding: e.embedding === null ? null : blobValue(e.embedding),
            embedder_id: d.embedderId,
            candidates: e.candidates === null ? null : listValue([...e.candidates]),
            chosen_model: d.chosenModel,
            propensity: d.propensity,
            explored: d.explored,
            policy: d.policy,
            policy_version: d.policyVersion,
            predictor_version: d.predictorVersion,
            predicted: e.predicted,
            features: e.features,
            embedding_q: e.embeddingQ === null ? null : blobValue(e.embeddingQ),
            candidate_set: e.candidateSet === null ? null : BigInt(e.candidateSet.id),
            arms: e.arms === null ? null : blobValue(e.arms),
            policy_features: e.policyFeatures === null ? null : blobValue(e.policyFeatures),
            willingness_to_pay: e.willingnessToPay,
            estimated_cost_usd: e.estimatedCostUsd,
            best_quality_cost_usd: e.bestQualityCostUsd,
            prompt_digest: e.promptDigest === null ? null : blobValue(e.promptDigest),
          },
          INSERT_TYPES,
        );
      }),
    enqueue: (d) => writer.enqueue({ decision: d, encoded: encodeDecision(d) }),
    persist(d) {
      // The journal holds what the table will: no prompt text unless the store keeps it.
      const decision = keepText || d.promptText === null ? d : { ...d, promptText: null };
      // Encoded (and so validated) before it is journaled: a decision the table would refuse fails
      // here, not in a background batch after its id went out.
      writer.enqueue({ decision, encoded: encodeDecision(decision) });
      return options.journal === undefined ? writer.flush() : options.journal.append(decision);
    },
    rehearse: (d) =>
      db.use(async (session) => {
        const encoded = encodeDecision(d);
        // The candidate set is committed for real: a set row is content-addressed and refers to no
        // decision, and the first real decision over the same candidates would write it anyway.
        // The first real write then skips that statement, and the commit path (the WAL's first
        // write and sync since the store opened) has run once.
        await insertCandidateSets(session, [encoded], storedSets);
        rememberSets(storedSets, [encoded]);
        await session.run('BEGIN TRANSACTION');
        try {
          await appendRows(session, { table: 'decisions' }, [toRow({ decision: d, encoded })]);
        } finally {
          await session.run('ROLLBACK');
        }
      }),
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

/** The ids among `ids` that the decisions table does not hold (journal replay). */
export async function missingDecisionIds(
  db: Database,
  ids: readonly string[],
): Promise<Set<string>> {
  const missing = new Set(ids);
  if (ids.length === 0) return missing;
  const rows = await db.use((session) =>
    session.all(
      'SELECT d.id AS id FROM decisions d JOIN (SELECT unnest($ids) AS id) j ON j.id = d.id',
      { ids: listValue([...ids]) },
      { ids: LIST(VARCHAR) },
    ),
  );
  for (const row of rows) missing.delete(row.id as string);
  return missing;
}
