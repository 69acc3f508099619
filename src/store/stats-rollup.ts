/**
 * Hourly rollups behind the stats API (migration 4): the rollups are brought up to date in one
 * transaction from the rows past their rowid watermarks (decisions and outcomes are append-only;
 * retention.ts moves the watermarks when a checkpoint renumbers rows), and every-tenant windows
 * with hour or day buckets are read from the rollups.
 */
import { BIGINT, BOOLEAN } from '@duckdb/node-api';
import type { Session, SqlRow } from './db.js';
import type { DecisionAggregate, OutcomeAggregate, StatsQuery } from './stats-repo.js';
import { asNumber, asNumberOrNull, asString, asStringOrNull, msToBigInt } from './values.js';

/** Rollup granularity, ms. */
export const ROLLUP_MS = 3_600_000;
/** Ratio between the edges of two latency histogram bins. */
export const LATENCY_BIN_RATIO = 1.15;

const HOUR = `(epoch_ms(%COL%) // ${ROLLUP_MS}) * ${ROLLUP_MS}`;
const LATENCY_BIN = `least(greatest(floor(ln(greatest(latency_ms, 1)) / ln(${LATENCY_BIN_RATIO})), 0), 200)::SMALLINT`;

// decision_facts is a view over decisions since migration 6 (the two costs are columns there): the
// decisions watermark says which rows the rollups hold.
const NEW_DECISIONS_SQL = `SELECT count(*)::BIGINT AS n FROM decisions
  WHERE rowid > $after AND rowid <= $upto`;

const ROLL_DECISIONS_SQL = `INSERT INTO stats_hourly_decisions
  SELECT hour_ms, dim, name, count(*), count(*) FILTER (explored),
    coalesce(sum(estimated_cost_usd), 0), coalesce(sum(best_quality_cost_usd), 0)
  FROM (
    SELECT ${HOUR.replace('%COL%', 'created_at')} AS hour_ms, unnest(['model', 'tenant']) AS dim,
      unnest([model, tenant]) AS name, explored, estimated_cost_usd, best_quality_cost_usd
    FROM decision_facts WHERE source_rowid > $after AND source_rowid <= $upto)
  GROUP BY hour_ms, dim, name
  ON CONFLICT (hour_ms, dim, name) DO UPDATE SET decisions = decisions + EXCLUDED.decisions,
    explored = explored + EXCLUDED.explored, estimated = estimated + EXCLUDED.estimated,
    counterfactual = counterfactual + EXCLUDED.counterfactual`;

const NEW_OUTCOMES = `SELECT ${HOUR.replace('%COL%', 'received_at')} AS hour_ms,
    unnest(['model', 'tenant']) AS dim, unnest([model, tenant]) AS name, model, quality,
    error_class, latency_ms, cost_usd
  FROM outcomes WHERE rowid > $after AND rowid <= $upto`;

const ROLL_OUTCOMES_SQL = `INSERT INTO stats_hourly_outcomes
  SELECT hour_ms, dim, name, count(*), count(quality), coalesce(sum(quality), 0),
    count(error_class), coalesce(sum(cost_usd), 0)
  FROM (${NEW_OUTCOMES}) GROUP BY hour_ms, dim, name
  ON CONFLICT (hour_ms, dim, name) DO UPDATE SET outcomes = outcomes + EXCLUDED.outcomes,
    quality_count = quality_count + EXCLUDED.quality_count,
    quality_sum = quality_sum + EXCLUDED.quality_sum, errors = errors + EXCLUDED.errors,
    cost = cost + EXCLUDED.cost`;

const ROLL_ERRORS_SQL = `INSERT INTO stats_hourly_errors
  SELECT hour_ms, name, error_class, count(*)
  FROM (${NEW_OUTCOMES}) WHERE dim = 'model' AND error_class IS NOT NULL
  GROUP BY hour_ms, name, error_class
  ON CONFLICT (hour_ms, model, error_class) DO UPDATE SET errors = errors + EXCLUDED.errors`;

