/**
 * Read side of the stats API: grouped aggregates over decisions (through decision_facts) and
 * outcomes in a time window, spend per budget period, recent decisions. One scan per table per
 * request: every breakdown of a table is one `GROUPING SETS` query.
 *
 * Decisions count at decision time (`created_at`), outcomes at receipt time (`received_at`).
 */
import { BIGINT, BOOLEAN, INTEGER, VARCHAR } from '@duckdb/node-api';
import type { Database, SqlRow } from './db.js';
import { decodeDecision } from './decision-codec.js';
import type { PredictedArm } from './decision-repo.js';
import { storedParts } from './decision-repo.js';
import {
  ROLLUP_MS,
  catchUpRollups,
  rollupsBehind,
  rollupDecisionAggregates,
  rollupOutcomeAggregates,
} from './stats-rollup.js';
import {
  asBoolean,
  asNumber,
  asNumberOrNull,
  asString,
  asStringOrNull,
  msToBigInt,
} from './values.js';

/** Window, bucket width and scope of a stats query. */
export interface StatsQuery {
  /** Inclusive lower bound, epoch ms. */
  readonly sinceMs: number;
  /** Exclusive upper bound, epoch ms. */
  readonly untilMs: number;
  /** Bucket width, ms (buckets start at multiples of it since the epoch, UTC). */
  readonly bucketMs: number;
  /** Only this tenant; every tenant when absent. */
  readonly tenant?: string;
  /** Include the `bucket_tenant` rows (a series per tenant). @default false */
  readonly tenantSeries?: boolean;
}

/**
 * Which breakdown a row belongs to: `bucket_model` (one bucket, one model), `bucket_tenant`,
 * `model` (whole window), `tenant` (whole window), `model_error` (one model, one error class).
 */
export type StatsGrouping = 'bucket_model' | 'bucket_tenant' | 'model' | 'tenant' | 'model_error';

/** Decision counts and cost sums of one group. */
export interface DecisionAggregate {
  readonly grouping: Exclude<StatsGrouping, 'model_error'>;
  /** Bucket start, epoch ms (bucket groupings only). */
  readonly bucketMs: number | null;
  readonly model: string | null;
  readonly tenant: string | null;
  readonly decisions: number;
  /** Decisions the policy made exploratorily. */
  readonly explored: number;
  /** Sum of the chosen candidates' estimated cost, USD. */
  readonly estimatedCostUsd: number;
  /** Sum of the highest-predicted-quality candidates' estimated cost, USD. */
  readonly counterfactualCostUsd: number;
}

/** Outcome counts, quality, errors, latency and reported cost of one group. */
export interface OutcomeAggregate {
  readonly grouping: StatsGrouping;
  readonly bucketMs: number | null;
  readonly model: string | null;
  readonly tenant: string | null;
  /** The error class (`model_error` rows only). */
  readonly errorClass: string | null;
  readonly outcomes: number;
  /** Outcomes that reported a quality. */
  readonly qualityCount: number;
  /** Sum of reported qualities (mean = sum / count). */
  readonly qualitySum: number;
  /** Outcomes with an error class. */
  readonly errors: number;
  /** Median reported latency, ms, or null without latencies. */
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  /** Sum of reported `cost_usd`. */
  readonly reportedCostUsd: number;
}

/** Recorded spend of a tenant in the current budget periods. */
export interface TenantSpend {
  readonly tenant: string;
  readonly dayUsd: number;
  readonly monthUsd: number;
}

/** One recent decision with its ranking, exclusions and first outcome. */
export interface RecentDecision {
  readonly id: string;
  readonly createdAtMs: number;
  readonly tenant: string;
  readonly model: string;
  readonly explored: boolean;
  readonly propensity: number;
  /** Candidates in ranked order with predicted quality and cost. */
  readonly ranking: readonly PredictedArm[];
  /** Models filtered out, with the reason code (empty for decisions stored before it was kept). */
  readonly excluded: readonly { readonly model: string; readonly reason: string }[];
  /** Prompt text, only when prompt storage was on. */
  readonly promptText: string | null;
  /** Reported quality of the first outcome, if any. */
  readonly quality: number | null;
  readonly errorClass: string | null;
}

/** Stats queries. */
export interface StatsRepo {
  /**
   * Flush buffered rows, then bring the rollups up to date; returns the decisions added. Reads
   * from the rollups see only what the last catch-up covered: call it once before a set of reads
   * (the stats reader does).
   */
  catchUp(): Promise<number>;
  /** Decision aggregates for every grouping but `model_error`. */
  decisionAggregates(query: StatsQuery): Promise<DecisionAggregate[]>;
  /** Outcome aggregates for every grouping. */
  outcomeAggregates(query: StatsQuery): Promise<OutcomeAggregate[]>;
  /** Spend per tenant since the given period starts (every tenant with spend, or one). */
  spend(query: {
    readonly dayStartMs: number;
    readonly monthStartMs: number;
    readonly untilMs: number;
    readonly tenant?: string;
  }): Promise<TenantSpend[]>;
  /** The newest decisions before `untilMs`, newest first. */
  recentDecisions(query: {
    readonly untilMs: number;
    readonly limit: number;
    readonly tenant?: string;
  }): Promise<RecentDecision[]>;
}

