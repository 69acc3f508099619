/**
 * The stats API's reads (../stats-repo.ts) and circuit-breaker events in PostgreSQL. DuckDB keeps a
 * `decision_facts` table so predicted-JSON parsing happens once; here the chosen and best-quality
 * candidates' costs are read from `decisions.predicted` (jsonb, parsed once at insert) on each query,
 * so `catchUp` has nothing to copy and returns 0.
 */
import type { CircuitEventRepo } from '../circuit-event-repo.js';
import type { PredictedArm } from '../decision-repo.js';
import type {
  DecisionAggregate,
  RecentDecision,
  StatsGrouping,
  StatsQuery,
  StatsRepo,
} from '../stats-repo.js';
import type { PgDatabase, PgRow } from './pg-database.js';
import {
  epochMs,
  pgBoolean,
  pgJson,
  pgNumber,
  pgNumberOrNull,
  pgString,
  pgStringOrNull,
} from './pg-values.js';

const WINDOW = `>= to_timestamp($1::float8 / 1000) AND %COL% < to_timestamp($2::float8 / 1000)
  AND ($4::text IS NULL OR tenant = $4)`;
const bucket = (column: string): string =>
  `floor((extract(epoch FROM ${column}) * 1000) / $3::float8) * $3::float8`;

/** The chosen candidate's cost and the best-quality candidate (ties: cheaper, then earlier). */
const FACTS = `SELECT d.created_at, d.tenant, d.chosen_model AS model, d.explored,
    (SELECT (e->>'costUsd')::float8 FROM jsonb_array_elements(d.predicted) e
      WHERE e->>'model' = d.chosen_model LIMIT 1) AS estimated_cost_usd,
    (SELECT (e->>'costUsd')::float8
      FROM jsonb_array_elements(d.predicted) WITH ORDINALITY AS t(e, i)
      ORDER BY (e->>'quality')::float8 DESC, (e->>'costUsd')::float8, i LIMIT 1) AS best_quality_cost_usd
  FROM decisions d`;

const DECISIONS = {
  name: 'arbiter_stats_decisions',
  text: `SELECT grouping(bucket, model, tenant)::integer AS g, bucket::float8 AS bucket, model, tenant,
      count(*)::integer AS decisions, count(*) FILTER (WHERE explored)::integer AS explored,
      coalesce(sum(estimated_cost_usd), 0)::float8 AS estimated,
      coalesce(sum(best_quality_cost_usd), 0)::float8 AS counterfactual
    FROM (SELECT ${bucket('created_at')} AS bucket, model, tenant, explored, estimated_cost_usd,
        best_quality_cost_usd
      FROM (${FACTS}) f WHERE created_at ${WINDOW.replace('%COL%', 'created_at')}) w
    GROUP BY GROUPING SETS ((bucket, model), (bucket, tenant), (model), (tenant))`,
};

const OUTCOMES = {
  name: 'arbiter_stats_outcomes',
  text: `SELECT grouping(bucket, model, tenant, error_class)::integer AS g, bucket::float8 AS bucket,
      model, tenant, error_class, count(*)::integer AS outcomes,
      count(quality)::integer AS quality_count, coalesce(sum(quality), 0)::float8 AS quality_sum,
      count(error_class)::integer AS errors,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
      coalesce(sum(cost_usd), 0)::float8 AS cost
    FROM (SELECT ${bucket('received_at')} AS bucket, model, tenant, error_class, quality,
        latency_ms, cost_usd
      FROM outcomes WHERE received_at ${WINDOW.replace('%COL%', 'received_at')}) w
    GROUP BY GROUPING SETS ((bucket, model), (bucket, tenant), (model), (tenant),
      (model, error_class))
    HAVING grouping(error_class) = 1 OR error_class IS NOT NULL`,
};

