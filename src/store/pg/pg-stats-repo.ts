/**
 * The stats API's reads (../stats-repo.ts) and circuit-breaker events in PostgreSQL. DuckDB keeps a
 * `decision_facts` table and hourly rollups; here the chosen and best-quality candidates' costs are
 * columns of `decisions` (migration 3), read on each query, so `catchUp` has nothing to copy and
 * returns 0.
 */
import type { CircuitEventRepo } from '../circuit-event-repo.js';
import { decodeDecision } from '../decision-codec.js';
import type {
  DecisionAggregate,
  RecentDecision,
  StatsGrouping,
  StatsQuery,
  StatsRepo,
} from '../stats-repo.js';
import type { PgDatabase, PgRow } from './pg-database.js';
import { pgStoredParts } from './pg-decision-repo.js';
import {
  epochMs,
  pgBoolean,
  pgNumber,
  pgNumberOrNull,
  pgString,
  pgStringOrNull,
} from './pg-values.js';

const WINDOW = `>= to_timestamp($1::float8 / 1000) AND %COL% < to_timestamp($2::float8 / 1000)
  AND ($4::text IS NULL OR tenant = $4)`;
const bucket = (column: string): string =>
  `floor((extract(epoch FROM ${column}) * 1000) / $3::float8) * $3::float8`;

/** Hours of rows retention deleted (pg-retention.ts): in the window and tenant, bucketed like raw rows. */
const RETIRED_WINDOW = `hour_ms >= $1::float8 AND hour_ms < $2::float8 AND ($4::text IS NULL OR tenant = $4)`;
const RETIRED_BUCKET = 'floor(hour_ms / $3::float8) * $3::float8';

/**
 * Raw decisions count one each; retired hours add their sums. The chosen and best-quality
 * candidates' costs are columns since migration 3.
 */
const DECISIONS = {
  name: 'arbiter_stats_decisions',
  text: `SELECT grouping(bucket, model, tenant)::integer AS g, bucket::float8 AS bucket, model, tenant,
      sum(n)::integer AS decisions, sum(x)::integer AS explored,
      coalesce(sum(estimated), 0)::float8 AS estimated,
      coalesce(sum(counterfactual), 0)::float8 AS counterfactual
    FROM (SELECT ${bucket('created_at')} AS bucket, chosen_model AS model, tenant, 1 AS n,
        explored::integer AS x, estimated_cost_usd AS estimated,
        best_quality_cost_usd AS counterfactual
      FROM decisions WHERE created_at ${WINDOW.replace('%COL%', 'created_at')}
      UNION ALL
      SELECT ${RETIRED_BUCKET}, model, tenant, decisions, explored, estimated, counterfactual
      FROM stats_retired_decisions WHERE ${RETIRED_WINDOW}) w
    GROUP BY GROUPING SETS ((bucket, model), (bucket, tenant), (model), (tenant))`,
};

/** Raw outcomes count one each; retired hours add their sums (latency percentiles: raw rows only). */
const OUTCOMES = {
  name: 'arbiter_stats_outcomes',
  text: `SELECT grouping(bucket, model, tenant, error_class)::integer AS g, bucket::float8 AS bucket,
      model, tenant, error_class, sum(n)::integer AS outcomes,
      sum(qn)::integer AS quality_count, coalesce(sum(quality), 0)::float8 AS quality_sum,
      sum(en)::integer AS errors,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
      coalesce(sum(cost_usd), 0)::float8 AS cost
    FROM (SELECT ${bucket('received_at')} AS bucket, model, tenant, error_class, 1 AS n,
        (quality IS NOT NULL)::integer AS qn, quality, (error_class IS NOT NULL)::integer AS en,
        latency_ms, cost_usd
      FROM outcomes WHERE received_at ${WINDOW.replace('%COL%', 'received_at')}
      UNION ALL
      SELECT ${RETIRED_BUCKET}, model, tenant, nullif(error_class, ''), outcomes, quality_count,
        quality_sum, errors, NULL, cost
      FROM stats_retired_outcomes WHERE ${RETIRED_WINDOW}) w
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
      SELECT d.id, created_at, ${epochMs('created_at', 'created_at_ms')}, tenant, chosen_model,
        explored, propensity, prompt_text, prompt_hash, prompt_digest, embedding, embedding_q, candidates,
        s.models AS set_models, predicted::text AS predicted, arms, features::text AS features,
        policy_features, willingness_to_pay
      FROM decisions d LEFT JOIN candidate_sets s ON s.id = d.candidate_set
      WHERE created_at < to_timestamp($1::float8 / 1000) AND ($2::text IS NULL OR tenant = $2)
      ORDER BY created_at DESC, d.id COLLATE "C" LIMIT $3)
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

function rankingAndExcluded(row: PgRow): Pick<RecentDecision, 'ranking' | 'excluded'> {
  const { predicted, features } = decodeDecision(pgStoredParts(row));
  return { ranking: predicted, excluded: excludedOf(features) };
}

function recentFromRow(row: PgRow): RecentDecision {
  return {
    id: pgString(row, 'id'),
    createdAtMs: pgNumber(row, 'created_at_ms'),
    tenant: pgString(row, 'tenant'),
    model: pgString(row, 'chosen_model'),
    explored: pgBoolean(row, 'explored'),
    propensity: pgNumber(row, 'propensity'),
    ...rankingAndExcluded(row),
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