// Latency per model only: per-tenant histograms would triple the rows every read walks.
const ROLL_LATENCY_SQL = `INSERT INTO stats_hourly_latency
  SELECT hour_ms, dim, name, ${LATENCY_BIN} AS bin, count(*)
  FROM (${NEW_OUTCOMES}) WHERE latency_ms IS NOT NULL AND dim = 'model'
  GROUP BY hour_ms, dim, name, bin
  ON CONFLICT (hour_ms, dim, name, bin) DO UPDATE SET n = n + EXCLUDED.n`;

/** Percentiles of histogram groups `h(g, name, bin, n)`: the first bin reaching each rank. */
const PERCENTILES = `c AS (
    SELECT *, sum(n) OVER (PARTITION BY g, name ORDER BY bin) AS cum,
      sum(n) OVER (PARTITION BY g, name) AS total
    FROM h)
  SELECT g, name,
    pow(${LATENCY_BIN_RATIO}, min(bin) FILTER (cum >= 0.5 * total) + 0.5)::DOUBLE AS p50,
    pow(${LATENCY_BIN_RATIO}, min(bin) FILTER (cum >= 0.95 * total) + 0.5)::DOUBLE AS p95
  FROM c GROUP BY g, name`;

// Hours the new outcomes fell in get their percentiles recomputed from the whole hour's histogram.
const ROLL_PERCENTILES_SQL = `INSERT INTO stats_hourly_percentiles
  WITH touched AS (SELECT DISTINCT hour_ms, name FROM (${NEW_OUTCOMES}) WHERE dim = 'model'),
  h AS (
    SELECT l.hour_ms AS g, l.name, l.bin, l.n FROM stats_hourly_latency l
    JOIN touched t ON l.hour_ms = t.hour_ms AND l.name = t.name WHERE l.dim = 'model'),
  ${PERCENTILES}
  ON CONFLICT (hour_ms, model) DO UPDATE SET p50 = EXCLUDED.p50, p95 = EXCLUDED.p95`;

const ROLLUP_WINDOW = `hour_ms >= $since_ms AND hour_ms < $until_ms`;
const BUCKETED = (table: string) =>
  `SELECT (hour_ms // $bucket_ms) * $bucket_ms AS bucket, * FROM ${table} WHERE ${ROLLUP_WINDOW}`;

const READ_DECISIONS_SQL = `SELECT grouping(bucket)::INTEGER AS gb, bucket, dim, name,
    sum(decisions)::DOUBLE AS decisions, sum(explored)::DOUBLE AS explored,
    sum(estimated)::DOUBLE AS estimated, sum(counterfactual)::DOUBLE AS counterfactual
  FROM (${BUCKETED('stats_hourly_decisions')})
  GROUP BY GROUPING SETS ((bucket, dim, name), (dim, name))
  HAVING $tenant_series OR grouping(bucket) = 1 OR dim = 'model'`;

const READ_OUTCOMES_SQL = `SELECT grouping(bucket)::INTEGER AS gb, bucket, dim, name,
    sum(outcomes)::DOUBLE AS outcomes, sum(quality_count)::DOUBLE AS quality_count,
    sum(quality_sum)::DOUBLE AS quality_sum, sum(errors)::DOUBLE AS errors,
    sum(cost)::DOUBLE AS cost
  FROM (${BUCKETED('stats_hourly_outcomes')})
  GROUP BY GROUPING SETS ((bucket, dim, name), (dim, name))
  HAVING $tenant_series OR grouping(bucket) = 1 OR dim = 'model'`;

const READ_ERRORS_SQL = `SELECT model, error_class, sum(errors)::DOUBLE AS errors
  FROM stats_hourly_errors WHERE ${ROLLUP_WINDOW} GROUP BY model, error_class`;