const SPEND = {
  name: 'arbiter_stats_spend',
  text: `SELECT tenant,
      coalesce(sum(cost_usd) FILTER (WHERE received_at >= to_timestamp($1::float8 / 1000)), 0)::float8
        AS day_usd,
      coalesce(sum(cost_usd), 0)::float8 AS month_usd
    FROM outcomes
    WHERE received_at >= to_timestamp(least($1::float8, $2::float8) / 1000)
      AND received_at < to_timestamp($3::float8 / 1000)
      AND ($4::text IS NULL OR tenant = $4) AND cost_usd IS NOT NULL
    GROUP BY tenant ORDER BY tenant COLLATE "C"`,
};

const RECENT = {
  name: 'arbiter_stats_recent',
  text: `WITH d AS (
      SELECT id, created_at, ${epochMs('created_at', 'created_at_ms')}, tenant, chosen_model,
        explored, propensity, predicted::text AS predicted, features::text AS features, prompt_text
      FROM decisions
      WHERE created_at < to_timestamp($1::float8 / 1000) AND ($2::text IS NULL OR tenant = $2)
      ORDER BY created_at DESC, id COLLATE "C" LIMIT $3)
    SELECT d.*, o.quality, o.error_class
    FROM d LEFT JOIN (
      SELECT DISTINCT ON (decision_id) decision_id, quality, error_class
      FROM outcomes WHERE decision_id IN (SELECT id FROM d)
      ORDER BY decision_id, received_at
    ) o ON o.decision_id = d.id
    ORDER BY d.created_at DESC, d.id COLLATE "C"`,
};

/** grouping() bit mask -> grouping name; bits are (bucket, model, tenant[, error]), as in DuckDB. */
function decisionGrouping(mask: number): DecisionAggregate['grouping'] {
  switch (mask) {
    case 0b001:
      return 'bucket_model';
    case 0b010:
      return 'bucket_tenant';
    case 0b101:
      return 'model';
    default:
      return 'tenant';
  }
}

function outcomeGrouping(mask: number): StatsGrouping {
  switch (mask) {
    case 0b0011:
      return 'bucket_model';
    case 0b0101:
      return 'bucket_tenant';
    case 0b1011:
      return 'model';
    case 0b1101:
      return 'tenant';
    default:
      return 'model_error';
  }
}

function excludedOf(features: unknown): RecentDecision['excluded'] {
  if (typeof features !== 'object' || features === null) return [];
  const list = (features as Record<string, unknown>)['excluded'];
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { model, reason } = entry as Record<string, unknown>;
    return typeof model === 'string' && typeof reason === 'string' ? [{ model, reason }] : [];
  });
}

function recentFromRow(row: PgRow): RecentDecision {
  return {
    id: pgString(row, 'id'),
    createdAtMs: pgNumber(row, 'created_at_ms'),
    tenant: pgString(row, 'tenant'),
    model: pgString(row, 'chosen_model'),
    explored: pgBoolean(row, 'explored'),
    propensity: pgNumber(row, 'propensity'),
    ranking: pgJson(row, 'predicted') as PredictedArm[],
    excluded: excludedOf(row['features'] === null ? null : pgJson(row, 'features')),
    promptText: pgStringOrNull(row, 'prompt_text'),
    quality: pgNumberOrNull(row, 'quality'),
    errorClass: pgStringOrNull(row, 'error_class'),
  };
}

