/**
 * Persistent embedding cache: (text hash, embedder id) → vector. Vectors are FLOAT[] lists (see
 * migrations.ts for why not FLOAT[d]); every row records its dimension.
 */
import { BIGINT, INTEGER, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { RouterError } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { appendRows } from './batch-writer.js';
import type { Database } from './db.js';
import { withTransaction } from './db.js';
import { asString, asVectorOrNull, msToBigInt, vectorToList } from './values.js';

/** One cached embedding. */
export interface EmbeddingEntry {
  /** sha256 hex of the embedded text. */
  readonly textHash: string;
  readonly embedding: Float32Array;
}

/** embeddings table access. */
export interface EmbeddingCacheRepo {
  /** Cached vectors for `textHashes` under `embedderId`; misses are absent from the map. */
  getMany(query: {
    readonly embedderId: string;
    readonly textHashes: readonly string[];
  }): Promise<Map<string, Float32Array>>;
  /**
   * Cache vectors from one embedder (all of one dimension); existing keys are kept. Returns how
   * many were new.
   */
  put(entries: {
    readonly embedderId: string;
    readonly items: readonly EmbeddingEntry[];
  }): Promise<number>;
  /** Number of cached vectors for an embedder. */
  count(embedderId: string): Promise<number>;
}

const GET_SQL = `SELECT e.text_hash, e.embedding FROM embeddings e
  JOIN (SELECT unnest($hashes) AS text_hash) q ON e.text_hash = q.text_hash
  WHERE e.embedder_id = $embedder_id`;
/**
 * Vectors go through an appender into a connection-local temp table, then one INSERT ... SELECT:
 * binding 2,048 x 512 floats as a nested list parameter measured ~50x slower than the appender.
 */
const CREATE_STAGING_SQL = `CREATE TEMP TABLE IF NOT EXISTS embeddings_staging (
  text_hash VARCHAR, embedding FLOAT[])`;
const MERGE_SQL = `INSERT INTO embeddings
  SELECT text_hash, $embedder_id, $dimension, embedding, epoch_ms($now_ms)
  FROM temp.main.embeddings_staging
  ON CONFLICT (text_hash, embedder_id) DO NOTHING
  RETURNING text_hash`;
const CLEAR_STAGING_SQL = 'DELETE FROM temp.main.embeddings_staging';
const COUNT_SQL = 'SELECT count(*)::INTEGER AS n FROM embeddings WHERE embedder_id = $embedder_id';

/** Create the embedding cache repo. */
export function createEmbeddingCacheRepo(options: {
  readonly db: Database;
  readonly clock: Clock;
}): EmbeddingCacheRepo {
  const { db, clock } = options;
  return {
    async getMany({ embedderId, textHashes }) {
      const result = new Map<string, Float32Array>();
      if (textHashes.length === 0) return result;
      const rows = await db.use((session) =>
        session.prepared(
          GET_SQL,
          { hashes: listValue([...textHashes]), embedder_id: embedderId },
          { hashes: LIST(VARCHAR) },
        ),
      );
      for (const row of rows) {
        const vector = asVectorOrNull(row['embedding'], 'embedding');
        if (vector !== null) result.set(asString(row['text_hash'], 'text_hash'), vector);
      }
      return result;
    },
    async put({ embedderId, items }) {
      // First occurrence wins, as against stored rows.
      const byHash = new Map<string, Float32Array>();
      for (const item of items)
        if (!byHash.has(item.textHash)) byHash.set(item.textHash, item.embedding);
      const unique = [...byHash.entries()];
      const dimension = unique[0]?.[1].length ?? 0;
      if (unique.some(([, vector]) => vector.length !== dimension)) {
        throw new RouterError('INPUT_INVALID', 'embeddings in one put must share a dimension', {
          details: { embedderId, dimension },
        });
      }
      if (unique.length === 0) return 0;
      return db.use(async (session) => {
        await session.run(CREATE_STAGING_SQL);
        return withTransaction(session.connection, async () => {
          // Clear leftovers from a put that failed after its append.
          await session.run(CLEAR_STAGING_SQL);
          await appendRows(
            session,
            { table: 'embeddings_staging', schema: 'main', catalog: 'temp' },
            unique.map(([hash, vector]) => [hash, vectorToList(vector)]),
          );
          const rows = await session.all(
            MERGE_SQL,
            { embedder_id: embedderId, dimension, now_ms: msToBigInt(clock.now()) },
            { dimension: INTEGER, now_ms: BIGINT },
          );
          await session.run(CLEAR_STAGING_SQL);
          return rows.length;
        });
      });
    },
    async count(embedderId) {
      const rows = await db.use((session) =>
        session.prepared(COUNT_SQL, { embedder_id: embedderId }),
      );
      return rows[0] === undefined ? 0 : Number(rows[0]['n']);
    },
  };
}
