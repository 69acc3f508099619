/**
 * Retention in PostgreSQL (../retention.ts is the DuckDB side): raw decisions and outcomes older
 * than the cutoff are deleted, and in the same statement their hourly sums per model, tenant (and
 * error class) are added to `stats_retired_decisions` / `stats_retired_outcomes`, which the stats
 * queries add to what the raw rows hold (pg-stats-repo.ts). `DELETE ... RETURNING` inside the
 * aggregating statement counts every row exactly once even when two replicas run retention at the
 * same time (the second waits on the row locks and finds the rows gone); an advisory lock makes
 * them take turns anyway.
 */
import type { RetentionRepo } from '../retention.js';
import type { PgDatabase } from './pg-database.js';

/** Arbitrary constant for `pg_advisory_xact_lock`: "retain" in ASCII. */
const RETENTION_LOCK_KEY = 0x72657461696e;
const HOUR = (column: string): string =>
  `(floor(extract(epoch FROM ${column}) * 1000 / 3600000) * 3600000)::bigint`;

const RETIRE_DECISIONS = `WITH gone AS (
    DELETE FROM decisions WHERE created_at < to_timestamp($1::float8 / 1000)
    RETURNING created_at, chosen_model, tenant, explored, estimated_cost_usd, best_quality_cost_usd),
  sums AS (
    INSERT INTO stats_retired_decisions
    SELECT ${HOUR('created_at')}, chosen_model, tenant, count(*), count(*) FILTER (WHERE explored),
      coalesce(sum(estimated_cost_usd), 0), coalesce(sum(best_quality_cost_usd), 0)
    FROM gone GROUP BY 1, 2, 3
    ON CONFLICT (hour_ms, model, tenant) DO UPDATE SET
      decisions = stats_retired_decisions.decisions + EXCLUDED.decisions,
      explored = stats_retired_decisions.explored + EXCLUDED.explored,
      estimated = stats_retired_decisions.estimated + EXCLUDED.estimated,
      counterfactual = stats_retired_decisions.counterfactual + EXCLUDED.counterfactual)
  SELECT count(*)::integer AS n FROM gone`;

const RETIRE_OUTCOMES = `WITH gone AS (
    DELETE FROM outcomes WHERE received_at < to_timestamp($1::float8 / 1000)
    RETURNING received_at, model, tenant, error_class, quality, cost_usd),
  sums AS (
    INSERT INTO stats_retired_outcomes
    SELECT ${HOUR('received_at')}, model, tenant, coalesce(error_class, ''), count(*),
      count(quality), coalesce(sum(quality), 0), count(error_class), coalesce(sum(cost_usd), 0)
    FROM gone GROUP BY 1, 2, 3, 4
    ON CONFLICT (hour_ms, model, tenant, error_class) DO UPDATE SET
      outcomes = stats_retired_outcomes.outcomes + EXCLUDED.outcomes,
      quality_count = stats_retired_outcomes.quality_count + EXCLUDED.quality_count,
      quality_sum = stats_retired_outcomes.quality_sum + EXCLUDED.quality_sum,
      errors = stats_retired_outcomes.errors + EXCLUDED.errors,
      cost = stats_retired_outcomes.cost + EXCLUDED.cost)
  SELECT count(*)::integer AS n FROM gone`;

/** Retention for the PostgreSQL store; `beforeRun` flushes buffered rows first. */
export function createPgRetentionRepo(options: {
  readonly db: PgDatabase;
  readonly beforeRun: () => Promise<void>;
}): RetentionRepo {
  return {
    async run({ cutoffMs, nowMs }) {
      await options.beforeRun();
      return options.db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [RETENTION_LOCK_KEY]);
        const decisions = Number((await tx.query(RETIRE_DECISIONS, [cutoffMs]))[0]?.['n'] ?? 0);
        const outcomes = Number((await tx.query(RETIRE_OUTCOMES, [cutoffMs]))[0]?.['n'] ?? 0);
        await tx.query(
          `INSERT INTO retention_runs VALUES (to_timestamp($1::float8 / 1000),
            to_timestamp($2::float8 / 1000), $3, $4)`,
          [nowMs, cutoffMs, decisions, outcomes],
        );
        return { cutoffMs, decisions, outcomes };
      });
    },
  };
}
