/** A small key/value table for store-wide facts (active embedder, model manifest ids, ...). */
import { BIGINT } from '@duckdb/node-api';
import type { Clock } from '../core/index.js';
import type { Database } from './db.js';
import { asString } from './values.js';

/** meta table access. */
export interface MetaRepo {
  /** The value for `key`, or undefined. */
  get(key: string): Promise<string | undefined>;
  /** Insert or replace `key`. */
  set(key: string, value: string): Promise<void>;
}

const GET_SQL = 'SELECT value FROM meta WHERE key = $key';
const SET_SQL = `INSERT INTO meta VALUES ($key, $value, epoch_ms($now_ms))
  ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`;

/** Create the meta repo. */
export function createMetaRepo(options: {
  readonly db: Database;
  readonly clock: Clock;
}): MetaRepo {
  const { db, clock } = options;
  return {
    async get(key) {
      const rows = await db.use((session) => session.prepared(GET_SQL, { key }));
      return rows[0] === undefined ? undefined : asString(rows[0]['value'], 'value');
    },
    set: (key, value) =>
      db.use(async (session) => {
        await session.prepared(
          SET_SQL,
          { key, value, now_ms: BigInt(Math.round(clock.now())) },
          { now_ms: BIGINT },
        );
      }),
  };
}
