/**
 * The small PostgreSQL repos behind the DuckDB store's interfaces: meta (key/value), policy state,
 * prompts and the embedding cache.
 */
import { RouterError, type Clock } from '../../core/index.js';
import type { EmbeddingCacheRepo } from '../embedding-cache-repo.js';
import type { MetaRepo } from '../meta-repo.js';
import type { PolicyStateRepo } from '../policy-state-repo.js';
import type { PromptRepo } from '../prompt-repo.js';
import type { PgDatabase } from './pg-database.js';
import {
  epochMs,
  pgJson,
  pgNumber,
  pgString,
  pgVectorOrNull,
  rowsPerStatement,
  valuesList,
} from './pg-values.js';

/** What the small repos are built from. */
export interface PgRepoContext {
  readonly db: PgDatabase;
  readonly clock: Clock;
}

const META_GET = { name: 'arbiter_meta_get', text: 'SELECT value FROM meta WHERE key = $1' };
const META_SET = {
  name: 'arbiter_meta_set',
  text: `INSERT INTO meta VALUES ($1, $2, to_timestamp($3::float8 / 1000))
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
};

/** meta table access. */
export function createPgMetaRepo({ db, clock }: PgRepoContext): MetaRepo {
  return {
    async get(key) {
      const rows = await db.query(META_GET, [key]);
      return rows[0] === undefined ? undefined : pgString(rows[0], 'value');
    },
    async set(key, value) {
      await db.query(META_SET, [key, value, clock.now()]);
    },
  };
}

const STATE_LOAD = {
  name: 'arbiter_policy_load',
  text: `SELECT name, version, state::text AS state, ${epochMs('updated_at', 'updated_at_ms')}
    FROM policy_state WHERE name = $1`,
};
const STATE_SAVE = {
  name: 'arbiter_policy_save',
  text: `INSERT INTO policy_state VALUES ($1, $2, $3::jsonb, to_timestamp($4::float8 / 1000))
    ON CONFLICT (name) DO UPDATE SET version = excluded.version, state = excluded.state,
      updated_at = excluded.updated_at`,
};

/** policy_state table access. */
export function createPgPolicyStateRepo({ db, clock }: PgRepoContext): PolicyStateRepo {
  return {
    async load(name) {
      const row = (await db.query(STATE_LOAD, [name]))[0];
      if (row === undefined) return undefined;
      return {
        name: pgString(row, 'name'),
        version: pgNumber(row, 'version'),
        state: pgJson(row, 'state'),
        updatedAtMs: pgNumber(row, 'updated_at_ms'),
      };
    },
    async save(entry) {
      await db.query(STATE_SAVE, [
        entry.name,
        entry.version,
        JSON.stringify(entry.state),
        clock.now(),
      ]);
    },
    async names() {
      const rows = await db.query('SELECT name FROM policy_state ORDER BY name COLLATE "C"');
      return rows.map((row) => pgString(row, 'name'));
    },
  };
}

const PROMPTS_PUT = {
  name: 'arbiter_prompts_put',
  text: `INSERT INTO prompts
    SELECT u.hash, u.text, to_timestamp($3::float8 / 1000)
    FROM unnest($1::text[], $2::text[]) AS u(hash, text)
    ON CONFLICT (hash) DO NOTHING
    RETURNING hash`,
};
const PROMPTS_GET = {
  name: 'arbiter_prompts_get',
  text: 'SELECT hash, text FROM prompts WHERE hash = ANY($1::text[])',
};

/** prompts table access. */
export function createPgPromptRepo({ db, clock }: PgRepoContext): PromptRepo {
  return {
    async put(prompts) {
      // One statement must not carry a key twice: first occurrence wins.
      const byHash = new Map<string, string>();
      for (const prompt of prompts)
        if (!byHash.has(prompt.hash)) byHash.set(prompt.hash, prompt.text);
      const unique = [...byHash.entries()];
      let inserted = 0;
      for (let start = 0; start < unique.length; start += 2048) {
        const slice = unique.slice(start, start + 2048);
        const rows = await db.query(PROMPTS_PUT, [
          slice.map(([hash]) => hash),
          slice.map(([, text]) => text),
          clock.now(),
        ]);
        inserted += rows.length;
      }
      return inserted;
    },
    async getMany(hashes) {
      const result = new Map<string, string>();
      if (hashes.length === 0) return result;
      for (const row of await db.query(PROMPTS_GET, [[...hashes]])) {
        result.set(pgString(row, 'hash'), pgString(row, 'text'));
      }
      return result;
    },
  };
}

const EMBEDDINGS_GET = {
  name: 'arbiter_embeddings_get',
  text: `SELECT text_hash, embedding FROM embeddings
    WHERE embedder_id = $1 AND text_hash = ANY($2::text[])`,
};
const EMBEDDINGS_COUNT = {
  name: 'arbiter_embeddings_count',
  text: 'SELECT count(*)::integer AS n FROM embeddings WHERE embedder_id = $1',
};
const EMBEDDING_TEMPLATES = ['?', '?', '?::integer', '?::real[]', 'to_timestamp(?::float8 / 1000)'];
const EMBEDDINGS_PER_INSERT = rowsPerStatement(EMBEDDING_TEMPLATES.length, 512);

/** embeddings table access. */
export function createPgEmbeddingCacheRepo({ db, clock }: PgRepoContext): EmbeddingCacheRepo {
  return {
    async getMany({ embedderId, textHashes }) {
      const result = new Map<string, Float32Array>();
      if (textHashes.length === 0) return result;
      for (const row of await db.query(EMBEDDINGS_GET, [embedderId, [...textHashes]])) {
        const vector = pgVectorOrNull(row, 'embedding');
        if (vector !== null) result.set(pgString(row, 'text_hash'), vector);
      }
      return result;
    },
    async put({ embedderId, items }) {
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
      const now = clock.now();
      return db.transaction(async (tx) => {
        let inserted = 0;
        for (let start = 0; start < unique.length; start += EMBEDDINGS_PER_INSERT) {
          const slice = unique.slice(start, start + EMBEDDINGS_PER_INSERT);
          const rows = await tx.query(
            `INSERT INTO embeddings VALUES ${valuesList(slice.length, EMBEDDING_TEMPLATES)}
              ON CONFLICT (text_hash, embedder_id) DO NOTHING RETURNING text_hash`,
            slice.flatMap(([hash, vector]) => [
              hash,
              embedderId,
              dimension,
              Array.from(vector),
              now,
            ]),
          );
          inserted += rows.length;
        }
        return inserted;
      });
    },
    async count(embedderId) {
      const row = (await db.query(EMBEDDINGS_COUNT, [embedderId]))[0];
      return row === undefined ? 0 : pgNumber(row, 'n');
    },
  };
}
