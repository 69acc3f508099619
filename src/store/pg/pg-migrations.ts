/**
 * PostgreSQL schema migrations: the same tables as the DuckDB store (../migrations.ts), in
 * PostgreSQL types, plus what several replicas need:
 *
 * - `outcomes.txid` (the inserting transaction's xid8) and `outcomes.seq`: replicas tail outcomes
 *   in (txid, seq) order up to the oldest transaction still running (pg-outcome-feed.ts), so every
 *   replica sees every committed outcome exactly once, in one order.
 * - All migrations run in one transaction holding an advisory lock: replicas starting together
 *   apply them once.
 *
 * Timestamps are `timestamptz`; the repos speak epoch milliseconds. Never edit a released
 * migration; append a new one.
 */
import type { PgDatabase } from './pg-database.js';

/** One schema change. */
export interface PgMigration {
  /** Strictly increasing, starting at 1. */
  readonly version: number;
  /** Short description, recorded with the version. */
  readonly name: string;
  /** DDL, one or more statements separated by `;` (run as one simple query). */
  readonly sql: string;
}

/** Every PostgreSQL migration, oldest first. */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE meta (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE decisions (
        id text PRIMARY KEY,
        created_at timestamptz NOT NULL,
        tenant text NOT NULL,
        prompt_hash text NOT NULL,
        prompt_text text,
        embedding bytea,
        embedder_id text,
        candidates text[] NOT NULL,
        chosen_model text NOT NULL,
        propensity double precision NOT NULL,
        explored boolean NOT NULL,
        policy text NOT NULL,
        policy_version integer NOT NULL,
        predictor_version text,
        predicted jsonb NOT NULL,
        features jsonb
      );
      CREATE INDEX decisions_created_at ON decisions (created_at);
      CREATE TABLE outcomes (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        decision_id text NOT NULL,
        idempotency_key text NOT NULL UNIQUE,
        received_at timestamptz NOT NULL,
        tenant text NOT NULL,
        model text NOT NULL,
        quality double precision CHECK (quality IS NULL OR (quality >= 0 AND quality <= 1)),
        latency_ms double precision,
        input_tokens integer,
        output_tokens integer,
        cost_usd double precision,
        error_class text,
        fingerprint text
      );
      CREATE INDEX outcomes_decision_id ON outcomes (decision_id);
      CREATE INDEX outcomes_received_at ON outcomes (received_at);
      CREATE INDEX outcomes_feed ON outcomes (txid, seq);
      CREATE TABLE policy_state (
        name text PRIMARY KEY,
        version integer NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE TABLE prompts (
        hash text PRIMARY KEY,
        text text NOT NULL,
        first_seen_at timestamptz NOT NULL
      );
      CREATE TABLE embeddings (
        text_hash text NOT NULL,
        embedder_id text NOT NULL,
        dimension integer NOT NULL,
        embedding real[] NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (text_hash, embedder_id)
      );
      CREATE TABLE observations (
        dataset text NOT NULL,
        prompt_hash text NOT NULL,
        prompt_id text,
        prompt_group text,
        model text NOT NULL,
        quality double precision,
        input_tokens integer,
        output_tokens integer,
        cost_usd double precision,
        latency_ms double precision,
        tenant text,
        observed_at timestamptz,
        source_file text,
        source_line integer
      );
      CREATE INDEX observations_dataset ON observations (dataset);
      CREATE TABLE circuit_events (
        at timestamptz NOT NULL,
        scope text NOT NULL,
        target text NOT NULL,
        from_state text NOT NULL,
        to_state text NOT NULL
      );
      CREATE INDEX circuit_events_at ON circuit_events (at);
    `,
  },
  {
    version: 2,
    name: 'outcome origin replica',
    // Which replica recorded an outcome: a replica reading the feed applies other replicas'
    // outcomes to its spend and health, and skips its own (applied when it recorded them).
    sql: 'ALTER TABLE outcomes ADD COLUMN origin text',
  },
  {
    version: 3,
    name: 'compact decisions',
    // The compact row format of ../decision-codec.ts, as DuckDB's migration 6: the prompt's sha256
    // as 32 bytes, int8 embedding,
    // candidate sets stored once, 7 bytes per candidate, the bandit's feature vector as float64
    // bytes, and the two costs the stats sum as columns (back-filled here for older rows, whose
    // embedding/candidates/predicted stay and read back as before).
    sql: `
      CREATE TABLE candidate_sets (id bigint PRIMARY KEY, models text[] NOT NULL);
      ALTER TABLE decisions ALTER COLUMN candidates DROP NOT NULL,
        ALTER COLUMN predicted DROP NOT NULL, ALTER COLUMN prompt_hash DROP NOT NULL,
        ADD COLUMN embedding_q bytea, ADD COLUMN candidate_set bigint, ADD COLUMN arms bytea,
        ADD COLUMN policy_features bytea, ADD COLUMN willingness_to_pay float8,
        ADD COLUMN estimated_cost_usd float8, ADD COLUMN best_quality_cost_usd float8,
        ADD COLUMN prompt_digest bytea;
      UPDATE decisions d SET
        estimated_cost_usd = (SELECT (e->>'costUsd')::float8 FROM jsonb_array_elements(d.predicted) e
          WHERE e->>'model' = d.chosen_model LIMIT 1),
        best_quality_cost_usd = (SELECT (e->>'costUsd')::float8
          FROM jsonb_array_elements(d.predicted) WITH ORDINALITY AS t(e, i)
          ORDER BY (e->>'quality')::float8 DESC, (e->>'costUsd')::float8, i LIMIT 1);
    `,
  },
  {
    version: 4,
    name: 'retention',
    // Hourly sums of the decisions and outcomes that retention deleted (../retention.ts), which
    // the stats queries add to what the raw rows still hold.
    sql: `
      CREATE TABLE stats_retired_decisions (
        hour_ms bigint NOT NULL, model text NOT NULL, tenant text NOT NULL,
        decisions bigint NOT NULL, explored bigint NOT NULL,
        estimated float8 NOT NULL, counterfactual float8 NOT NULL,
        PRIMARY KEY (hour_ms, model, tenant)
      );
      CREATE TABLE stats_retired_outcomes (
        hour_ms bigint NOT NULL, model text NOT NULL, tenant text NOT NULL, error_class text NOT NULL,
        outcomes bigint NOT NULL, quality_count bigint NOT NULL, quality_sum float8 NOT NULL,
        errors bigint NOT NULL, cost float8 NOT NULL,
        PRIMARY KEY (hour_ms, model, tenant, error_class)
      );
      CREATE TABLE retention_runs (
        ran_at timestamptz NOT NULL, cutoff timestamptz NOT NULL,
        decisions bigint NOT NULL, outcomes bigint NOT NULL
      );
    `,
  },
];

/** Arbitrary constant for `pg_advisory_xact_lock`: "arbiter" in ASCII. */
const MIGRATION_LOCK_KEY = 0x617262697465;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Apply every migration not yet recorded, all in one transaction under an advisory lock (a second
 * replica waits, then finds them applied). Returns the versions it applied.
 */
export async function runPgMigrations(
  db: PgDatabase,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(CREATE_MIGRATIONS_TABLE);
    const rows = await tx.query('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => Number(row['version'])));
    const done: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.version);
    }
    return done;
  });
}
