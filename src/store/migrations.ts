/**
 * Schema migrations: an ordered array applied in order, each inside its own transaction and
 * recorded in `schema_migrations`, so re-running is a no-op. Never edit a released migration;
 * append a new one.
 *
 * Embeddings are stored as `FLOAT[]` (a variable-length list) with `embedder_id` and `dimension`
 * beside them, not as `FLOAT[d]`: the dimension depends on the configured embedder (512 for
 * USE-Lite, 384 or 768 for ONNX models) and one table must hold rows from more than one embedder
 * across a model switch. Similarity in SQL uses `list_cosine_similarity`; a fixed-size cast
 * (`embedding::FLOAT[512]`) is available to queries that filter on one embedder.
 *
 * Exception: `decisions.embedding` is a BLOB of little-endian float32 (values.ts `vectorToBlob`), the
 * high-rate path where converting 512 floats per row dominated the appender's time.
 *
 * Timestamps are `TIMESTAMP` in UTC; the repos speak epoch milliseconds.
 * The appender writes whole rows in column order: when a migration adds a column to a table that
 * a batch writer feeds, update that writer's row mapping in the same change.
 */
import type { Database } from './db.js';

/** One schema change. */
export interface Migration {
  /** Strictly increasing, starting at 1. */
  readonly version: number;
  /** Short description, recorded with the version. */
  readonly name: string;
  /** DDL, one or more statements separated by `;`. */
  readonly sql: string;
}

/**
 * The chosen and the best-quality candidates' costs (ties: cheaper, then earlier) of decisions
 * stored with `predicted` JSON and no cost columns: migration 6 runs it on the rows before it, and
 * bulk loaders that write the old form (benchmarks/stats/stats-api.ts) run it after loading.
 */
