import { BIGINT, VARCHAR } from '@duckdb/node-api';
import type { Database } from './db.js';
import { asNumber, asString, msToBigInt } from './values.js';

/** Window and scope of a usage query. */
export interface UsageQuery {
  /** Inclusive lower bound, epoch ms. */
  readonly sinceMs: number;
  /** Exclusive upper bound, epoch ms. */
  readonly untilMs: number;
  /** Only this tenant; every tenant when absent. */
  readonly tenant?: string;
}

/** Decisions, outcomes and spend of one tenant, model and UTC day. */
export interface UsageRow {
  readonly tenant: string;
  readonly model: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  /** Decisions whose chosen model this is (decision time). */
  readonly decisions: number;
  /** Outcomes recorded for the model (feedback and proxy attempts; receipt time). */
  readonly outcomes: number;
  /** Sum of recorded `cost_usd` (reported by feedback or by the proxy from the catalog prices). */
  readonly spendUsd: number;
}

/** Decisions per chosen model in a window. */
export interface DecisionCount {
  readonly model: string;
  readonly decisions: number;
}

/** Read-only usage accounting over the decisions and outcomes tables. */
export interface UsageRepo {
  /** Rows per tenant, model and UTC day, sorted that way. */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** How many decisions chose each model (the traffic each model was sent). */
  decisionCounts(query: UsageQuery): Promise<DecisionCount[]>;
}

const TYPES = { since_ms: BIGINT, until_ms: BIGINT, tenant: VARCHAR };

const USAGE_SQL = `WITH d AS (
    SELECT tenant, chosen_model AS model, strftime(created_at, '%Y-%m-%d') AS day, count(*) AS n
    FROM decisions
    WHERE created_at >= epoch_ms($since_ms) AND created_at < epoch_ms($until_ms)
      AND ($tenant IS NULL OR tenant = $tenant)
    GROUP BY ALL),
  o AS (
    SELECT tenant, model, strftime(received_at, '%Y-%m-%d') AS day, count(*) AS n,
      coalesce(sum(cost_usd), 0) AS spend
    FROM outcomes
    WHERE received_at >= epoch_ms($since_ms) AND received_at < epoch_ms($until_ms)
      AND ($tenant IS NULL OR tenant = $tenant)
    GROUP BY ALL)
  SELECT tenant, model, day, coalesce(d.n, 0)::INTEGER AS decisions,
    coalesce(o.n, 0)::INTEGER AS outcomes, coalesce(o.spend, 0)::DOUBLE AS spend_usd
  FROM d FULL OUTER JOIN o USING (tenant, model, day)
  ORDER BY tenant, model, day`;

const COUNTS_SQL = `SELECT chosen_model AS model, count(*)::INTEGER AS decisions
  FROM decisions
  WHERE created_at >= epoch_ms($since_ms) AND created_at < epoch_ms($until_ms)
    AND ($tenant IS NULL OR tenant = $tenant)
  GROUP BY chosen_model
  ORDER BY chosen_model`;

/**
 * Usage queries. `beforeRead` flushes buffered decisions and outcomes first (decisions are appended
 * in batches), so a count includes every decision handed out.
 */
export function createUsageRepo(options: {
  readonly db: Database;
  readonly beforeRead: () => Promise<void>;
}): UsageRepo {
  const { db } = options;
  const values = (query: UsageQuery) => ({
    since_ms: msToBigInt(query.sinceMs),
    until_ms: msToBigInt(query.untilMs),
    tenant: query.tenant ?? null,
  });
  return {
    async usage(query) {
      await options.beforeRead();
      const rows = await db.use((session) => session.prepared(USAGE_SQL, values(query), TYPES));
      return rows.map((row) => ({
        tenant: asString(row['tenant'], 'tenant'),
        model: asString(row['model'], 'model'),
        day: asString(row['day'], 'day'),
        decisions: asNumber(row['decisions'], 'decisions'),
        outcomes: asNumber(row['outcomes'], 'outcomes'),
        spendUsd: asNumber(row['spend_usd'], 'spend_usd'),
      }));
    },
    async decisionCounts(query) {
      await options.beforeRead();
      const rows = await db.use((session) => session.prepared(COUNTS_SQL, values(query), TYPES));
      return rows.map((row) => ({
        model: asString(row['model'], 'model'),
        decisions: asNumber(row['decisions'], 'decisions'),
      }));
    },
  };
}