const WINDOW = `>= epoch_ms($since_ms) AND %COL% < epoch_ms($until_ms)
  AND ($tenant IS NULL OR tenant = $tenant)`;
const TYPES = {
  since_ms: BIGINT,
  until_ms: BIGINT,
  bucket_ms: BIGINT,
  tenant: VARCHAR,
  tenant_series: BOOLEAN,
};

const DECISIONS_SQL = `SELECT grouping(bucket, model, tenant)::INTEGER AS g, bucket, model, tenant,
    count(*)::INTEGER AS decisions, count(*) FILTER (explored)::INTEGER AS explored,
    coalesce(sum(estimated_cost_usd), 0)::DOUBLE AS estimated,
    coalesce(sum(best_quality_cost_usd), 0)::DOUBLE AS counterfactual
  FROM (SELECT (epoch_ms(created_at) // $bucket_ms) * $bucket_ms AS bucket, model, tenant,
      explored, estimated_cost_usd, best_quality_cost_usd
    FROM decision_facts WHERE created_at ${WINDOW.replace('%COL%', 'created_at')})
  GROUP BY GROUPING SETS ((bucket, model), (bucket, tenant), (model), (tenant))
  HAVING $tenant_series OR grouping(bucket, model, tenant) <> 2`;

const OUTCOMES_SQL = `SELECT grouping(bucket, model, tenant, error_class)::INTEGER AS g, bucket,
    model, tenant, error_class, count(*)::INTEGER AS outcomes,
    count(quality)::INTEGER AS quality_count, coalesce(sum(quality), 0)::DOUBLE AS quality_sum,
    count(error_class)::INTEGER AS errors,
    quantile_cont(latency_ms, 0.5)::DOUBLE AS p50, quantile_cont(latency_ms, 0.95)::DOUBLE AS p95,
    coalesce(sum(cost_usd), 0)::DOUBLE AS cost
  FROM (SELECT (epoch_ms(received_at) // $bucket_ms) * $bucket_ms AS bucket, model, tenant,
      error_class, quality, latency_ms, cost_usd
    FROM outcomes WHERE received_at ${WINDOW.replace('%COL%', 'received_at')})
  GROUP BY GROUPING SETS ((bucket, model), (bucket, tenant), (model), (tenant),
    (model, error_class))
  HAVING (grouping(error_class) = 1 OR error_class IS NOT NULL)
    AND ($tenant_series OR grouping(bucket, model, tenant, error_class) <> 5)`;

const SPEND_SQL = `SELECT tenant,
    coalesce(sum(cost_usd) FILTER (received_at >= epoch_ms($day_ms)), 0)::DOUBLE AS day_usd,
    coalesce(sum(cost_usd), 0)::DOUBLE AS month_usd
  FROM outcomes
  WHERE received_at >= epoch_ms(least($day_ms, $month_ms)) AND received_at < epoch_ms($until_ms)
    AND ($tenant IS NULL OR tenant = $tenant) AND cost_usd IS NOT NULL
  GROUP BY tenant ORDER BY tenant`;

const RECENT_SQL = `WITH d AS (
    SELECT decisions.id AS id, epoch_ms(created_at)::DOUBLE AS created_at_ms, tenant, chosen_model,
      explored, propensity, prompt_text, prompt_hash, prompt_digest, embedding, embedding_q, candidates, s.models AS set_models,
      predicted, arms, features, policy_features, willingness_to_pay
    FROM decisions LEFT JOIN candidate_sets s ON s.id = decisions.candidate_set
    WHERE created_at < epoch_ms($until_ms) AND ($tenant IS NULL OR tenant = $tenant)
    ORDER BY created_at DESC, decisions.id LIMIT $limit)
  SELECT d.*, o.quality, o.error_class
  FROM d LEFT JOIN (
    SELECT decision_id, arg_min(quality, received_at) AS quality,
      arg_min(error_class, received_at) AS error_class
    FROM outcomes WHERE decision_id IN (SELECT id FROM d) GROUP BY decision_id
  ) o ON o.decision_id = d.id
  ORDER BY d.created_at_ms DESC, d.id`;

/** DuckDB's grouping() bit mask -> grouping name; bits are (bucket, model, tenant[, error]). */
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

function rankingAndExcluded(row: SqlRow): Pick<RecentDecision, 'ranking' | 'excluded'> {
  const { predicted, features } = decodeDecision(storedParts(row));
  return { ranking: predicted, excluded: excludedOf(features) };
}

function recentFromRow(row: SqlRow): RecentDecision {
  return {
    id: asString(row['id'], 'id'),
    createdAtMs: asNumber(row['created_at_ms'], 'created_at'),
    tenant: asString(row['tenant'], 'tenant'),
    model: asString(row['chosen_model'], 'chosen_model'),
    explored: asBoolean(row['explored'], 'explored'),
    propensity: asNumber(row['propensity'], 'propensity'),
    ...rankingAndExcluded(row),
    promptText: asStringOrNull(row['prompt_text'], 'prompt_text'),
    quality: asNumberOrNull(row['quality'], 'quality'),
    errorClass: asStringOrNull(row['error_class'], 'error_class'),
  };
}

