/**
 * The replica outcome feed on PostgreSQL. Each outcome row carries the xid8 of the transaction that
 * inserted it (`txid`) and an identity `seq`. A reader takes the oldest transaction still running
 * (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction below it has finished, so the rows
 * with txid below it form a final set, and reading them in (txid, seq) order from a cursor yields
 * every committed outcome exactly once, in one order for every replica. A transaction that is still
 * committing holds the horizon back; its rows come in a later read, never skipped. (Ordering by a
 * sequence alone would skip: sequence values are taken before commit, so a lower one can become
 * visible after a higher one was read.) A session left idle in a transaction also holds the horizon
 * back: learning waits for it, nothing is lost.
 */
import { StoreError } from '../../core/index.js';
import type { OutcomeFeed } from '../outcome-feed.js';
import type { PgDatabase } from './pg-database.js';
import { OUTCOME_COLUMNS, outcomeFromRow } from './pg-outcome-repo.js';
import { pgNumber, pgString, pgStringOrNull } from './pg-values.js';

const HORIZON = {
  name: 'arbiter_feed_horizon',
  text: 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
};
const PAGE = {
  name: 'arbiter_feed_page',
  // The text aliases must not shadow the columns: ORDER BY a bare name takes the output column,
  // and '1000' sorts before '999' as text.
  text: `SELECT ${OUTCOME_COLUMNS}, origin, o.txid::text AS txid_text, o.seq::float8 AS seq_number
    FROM outcomes o
    WHERE (o.txid, o.seq) > ($1::xid8, $2::bigint) AND o.txid < $3::xid8
    ORDER BY o.txid, o.seq LIMIT $4`,
};

const CURSOR_PATTERN = /^(\d+):(\d+)$/u;

function parseCursor(cursor: string | undefined): { txid: bigint; seq: bigint } {
  if (cursor === undefined) return { txid: 0n, seq: 0n };
  const match = CURSOR_PATTERN.exec(cursor);
  if (match === null) {
    throw new StoreError('outcome feed cursor is not <txid>:<seq>', {
      code: 'INPUT_INVALID',
      details: { cursor },
    });
  }
  return { txid: BigInt(match[1] ?? '0'), seq: BigInt(match[2] ?? '0') };
}

/** Order two cursors. */
export function compareFeedCursors(a: string, b: string): number {
  const x = parseCursor(a);
  const y = parseCursor(b);
  if (x.txid !== y.txid) return x.txid < y.txid ? -1 : 1;
  return x.seq === y.seq ? 0 : x.seq < y.seq ? -1 : 1;
}

/** The feed over `db`'s outcomes table. */
export function createPgOutcomeFeed(db: PgDatabase): OutcomeFeed {
  const horizon = async (): Promise<string> => pgString((await db.query(HORIZON))[0] ?? {}, 'xmin');
  return {
    async read(cursor, limit = 1000) {
      const from = parseCursor(cursor);
      // The horizon first: every transaction below it had finished before the page query began.
      const xmin = await horizon();
      const rows = await db.query(PAGE, [from.txid.toString(), from.seq.toString(), xmin, limit]);
      const outcomes = rows.map((row) => ({
        outcome: outcomeFromRow(row),
        origin: pgStringOrNull(row, 'origin'),
        position: `${pgString(row, 'txid_text')}:${pgNumber(row, 'seq_number')}`,
      }));
      const last = outcomes[outcomes.length - 1];
      let next: string;
      if (rows.length === limit && last !== undefined) next = last.position;
      else if (BigInt(xmin) > from.txid) next = `${xmin}:0`;
      else next = `${from.txid}:${from.seq}`;
      return { outcomes, cursor: next };
    },
    async tip() {
      return `${await horizon()}:0`;
    },
    compare: compareFeedCursors,
  };
}
