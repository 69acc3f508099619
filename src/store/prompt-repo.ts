/** Distinct prompt texts keyed by their sha256, shared by observations and the embedding cache. */
import { BIGINT, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { Clock } from '../core/index.js';
import { MAX_BATCH_ROWS } from './batch-writer.js';
import type { Database } from './db.js';
import { asString, msToBigInt } from './values.js';

/** One prompt. */
export interface PromptEntry {
  /** sha256 hex of `text` (core's sha256Hex). */
  readonly hash: string;
  readonly text: string;
}

/** prompts table access. */
export interface PromptRepo {
  /** Store prompts not seen before (by hash); returns how many were new. */
  put(prompts: readonly PromptEntry[]): Promise<number>;
  /** Texts for the given hashes; unknown hashes are absent from the map. */
  getMany(hashes: readonly string[]): Promise<Map<string, string>>;
}

const PUT_SQL = `INSERT INTO prompts
  SELECT unnest($hashes), unnest($texts), epoch_ms($now_ms)
  ON CONFLICT (hash) DO NOTHING
  RETURNING hash`;
const GET_SQL = `SELECT p.hash, p.text FROM prompts p
  JOIN (SELECT unnest($hashes) AS hash) q ON p.hash = q.hash`;

/** Create the prompts repo. */
export function createPromptRepo(options: {
  readonly db: Database;
  readonly clock: Clock;
}): PromptRepo {
  const { db, clock } = options;
  return {
    async put(prompts) {
      // Deduplicate first (first occurrence wins): one statement must not carry a key twice.
      const byHash = new Map<string, string>();
      for (const prompt of prompts)
        if (!byHash.has(prompt.hash)) byHash.set(prompt.hash, prompt.text);
      const unique = [...byHash.entries()];
      let inserted = 0;
      for (let start = 0; start < unique.length; start += MAX_BATCH_ROWS) {
        const slice = unique.slice(start, start + MAX_BATCH_ROWS);
        const rows = await db.use((session) =>
          session.prepared(
            PUT_SQL,
            {
              hashes: listValue(slice.map(([hash]) => hash)),
              texts: listValue(slice.map(([, text]) => text)),
              now_ms: msToBigInt(clock.now()),
            },
            { hashes: LIST(VARCHAR), texts: LIST(VARCHAR), now_ms: BIGINT },
          ),
        );
        inserted += rows.length;
      }
      return inserted;
    },
    async getMany(hashes) {
      const result = new Map<string, string>();
      if (hashes.length === 0) return result;
      const rows = await db.use((session) =>
        session.prepared(GET_SQL, { hashes: listValue([...hashes]) }, { hashes: LIST(VARCHAR) }),
      );
      for (const row of rows)
        result.set(asString(row['hash'], 'hash'), asString(row['text'], 'text'));
      return result;
    },
  };
}
