/**
 * Group commit for outcomes that callers await (HTTP feedback). Each commit to a file database
 * syncs the WAL, which measured ~7 ms here, so one transaction per request caps feedback at a
 * few hundred per second. Calls that arrive while a commit runs wait in a group; the next turn
 * on the connection writes the whole group in one transaction (appender into a temp table, then
 * INSERT ... ON CONFLICT DO NOTHING RETURNING the keys that were new), and tells each caller
 * whether its row was recorded or a duplicate. A lone call uses one prepared INSERT. When a group
 * fails (one row breaking a CHECK), each row is retried alone, so one bad request fails only
 * itself.
 */
import { BIGINT, DOUBLE, INTEGER, VARCHAR } from '@duckdb/node-api';
import { appendRows, type AppenderRow } from './batch-writer.js';
import type { Database, Session } from './db.js';
import { withTransaction } from './db.js';
import type { OutcomeRecord, RecordOutcomeResult } from './outcome-repo.js';
import { asString, asStringOrNull, msToBigInt } from './values.js';

/** An outcome in the column order of `outcomes` (and of its staging and group tables after `seq`). */
export function outcomeRow(o: OutcomeRecord): AppenderRow {
  return [
    o.decisionId,
    o.idempotencyKey,
    new Date(o.receivedAtMs),
    o.tenant,
    o.model,
    o.quality,
    o.latencyMs,
    o.inputTokens,
    o.outputTokens,
    o.costUsd,
    o.errorClass,
    o.fingerprint ?? null,
  ];
}

const INSERT_SQL = `INSERT INTO outcomes VALUES ($decision_id, $idempotency_key,
  epoch_ms($received_at_ms), $tenant, $model, $quality, $latency_ms, $input_tokens, $output_tokens,
  $cost_usd, $error_class, $fingerprint)
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key`;
const STORED_FINGERPRINT_SQL = 'SELECT fingerprint FROM outcomes WHERE idempotency_key = $key';
const INSERT_TYPES = {
  received_at_ms: BIGINT,
  quality: DOUBLE,
  latency_ms: DOUBLE,
  input_tokens: INTEGER,
  output_tokens: INTEGER,
  cost_usd: DOUBLE,
  error_class: VARCHAR,
  fingerprint: VARCHAR,
};
const CREATE_GROUP_SQL = `CREATE TEMP TABLE IF NOT EXISTS outcomes_group (
  seq INTEGER, decision_id VARCHAR, idempotency_key VARCHAR, received_at TIMESTAMP, tenant VARCHAR,
  model VARCHAR, quality DOUBLE, latency_ms DOUBLE, input_tokens INTEGER, output_tokens INTEGER,
  cost_usd DOUBLE, error_class VARCHAR, fingerprint VARCHAR)`;
const CLEAR_GROUP_SQL = 'DELETE FROM temp.main.outcomes_group';
/** Within the group the earliest call wins a key, as it would have one call at a time. */
const MERGE_GROUP_SQL = `INSERT INTO outcomes
  SELECT * EXCLUDE (seq) FROM temp.main.outcomes_group
  QUALIFY row_number() OVER (PARTITION BY idempotency_key ORDER BY seq) = 1
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING idempotency_key`;
/** The fingerprints stored under the group's keys (read after the merge, same transaction). */
const GROUP_FINGERPRINTS_SQL = `SELECT idempotency_key, fingerprint FROM outcomes
  WHERE idempotency_key IN (SELECT idempotency_key FROM temp.main.outcomes_group)`;

interface Waiter {
  readonly outcome: OutcomeRecord;
  readonly resolve: (result: RecordOutcomeResult) => void;
  readonly reject: (error: unknown) => void;
}

const RECORDED: RecordOutcomeResult = { recorded: true };
function duplicate(storedFingerprint: string | null): RecordOutcomeResult {
  return { recorded: false, duplicate: true, storedFingerprint };
}

async function insertOne(session: Session, o: OutcomeRecord): Promise<RecordOutcomeResult> {
  const rows = await session.prepared(
    INSERT_SQL,
    {
      decision_id: o.decisionId,
      idempotency_key: o.idempotencyKey,
      received_at_ms: msToBigInt(o.receivedAtMs),
      tenant: o.tenant,
      model: o.model,
      quality: o.quality,
      latency_ms: o.latencyMs,
      input_tokens: o.inputTokens,
      output_tokens: o.outputTokens,
      cost_usd: o.costUsd,
      error_class: o.errorClass,
      fingerprint: o.fingerprint ?? null,
    },
    INSERT_TYPES,
  );
  if (rows.length > 0) return RECORDED;
  const stored = await session.prepared(STORED_FINGERPRINT_SQL, { key: o.idempotencyKey });
  return duplicate(asStringOrNull(stored[0]?.['fingerprint'] ?? null, 'fingerprint'));
}

async function insertGroup(
  session: Session,
  group: readonly OutcomeRecord[],
): Promise<RecordOutcomeResult[]> {
  await session.run(CREATE_GROUP_SQL);
  const { newKeys, stored } = await withTransaction(session.connection, async () => {
    await session.run(CLEAR_GROUP_SQL);
    await appendRows(
      session,
      { table: 'outcomes_group', schema: 'main', catalog: 'temp' },
      group.map((o, seq) => [seq, ...outcomeRow(o)]),
    );
    const rows = await session.all(MERGE_GROUP_SQL);
    const fingerprints = await session.all(GROUP_FINGERPRINTS_SQL);
    await session.run(CLEAR_GROUP_SQL);
    return {
      newKeys: new Set(rows.map((row) => asString(row['idempotency_key'], 'idempotency_key'))),
      stored: new Map(
        fingerprints.map((row) => [
          asString(row['idempotency_key'], 'idempotency_key'),
          asStringOrNull(row['fingerprint'], 'fingerprint'),
        ]),
      ),
    };
  });
  // The first caller with a new key recorded it; later callers with that key are duplicates.
  return group.map((o) =>
    newKeys.delete(o.idempotencyKey) ? RECORDED : duplicate(stored.get(o.idempotencyKey) ?? null),
  );
}

/** Coalesces concurrent awaited outcome inserts into shared transactions. */
export interface OutcomeGroupCommit {
  /** Insert one outcome; resolves once it is committed (or known to be a duplicate). */
  record(outcome: OutcomeRecord): Promise<RecordOutcomeResult>;
}

/** Create the group committer for `db`'s outcomes table. */
export function createOutcomeGroupCommit(db: Database): OutcomeGroupCommit {
  let waiting: Waiter[] = [];

  async function commitWaiting(session: Session): Promise<void> {
    const group = waiting;
    waiting = [];
    if (group.length === 0) return; // An earlier turn took these rows.
    if (group.length === 1) {
      const only = group[0] as Waiter;
      await insertOne(session, only.outcome).then(only.resolve, only.reject);
      return;
    }
    try {
      const results = await insertGroup(
        session,
        group.map((w) => w.outcome),
      );
      group.forEach((w, i) => w.resolve(results[i] ?? duplicate(null)));
    } catch {
      for (const w of group) await insertOne(session, w.outcome).then(w.resolve, w.reject);
    }
  }

  return {
    record(outcome) {
      return new Promise<RecordOutcomeResult>((resolve, reject) => {
        waiting.push({ outcome, resolve, reject });
        // One queued turn per call; whichever runs first takes everything waiting by then.
        db.use(commitWaiting).catch(reject);
      });
    },
  };
}
