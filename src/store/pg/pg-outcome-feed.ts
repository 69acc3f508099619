/**
 * The replica outcome feed on PostgreSQL. Each outcome row carries the xid8 of the transaction that
 * inserted it (`txid`) and an identity `seq`. A reader takes the oldest transaction still running
 * (`pg_snapshot_xmin(pg_current_snapshot())`): every transaction below it has finished, so the rows
 * with txid below it form a final set, and reading them in (txid, seq) order from a cursor yields
 * every committed outcome exactly once, in one order for every replica. A transaction that is still
 * committing holds the horizon back; its rows come in a later read, never skipped. (Ordering by a
 * sequence alone would skip: sequence values are taken before commit, so a lower one can become
 * visible after a higher one was read.)
 */
import { StoreError } from '../../core/index.js';
import type { OutcomeFeed } from '../outcome-feed.js';
import type { PgDatabase } from './pg-database.js';
import { OUTCOME_COLUMNS, outcomeFromRow } from './pg-outcome-repo.js';
import { pgNumber, pgString } from './pg-values.js';

const HORIZON = {
  name: 'arbiter_feed_horizon',
  text: 'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
};
const PAGE = {
  name: 'arbiter_feed_page',
  text: `SELECT ${OUTCOME_COLUMNS}, txid::text AS txid, seq::float8 AS seq FROM outcomes
    WHERE (txid, seq) > ($1::xid8, $2::bigint) AND txid < $3::xid8
    ORDER BY txid, seq LIMIT $4`,
};

const CURSOR_PATTERN = /^(\d+):(\d+)$/u;

function parseCursor(cursor: string | undefined): { txid: string; seq: string } {
  if (cursor === undefined) return { txid: '0', seq: '0' };
  const match = CURSOR_PATTERN.exec(cursor);
  if (match === null) {
    throw new StoreError('outcome feed cursor is not <txid>:<seq>', {
      code: 'INPUT_INVALID',
      details: { cursor },
    });
  }
  return { txid: match[1] ?? '0', seq: match[2] ?? '0' };
}

/** The feed over `db`'s outcomes table. */
export function createPgOutcomeFeed(db: PgDatabase): OutcomeFeed {
  return {
    async read(cursor, limit = 1000) {
      const from = parseCursor(cursor);
      // The horizon first: every transaction below it had finished before the page query began.
      const horizon = pgString((await db.query(HORIZON))[0] ?? {}, 'xmin');
      const rows = await db.query(PAGE, [from.txid, from.seq, horizon, limit]);
      const last = rows[rows.length - 1];
      const next =
        rows.length < limit || last === undefined
          ? // Everything below the horizon has been read: start at the horizon next time.
            BigInt(horizon) > BigInt(from.txid)
            ? `${horizon}:0`
            : `${from.txid}:${from.seq}`
          : `${pgString(last, 'txid')}:${pgNumber(last, 'seq')}`;
      return { outcomes: rows.map(outcomeFromRow), cursor: next };
    },
  };
}