// A percentile is read as the geometric middle of the first bin whose cumulative count reaches it.
// g is the bucket start, or -1 for the whole window; hour buckets read the stored percentiles.
const READ_LATENCY_SQL = `WITH h AS (
    SELECT -1 AS g, name, bin, sum(n) AS n FROM (${BUCKETED('stats_hourly_latency')})
    WHERE dim = 'model' GROUP BY name, bin
    UNION ALL
    SELECT bucket, name, bin, sum(n) FROM (${BUCKETED('stats_hourly_latency')})
    WHERE dim = 'model' AND $bucket_ms > ${ROLLUP_MS} GROUP BY bucket, name, bin),
  ${PERCENTILES}
  UNION ALL
  SELECT hour_ms, model, p50, p95 FROM stats_hourly_percentiles
  WHERE $bucket_ms = ${ROLLUP_MS} AND ${ROLLUP_WINDOW}`;

const TYPES = { since_ms: BIGINT, until_ms: BIGINT, bucket_ms: BIGINT, tenant_series: BOOLEAN };
const WATERMARK_SQL = `INSERT INTO stats_watermarks VALUES ($name, $value)
  ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value`;

const MARKS_SQL = `SELECT
    (SELECT coalesce(max(value), -1) FROM stats_watermarks WHERE name = 'decisions')::BIGINT AS facts,
    (SELECT coalesce(max(rowid), -1) FROM decisions)::BIGINT AS decisions,
    (SELECT coalesce(max(value), -1) FROM stats_watermarks WHERE name = 'outcomes')::BIGINT AS rolled,
    (SELECT coalesce(max(rowid), -1) FROM outcomes)::BIGINT AS outcomes`;

async function marks(session: Session): Promise<(name: string) => bigint> {
  // Not a reused prepared statement: it kept answering the watermarks of its first run.
  const rows = await session.all(MARKS_SQL);
  return (name) => {
    const value = rows[0]?.[name];
    return typeof value === 'bigint' ? value : BigInt(asNumber(value, name));
  };
}

/** True when decisions or outcomes hold rows the rollups do not cover yet. */
export async function rollupsBehind(session: Session): Promise<boolean> {
  const mark = await marks(session);
  return mark('decisions') > mark('facts') || mark('outcomes') > mark('rolled');
}

/**
 * Bring the hourly rollups up to date; run inside a transaction so the
 * watermarks never move without the rows they cover. Returns the decisions and outcomes added.
 */
export async function catchUpRollups(
  session: Session,
): Promise<{ decisions: number; outcomes: number }> {
  const mark = await marks(session);
  const facts = mark('facts');
  const rolled = mark('rolled');
  const upto = mark('outcomes');
  const decisionsUpto = mark('decisions');
  let decisions = 0;
  if (decisionsUpto > facts) {
    const values = { after: facts, upto: decisionsUpto };
    const types = { after: BIGINT, upto: BIGINT };
    decisions = asNumber((await session.all(NEW_DECISIONS_SQL, values, types))[0]?.['n'], 'n');
    await session.run(ROLL_DECISIONS_SQL, values, types);
    await session.run(
      WATERMARK_SQL,
      { name: 'decisions', value: decisionsUpto },
      { value: BIGINT },
    );
  }
  if (upto > rolled) {
    const values = { after: rolled, upto };
    const types = { after: BIGINT, upto: BIGINT };
    await session.run(ROLL_OUTCOMES_SQL, values, types);
    await session.run(ROLL_ERRORS_SQL, values, types);
    await session.run(ROLL_LATENCY_SQL, values, types);
    await session.run(ROLL_PERCENTILES_SQL, values, types);
    await session.run(WATERMARK_SQL, { name: 'outcomes', value: upto }, { value: BIGINT });
  }
  return { decisions, outcomes: Number(upto - rolled) };
}

function values(query: StatsQuery) {
  return {
    since_ms: msToBigInt(query.sinceMs),
    until_ms: msToBigInt(query.untilMs),
    bucket_ms: msToBigInt(query.bucketMs),
    tenant_series: query.tenantSeries ?? false,
  };
}