/**
 * Create the stats repo. `beforeRead` flushes buffered decisions and outcomes (decisions are
 * appended in batches), so stats include every decision handed out; then the
 * hourly rollups catch up (stats-rollup.ts). Every-tenant queries on whole hours read the
 * rollups; a tenant's, or minute buckets, read decision_facts (a view over decisions) and outcomes
 * directly.
 */
export function createStatsRepo(options: {
  readonly db: Database;
  readonly beforeRead: () => Promise<void>;
}): StatsRepo {
  const { db } = options;
  const catchUp = async (): Promise<number> => {
    await options.beforeRead();
    // Look first without a transaction: most reads find nothing new.
    if (!(await db.use(rollupsBehind))) return 0;
    return (await db.transaction(catchUpRollups)).decisions;
  };
  // Every tenant, whole hours: the hourly rollups hold the answer.
  const rolledUp = (query: StatsQuery): boolean =>
    query.tenant === undefined &&
    query.bucketMs % ROLLUP_MS === 0 &&
    query.sinceMs % ROLLUP_MS === 0 &&
    query.untilMs % ROLLUP_MS === 0;
  const values = (query: StatsQuery) => ({
    since_ms: msToBigInt(query.sinceMs),
    until_ms: msToBigInt(query.untilMs),
    bucket_ms: msToBigInt(query.bucketMs),
    tenant: query.tenant ?? null,
    tenant_series: query.tenantSeries ?? false,
  });
  const bucketOf = (row: SqlRow): number | null => asNumberOrNull(row['bucket'], 'bucket');
  return {
    catchUp,
    async decisionAggregates(query) {
      if (rolledUp(query)) {
        return db.use((session) => rollupDecisionAggregates(session, query));
      }
      const rows = await db.use((session) => session.prepared(DECISIONS_SQL, values(query), TYPES));
      return rows.map((row) => ({
        grouping: decisionGrouping(asNumber(row['g'], 'g')),
        bucketMs: bucketOf(row),
        model: asStringOrNull(row['model'], 'model'),
        tenant: asStringOrNull(row['tenant'], 'tenant'),
        decisions: asNumber(row['decisions'], 'decisions'),
        explored: asNumber(row['explored'], 'explored'),
        estimatedCostUsd: asNumber(row['estimated'], 'estimated'),
        counterfactualCostUsd: asNumber(row['counterfactual'], 'counterfactual'),
      }));
    },
    async outcomeAggregates(query) {
      if (rolledUp(query)) {
        return db.use((session) => rollupOutcomeAggregates(session, query));
      }
      const rows = await db.use((session) => session.prepared(OUTCOMES_SQL, values(query), TYPES));
      return rows.map((row) => ({
        grouping: outcomeGrouping(asNumber(row['g'], 'g')),
        bucketMs: bucketOf(row),
        model: asStringOrNull(row['model'], 'model'),
        tenant: asStringOrNull(row['tenant'], 'tenant'),
        errorClass: asStringOrNull(row['error_class'], 'error_class'),
        outcomes: asNumber(row['outcomes'], 'outcomes'),
        qualityCount: asNumber(row['quality_count'], 'quality_count'),
        qualitySum: asNumber(row['quality_sum'], 'quality_sum'),
        errors: asNumber(row['errors'], 'errors'),
        latencyP50Ms: asNumberOrNull(row['p50'], 'p50'),
        latencyP95Ms: asNumberOrNull(row['p95'], 'p95'),
        reportedCostUsd: asNumber(row['cost'], 'cost'),
      }));
    },
    async spend(query) {
      await options.beforeRead();
      const rows = await db.use((session) =>
        session.prepared(
          SPEND_SQL,
          {
            day_ms: msToBigInt(query.dayStartMs),
            month_ms: msToBigInt(query.monthStartMs),
            until_ms: msToBigInt(query.untilMs),
            tenant: query.tenant ?? null,
          },
          { day_ms: BIGINT, month_ms: BIGINT, until_ms: BIGINT, tenant: VARCHAR },
        ),
      );
      return rows.map((row) => ({
        tenant: asString(row['tenant'], 'tenant'),
        dayUsd: asNumber(row['day_usd'], 'day_usd'),
        monthUsd: asNumber(row['month_usd'], 'month_usd'),
      }));
    },
    async recentDecisions(query) {
      await options.beforeRead();
      const rows = await db.use((session) =>
        session.prepared(
          RECENT_SQL,
          {
            until_ms: msToBigInt(query.untilMs),
            tenant: query.tenant ?? null,
            limit: query.limit,
          },
          { until_ms: BIGINT, tenant: VARCHAR, limit: INTEGER },
        ),
      );
      return rows.map(recentFromRow);
    },
  };
}