export const BACKFILL_DECISION_COSTS_SQL = `UPDATE decisions
  SET estimated_cost_usd = list_filter(p, x -> x.model = chosen_model)[1].costUsd,
    best_quality_cost_usd = CASE WHEN len(p) > 0 THEN list_reduce(p, (a, b) -> CASE
      WHEN b.quality > a.quality OR (b.quality = a.quality AND b.costUsd < a.costUsd) THEN b
      ELSE a END).costUsd END
  FROM (SELECT id AS pid, coalesce(from_json(predicted,
      '[{"model":"VARCHAR","quality":"DOUBLE","costUsd":"DOUBLE"}]'), []) AS p FROM decisions
    WHERE predicted IS NOT NULL AND estimated_cost_usd IS NULL)
  WHERE id = pid`;

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE meta (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL
      );
      CREATE TABLE decisions (
        id VARCHAR PRIMARY KEY,
        created_at TIMESTAMP NOT NULL,
        tenant VARCHAR NOT NULL,
        prompt_hash VARCHAR NOT NULL,
        prompt_text VARCHAR,
        embedding BLOB,
        embedder_id VARCHAR,
        candidates VARCHAR[] NOT NULL,
        chosen_model VARCHAR NOT NULL,
        propensity DOUBLE NOT NULL,
        explored BOOLEAN NOT NULL,
        policy VARCHAR NOT NULL,
        policy_version INTEGER NOT NULL,
        predictor_version VARCHAR,
        predicted JSON NOT NULL,
        features JSON
      );
      CREATE TABLE outcomes (
        decision_id VARCHAR NOT NULL,
        idempotency_key VARCHAR NOT NULL UNIQUE,
        received_at TIMESTAMP NOT NULL,
        tenant VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        quality DOUBLE CHECK (quality IS NULL OR (quality >= 0 AND quality <= 1)),
        latency_ms DOUBLE,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd DOUBLE,
        error_class VARCHAR
      );
      CREATE INDEX outcomes_decision_id ON outcomes (decision_id);
      -- Unconstrained landing table for appender batches; merged into outcomes with
      -- ON CONFLICT DO NOTHING so a duplicate idempotency key cannot fail a whole batch.
      CREATE TABLE outcomes_staging (
        decision_id VARCHAR,
        idempotency_key VARCHAR,
        received_at TIMESTAMP,
        tenant VARCHAR,
        model VARCHAR,
        quality DOUBLE,
        latency_ms DOUBLE,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd DOUBLE,
        error_class VARCHAR
      );
      CREATE TABLE policy_state (
        name VARCHAR PRIMARY KEY,
        version INTEGER NOT NULL,
        state JSON NOT NULL,
        updated_at TIMESTAMP NOT NULL
      );
      CREATE TABLE prompts (
        hash VARCHAR PRIMARY KEY,
        text VARCHAR NOT NULL,
        first_seen_at TIMESTAMP NOT NULL
      );
      CREATE TABLE embeddings (
        text_hash VARCHAR NOT NULL,
        embedder_id VARCHAR NOT NULL,
        dimension INTEGER NOT NULL,
        embedding FLOAT[] NOT NULL,
        created_at TIMESTAMP NOT NULL,
        PRIMARY KEY (text_hash, embedder_id)
      );
      CREATE TABLE observations (
        dataset VARCHAR NOT NULL,
        prompt_hash VARCHAR NOT NULL,
        prompt_id VARCHAR,
        prompt_group VARCHAR,
        model VARCHAR NOT NULL,
        quality DOUBLE,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost_usd DOUBLE,
        latency_ms DOUBLE,
        tenant VARCHAR,
        observed_at TIMESTAMP,
        source_file VARCHAR,
        source_line INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'outcome report fingerprints',
    // A hash of what a report said, kept with its idempotency key: a replay of the key with another
    // report is refused instead of being answered "duplicate" and lost. Appended at the end, so the
    // appender's column order (outcomeRow) gains one trailing column.
    sql: `
      ALTER TABLE outcomes ADD COLUMN fingerprint VARCHAR;
      ALTER TABLE outcomes_staging ADD COLUMN fingerprint VARCHAR;
    `,
  },
  {
    version: 3,
    name: 'stats: circuit events and decision facts',
    // circuit_events: every breaker transition (health tracking), for the dashboard's timeline.
    // decision_facts: per-decision numbers the stats API sums (chosen model's estimated cost, the
    // cost of the highest-predicted-quality candidate), taken once from decisions.predicted JSON by
    // stats-repo.ts (parsing that JSON on every stats read costs seconds on a million rows).
    // source_rowid is the decisions rowid it was read from: decisions is append-only, so the
    // largest one marks how far the facts have caught up.
    sql: `
      CREATE TABLE circuit_events (
        occurred_at TIMESTAMP NOT NULL,
        scope VARCHAR NOT NULL,
        target VARCHAR NOT NULL,
        from_state VARCHAR NOT NULL,
        to_state VARCHAR NOT NULL
      );
      CREATE TABLE decision_facts (
        source_rowid BIGINT NOT NULL,
        id VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        tenant VARCHAR NOT NULL,
        model VARCHAR NOT NULL,
        explored BOOLEAN NOT NULL,
        estimated_cost_usd DOUBLE,
        best_quality_model VARCHAR,
        best_quality_cost_usd DOUBLE
      );
    `,
  },
  {
    version: 4,
    name: 'stats: hourly rollups',
    // Hourly sums per model and per tenant that stats-rollup.ts keeps up to date from
    // decision_facts and outcomes (rows past a rowid watermark, added in the same transaction as
    // the watermark moves), so an all-tenant hour- or day-bucketed window reads thousands of rows
    // instead of scanning every decision and outcome. Latency is a log-spaced histogram (bin b
    // holds [1.15^b, 1.15^(b+1)) ms), from which percentiles are read to within about 7%.
    sql: `
      CREATE TABLE stats_watermarks (name VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
      CREATE TABLE stats_hourly_decisions (
        hour_ms BIGINT NOT NULL, dim VARCHAR NOT NULL, name VARCHAR NOT NULL,
        decisions BIGINT NOT NULL, explored BIGINT NOT NULL,
        estimated DOUBLE NOT NULL, counterfactual DOUBLE NOT NULL,
        PRIMARY KEY (hour_ms, dim, name)
      );
      CREATE TABLE stats_hourly_outcomes (
        hour_ms BIGINT NOT NULL, dim VARCHAR NOT NULL, name VARCHAR NOT NULL,
        outcomes BIGINT NOT NULL, quality_count BIGINT NOT NULL, quality_sum DOUBLE NOT NULL,
        errors BIGINT NOT NULL, cost DOUBLE NOT NULL,
        PRIMARY KEY (hour_ms, dim, name)
      );
      CREATE TABLE stats_hourly_errors (
        hour_ms BIGINT NOT NULL, model VARCHAR NOT NULL, error_class VARCHAR NOT NULL,
        errors BIGINT NOT NULL,
        PRIMARY KEY (hour_ms, model, error_class)
      );
      CREATE TABLE stats_hourly_latency (
        hour_ms BIGINT NOT NULL, dim VARCHAR NOT NULL, name VARCHAR NOT NULL, bin SMALLINT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (hour_ms, dim, name, bin)
      );
    `,
  },
  {
    version: 5,
    name: 'stats: hourly latency percentiles',
    // p50/p95 per model and hour, recomputed from stats_hourly_latency for the hours a catch-up
    // touched, so hour buckets read them instead of walking the histograms on every request.
    sql: `
      CREATE TABLE stats_hourly_percentiles (
        hour_ms BIGINT NOT NULL, model VARCHAR NOT NULL, p50 DOUBLE, p95 DOUBLE,
        PRIMARY KEY (hour_ms, model)
      );
    `,
  },
  {
    version: 6,
    name: 'compact decisions',
    // decision-codec.ts: the prompt's sha256 as 32 bytes, int8 embedding, candidate sets stored once, per-candidate predictions as
    // 7 bytes each, the bandit's feature vector as float64 bytes, and the two costs the stats sum
    // as columns (back-filled here from the old rows' JSON), so decision_facts, a copy of those
    // columns per decision, becomes a view over decisions; the rowid it had caught up to becomes
    // the 'decisions' watermark of the rollups. Old rows keep their embedding/candidates/predicted and read back as before. New
    // columns are appended: the appender's row mapping (decision-repo.ts) follows this order.
    sql: `
      CREATE TABLE candidate_sets (id BIGINT PRIMARY KEY, models VARCHAR[] NOT NULL);
      ALTER TABLE decisions ALTER COLUMN candidates DROP NOT NULL;
      ALTER TABLE decisions ALTER COLUMN predicted DROP NOT NULL;
      ALTER TABLE decisions ALTER COLUMN prompt_hash DROP NOT NULL;
      ALTER TABLE decisions ADD COLUMN embedding_q BLOB;
      ALTER TABLE decisions ADD COLUMN candidate_set BIGINT;
      ALTER TABLE decisions ADD COLUMN arms BLOB;
      ALTER TABLE decisions ADD COLUMN policy_features BLOB;
      ALTER TABLE decisions ADD COLUMN willingness_to_pay DOUBLE;
      ALTER TABLE decisions ADD COLUMN estimated_cost_usd DOUBLE;
      ALTER TABLE decisions ADD COLUMN best_quality_cost_usd DOUBLE;
      ALTER TABLE decisions ADD COLUMN prompt_digest BLOB;
      ${BACKFILL_DECISION_COSTS_SQL};
      INSERT INTO stats_watermarks
        SELECT 'decisions', coalesce(max(source_rowid), -1) FROM decision_facts;
      DROP TABLE decision_facts;
      CREATE VIEW decision_facts AS
        SELECT rowid AS source_rowid, id, created_at, tenant, chosen_model AS model, explored,
          estimated_cost_usd, best_quality_cost_usd
        FROM decisions;
    `,
  },
  {
    version: 7,
    name: 'retention',
    // When raw rows were last deleted (retention.ts); stats over older windows read the rollups.
    sql: `
      CREATE TABLE retention_runs (
        ran_at TIMESTAMP NOT NULL, cutoff TIMESTAMP NOT NULL,
        decisions BIGINT NOT NULL, outcomes BIGINT NOT NULL
      );
    `,
  },
];

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name VARCHAR NOT NULL,
  applied_at TIMESTAMP NOT NULL
)`;
const SELECT_APPLIED = 'SELECT version FROM schema_migrations ORDER BY version';
const INSERT_APPLIED = `INSERT INTO schema_migrations (version, name, applied_at)
  VALUES ($version, $name, now()::TIMESTAMP)`;

/** Options for {@link runMigrations}. */
export interface RunMigrationsOptions {
  /**
   * The migrations to apply.
   * @default MIGRATIONS
   */
  readonly migrations?: readonly Migration[];
}

/**
 * Apply every migration not yet recorded, each in its own transaction. Returns the versions it
 * applied (empty when the schema is current).
 */
export async function runMigrations(
  db: Database,
  options: RunMigrationsOptions = {},
): Promise<number[]> {
  const migrations = options.migrations ?? MIGRATIONS;
  const applied = await db.use(async (session) => {
    await session.run(CREATE_MIGRATIONS_TABLE);
    const rows = await session.all(SELECT_APPLIED);
    return new Set(rows.map((row) => Number(row['version'])));
  });
  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await db.transaction(async (session) => {
      await session.run(migration.sql);
      await session.run(INSERT_APPLIED, { version: migration.version, name: migration.name });
    });
    done.push(migration.version);
  }
  return done;
}