function grouping(row: SqlRow): DecisionAggregate['grouping'] {
  const bucketed = asNumber(row['gb'], 'gb') === 0;
  const byModel = asString(row['dim'], 'dim') === 'model';
  if (bucketed) return byModel ? 'bucket_model' : 'bucket_tenant';
  return byModel ? 'model' : 'tenant';
}

function names(row: SqlRow): { model: string | null; tenant: string | null } {
  const name = asString(row['name'], 'name');
  return asString(row['dim'], 'dim') === 'model'
    ? { model: name, tenant: null }
    : { model: null, tenant: name };
}

/** Decision aggregates of every tenant from the rollups (hour-aligned window and bucket). */
export async function rollupDecisionAggregates(
  session: Session,
  query: StatsQuery,
): Promise<DecisionAggregate[]> {
  const rows = await session.prepared(READ_DECISIONS_SQL, values(query), TYPES);
  return rows.map((row) => ({
    grouping: grouping(row),
    bucketMs: asNumberOrNull(row['bucket'], 'bucket'),
    ...names(row),
    decisions: asNumber(row['decisions'], 'decisions'),
    explored: asNumber(row['explored'], 'explored'),
    estimatedCostUsd: asNumber(row['estimated'], 'estimated'),
    counterfactualCostUsd: asNumber(row['counterfactual'], 'counterfactual'),
  }));
}

/** Outcome aggregates of every tenant from the rollups; latency percentiles from the histograms. */
export async function rollupOutcomeAggregates(
  session: Session,
  query: StatsQuery,
): Promise<OutcomeAggregate[]> {
  const latency = new Map<string, { p50: number | null; p95: number | null }>();
  const { since_ms, until_ms, bucket_ms } = values(query);
  for (const row of await session.prepared(
    READ_LATENCY_SQL,
    { since_ms, until_ms, bucket_ms },
    { since_ms: BIGINT, until_ms: BIGINT, bucket_ms: BIGINT },
  )) {
    latency.set(`${asNumber(row['g'], 'g')}|${asString(row['name'], 'name')}`, {
      p50: asNumberOrNull(row['p50'], 'p50'),
      p95: asNumberOrNull(row['p95'], 'p95'),
    });
  }
  const rows = await session.prepared(READ_OUTCOMES_SQL, values(query), TYPES);
  const aggregates: OutcomeAggregate[] = rows.map((row) => {
    // Latency is kept per model: tenant rows have none from the rollups.
    const percentiles =
      asString(row['dim'], 'dim') === 'model'
        ? latency.get(
            `${asNumberOrNull(row['bucket'], 'bucket') ?? -1}|${asString(row['name'], 'name')}`,
          )
        : undefined;
    return {
      grouping: grouping(row),
      bucketMs: asNumberOrNull(row['bucket'], 'bucket'),
      ...names(row),
      errorClass: null,
      outcomes: asNumber(row['outcomes'], 'outcomes'),
      qualityCount: asNumber(row['quality_count'], 'quality_count'),
      qualitySum: asNumber(row['quality_sum'], 'quality_sum'),
      errors: asNumber(row['errors'], 'errors'),
      latencyP50Ms: percentiles?.p50 ?? null,
      latencyP95Ms: percentiles?.p95 ?? null,
      reportedCostUsd: asNumber(row['cost'], 'cost'),
    };
  });
  for (const row of await session.prepared(
    READ_ERRORS_SQL,
    { since_ms, until_ms },
    { since_ms: BIGINT, until_ms: BIGINT },
  )) {
    const errors = asNumber(row['errors'], 'errors');
    aggregates.push({
      grouping: 'model_error',
      bucketMs: null,
      model: asString(row['model'], 'model'),
      tenant: null,
      errorClass: asStringOrNull(row['error_class'], 'error_class'),
      outcomes: errors,
      qualityCount: 0,
      qualitySum: 0,
      errors,
      latencyP50Ms: null,
      latencyP95Ms: null,
      reportedCostUsd: 0,
    });
  }
  return aggregates;
}