/** Stats reads; `beforeRead` flushes buffered decisions and outcomes first. */
export function createPgStatsRepo(options: {
  readonly db: PgDatabase;
  readonly beforeRead: () => Promise<void>;
}): StatsRepo {
  const { db, beforeRead } = options;
  const values = (query: StatsQuery): unknown[] => [
    query.sinceMs,
    query.untilMs,
    query.bucketMs,
    query.tenant ?? null,
  ];
  return {
    async catchUp() {
      await beforeRead();
      return 0;
    },
    async decisionAggregates(query) {
      await beforeRead();
      const rows = (await db.query(DECISIONS, values(query))).map((row) => ({
        grouping: decisionGrouping(pgNumber(row, 'g')),
        bucketMs: pgNumberOrNull(row, 'bucket'),
        model: pgStringOrNull(row, 'model'),
        tenant: pgStringOrNull(row, 'tenant'),
        decisions: pgNumber(row, 'decisions'),
        explored: pgNumber(row, 'explored'),
        estimatedCostUsd: pgNumber(row, 'estimated'),
        counterfactualCostUsd: pgNumber(row, 'counterfactual'),
      }));
      return query.tenantSeries === true
        ? rows
        : rows.filter((row) => row.grouping !== 'bucket_tenant');
    },
    async outcomeAggregates(query) {
      await beforeRead();
      const rows = (await db.query(OUTCOMES, values(query))).map((row) => ({
        grouping: outcomeGrouping(pgNumber(row, 'g')),
        bucketMs: pgNumberOrNull(row, 'bucket'),
        model: pgStringOrNull(row, 'model'),
        tenant: pgStringOrNull(row, 'tenant'),
        errorClass: pgStringOrNull(row, 'error_class'),
        outcomes: pgNumber(row, 'outcomes'),
        qualityCount: pgNumber(row, 'quality_count'),
        qualitySum: pgNumber(row, 'quality_sum'),
        errors: pgNumber(row, 'errors'),
        latencyP50Ms: pgNumberOrNull(row, 'p50'),
        latencyP95Ms: pgNumberOrNull(row, 'p95'),
        reportedCostUsd: pgNumber(row, 'cost'),
      }));
      // Per-tenant series only on request (StatsQuery.tenantSeries), as in the DuckDB store.
      return query.tenantSeries === true
        ? rows
        : rows.filter((row) => row.grouping !== 'bucket_tenant');
    },
    async spend(query) {
      await beforeRead();
      const rows = await db.query(SPEND, [
        query.dayStartMs,
        query.monthStartMs,
        query.untilMs,
        query.tenant ?? null,
      ]);
      return rows.map((row) => ({
        tenant: pgString(row, 'tenant'),
        dayUsd: pgNumber(row, 'day_usd'),
        monthUsd: pgNumber(row, 'month_usd'),
      }));
    },
    async recentDecisions(query) {
      await beforeRead();
      const rows = await db.query(RECENT, [query.untilMs, query.tenant ?? null, query.limit]);
      return rows.map(recentFromRow);
    },
  };
}

const EVENT_INSERT = {
  name: 'arbiter_circuit_insert',
  text: `INSERT INTO circuit_events VALUES (to_timestamp($1::float8 / 1000), $2, $3, $4, $5)`,
};
const EVENT_LIST = {
  name: 'arbiter_circuit_list',
  text: `SELECT * FROM (
      SELECT ${epochMs('at', 'at_ms')}, scope, target, from_state, to_state FROM (
        SELECT *, row_number() OVER (PARTITION BY scope, target ORDER BY at DESC) AS n
        FROM circuit_events WHERE at < to_timestamp($1::float8 / 1000)) last WHERE n = 1
      UNION ALL (
        SELECT ${epochMs('at', 'at_ms')}, scope, target, from_state, to_state FROM circuit_events
        WHERE at >= to_timestamp($1::float8 / 1000) AND at < to_timestamp($2::float8 / 1000)
        ORDER BY at LIMIT $3)) e
    ORDER BY at_ms, scope COLLATE "C", target COLLATE "C"`,
};

/** circuit_events access. */
export function createPgCircuitEventRepo(options: { readonly db: PgDatabase }): CircuitEventRepo {
  const { db } = options;
  return {
    async record(event) {
      await db.query(EVENT_INSERT, [event.atMs, event.scope, event.target, event.from, event.to]);
    },
    async list(query) {
      const rows = await db.query(EVENT_LIST, [query.sinceMs, query.untilMs, query.limit]);
      return rows.map((row) => ({
        atMs: pgNumber(row, 'at_ms'),
        scope: pgString(row, 'scope') === 'provider' ? 'provider' : 'model',
        target: pgString(row, 'target'),
        from: pgString(row, 'from_state'),
        to: pgString(row, 'to_state'),
      }));
    },
  };
}
