/**
 * Turn the store's grouped aggregates into the stats overview: totals, per-model and per-tenant
 * metrics, per-bucket columns aligned with the window's buckets, circuit events and budgets.
 * Pure: no I/O, no clock (times come in).
 */
import type {
  CircuitEventRecord,
  DecisionAggregate,
  OutcomeAggregate,
  RecentDecision,
  TenantSpend,
} from '../store/index.js';
import type { RecentDecisionsBody, StatsOverviewBody } from './schema.js';
import { buildSeries } from './series.js';
import type { StatsWindow } from './window.js';

/** A tenant's configured budgets, USD. */
export interface TenantBudgetLimits {
  readonly dailyUsd?: number;
  readonly monthlyUsd?: number;
}

/** Everything the overview is made of. */
export interface OverviewInput {
  readonly window: StatsWindow;
  /** The tenant in scope, or null for every tenant. */
  readonly tenant: string | null;
  readonly decisions: readonly DecisionAggregate[];
  readonly outcomes: readonly OutcomeAggregate[];
  readonly circuitEvents: readonly CircuitEventRecord[];
  /** Current breaker state of a model. */
  readonly circuitState: (model: string) => string | undefined;
  readonly spend: readonly TenantSpend[];
  /** Tenants with a configured budget and their limits. */
  readonly budgets: ReadonlyMap<string, TenantBudgetLimits>;
  /** Share of the current UTC day and month elapsed, 0-1. */
  readonly elapsed: { readonly day: number; readonly month: number };
  /** Whether a series per tenant was asked for (else `series.by_tenant` is empty). */
  readonly tenantSeries: boolean;
}

type Metrics = StatsOverviewBody['totals'];

const ZERO_DECISIONS = { decisions: 0, explored: 0, estimatedCostUsd: 0, counterfactualCostUsd: 0 };
type DecisionSums = typeof ZERO_DECISIONS;

function sumDecisions(rows: readonly DecisionAggregate[]): DecisionSums {
  const sums = { ...ZERO_DECISIONS };
  for (const row of rows) {
    sums.decisions += row.decisions;
    sums.explored += row.explored;
    sums.estimatedCostUsd += row.estimatedCostUsd;
    sums.counterfactualCostUsd += row.counterfactualCostUsd;
  }
  return sums;
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** Metrics from decision sums, one outcome aggregate (whole-window) and its error classes. */
function metrics(options: {
  decisions: DecisionSums;
  allDecisions: number;
  outcome: OutcomeAggregate | undefined;
  errorClasses: readonly OutcomeAggregate[];
}): Metrics {
  const { decisions, outcome } = options;
  const outcomes = outcome?.outcomes ?? 0;
  const qualityCount = outcome?.qualityCount ?? 0;
  const errors = outcome?.errors ?? 0;
  return {
    decisions: decisions.decisions,
    traffic_share: ratio(decisions.decisions, options.allDecisions),
    explored: decisions.explored,
    exploration_rate: ratio(decisions.explored, decisions.decisions),
    outcomes,
    quality_mean: qualityCount > 0 ? (outcome?.qualitySum ?? 0) / qualityCount : null,
    quality_count: qualityCount,
    errors,
    error_rate: ratio(errors, outcomes),
    errors_by_class: options.errorClasses
      .map((row) => ({ class: row.errorClass ?? 'unknown', count: row.errors }))
      .sort((a, b) => b.count - a.count || a.class.localeCompare(b.class)),
    latency_p50_ms: outcome?.latencyP50Ms ?? null,
    latency_p95_ms: outcome?.latencyP95Ms ?? null,
    estimated_cost_usd: decisions.estimatedCostUsd,
    reported_cost_usd: outcome?.reportedCostUsd ?? 0,
    counterfactual_cost_usd: decisions.counterfactualCostUsd,
    savings_usd: decisions.counterfactualCostUsd - decisions.estimatedCostUsd,
  };
}

/** Merge outcome aggregates (sums add; latency percentiles cannot, so they are dropped). */
function mergeOutcomes(rows: readonly OutcomeAggregate[]): OutcomeAggregate | undefined {
  if (rows.length === 0) return undefined;
  if (rows.length === 1) return rows[0];
  const merged = {
    grouping: 'model' as const,
    bucketMs: null,
    model: null,
    tenant: null,
    errorClass: null,
    outcomes: 0,
    qualityCount: 0,
    qualitySum: 0,
    errors: 0,
    latencyP50Ms: null,
    latencyP95Ms: null,
    reportedCostUsd: 0,
  };
  for (const row of rows) {
    merged.outcomes += row.outcomes;
    merged.qualityCount += row.qualityCount;
    merged.qualitySum += row.qualitySum;
    merged.errors += row.errors;
    merged.reportedCostUsd += row.reportedCostUsd;
  }
  return merged;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const name = key(row);
    if (name === null) continue;
    const list = groups.get(name) ?? [];
    list.push(row);
    groups.set(name, list);
  }
  return groups;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The overview answer from the store's aggregates. */
export function buildOverview(input: OverviewInput): StatsOverviewBody {
  const { window } = input;
  const of = <T extends { grouping: string }>(rows: readonly T[], grouping: string): T[] =>
    rows.filter((row) => row.grouping === grouping);
  const decisionsByModel = groupBy(of(input.decisions, 'model'), (row) => row.model);
  const decisionsByTenant = groupBy(of(input.decisions, 'tenant'), (row) => row.tenant);
  const outcomesByModel = groupBy(of(input.outcomes, 'model'), (row) => row.model);
  const outcomesByTenant = groupBy(of(input.outcomes, 'tenant'), (row) => row.tenant);
  const errorsByModel = groupBy(of(input.outcomes, 'model_error'), (row) => row.model);
  const allModelDecisions = of(input.decisions, 'model');
  const all = sumDecisions(allModelDecisions).decisions;

  const models = [...new Set([...decisionsByModel.keys(), ...outcomesByModel.keys()])].sort();
  const byModel = models
    .map((model) => ({
      model,
      ...metrics({
        decisions: sumDecisions(decisionsByModel.get(model) ?? []),
        allDecisions: all,
        outcome: outcomesByModel.get(model)?.[0],
        errorClasses: errorsByModel.get(model) ?? [],
      }),
    }))
    .sort((a, b) => b.decisions - a.decisions || a.model.localeCompare(b.model));
  const tenants = [...new Set([...decisionsByTenant.keys(), ...outcomesByTenant.keys()])].sort();
  const byTenant = tenants.map((tenant) => ({
    tenant,
    ...metrics({
      decisions: sumDecisions(decisionsByTenant.get(tenant) ?? []),
      allDecisions: all,
      outcome: outcomesByTenant.get(tenant)?.[0],
      errorClasses: [],
    }),
  }));
  const errorClassTotals = new Map<string, OutcomeAggregate[]>();
  for (const row of of(input.outcomes, 'model_error')) {
    const name = row.errorClass ?? 'unknown';
    errorClassTotals.set(name, [...(errorClassTotals.get(name) ?? []), row]);
  }
  const totals = metrics({
    decisions: sumDecisions(allModelDecisions),
    allDecisions: all,
    outcome: mergeOutcomes(of(input.outcomes, 'model')),
    errorClasses: [...errorClassTotals].map(([name, rows]) => ({
      ...(mergeOutcomes(rows) as OutcomeAggregate),
      errorClass: name,
    })),
  });
  // Whole-scope latency percentiles cannot be merged from per-model ones; leave them out.
  totals.latency_p50_ms = null;
  totals.latency_p95_ms = null;

  return {
    object: 'stats.overview',
    tenant: input.tenant,
    window: {
      since: iso(window.sinceMs),
      until: iso(window.untilMs),
      window_ms: window.windowMs,
      bucket: window.bucket,
      bucket_ms: window.bucketMs,
    },
    totals,
    by_model: byModel,
    by_tenant: byTenant,
    series: buildSeries(
      input,
      byModel.map((entry) => entry.model),
      input.tenantSeries ? tenants : [],
    ),
    circuits: {
      events: input.circuitEvents.map((event) => ({
        at: iso(event.atMs),
        at_ms: event.atMs,
        scope: event.scope,
        target: event.target,
        from: event.from,
        to: event.to,
      })),
      current: [
        ...new Set(input.circuitEvents.filter((e) => e.scope === 'model').map((e) => e.target)),
      ]
        .sort()
        .map((model) => ({ model, state: input.circuitState(model) ?? 'closed' })),
    },
    budgets: buildBudgets(input),
  };
}

function buildBudgets(input: OverviewInput): StatsOverviewBody['budgets'] {
  const spend = new Map(input.spend.map((row) => [row.tenant, row]));
  const tenants = [...new Set([...input.budgets.keys(), ...spend.keys()])]
    .filter((tenant) => input.tenant === null || tenant === input.tenant)
    .sort();
  const period = (spent: number, budget: number | undefined, elapsed: number) => ({
    spent_usd: spent,
    budget_usd: budget ?? null,
    used: budget === undefined ? null : spent / budget,
    elapsed,
  });
  return tenants.map((tenant) => {
    const limits = input.budgets.get(tenant);
    const row = spend.get(tenant);
    return {
      tenant,
      day: period(row?.dayUsd ?? 0, limits?.dailyUsd, input.elapsed.day),
      month: period(row?.monthUsd ?? 0, limits?.monthlyUsd, input.elapsed.month),
    };
  });
}

/** The recent-decisions answer. */
export function buildRecentDecisions(options: {
  readonly tenant: string | null;
  readonly promptStorage: boolean;
  readonly decisions: readonly RecentDecision[];
}): RecentDecisionsBody {
  return {
    object: 'list',
    tenant: options.tenant,
    prompt_storage: options.promptStorage,
    data: options.decisions.map((decision) => ({
      id: decision.id,
      created_at: iso(decision.createdAtMs),
      tenant: decision.tenant,
      model: decision.model,
      explored: decision.explored,
      propensity: decision.propensity,
      ranking: decision.ranking.map((arm) => ({
        model: arm.model,
        predicted_quality: arm.quality,
        estimated_cost_usd: arm.costUsd,
        score: arm.score ?? null,
      })),
      excluded: [...decision.excluded],
      prompt: options.promptStorage ? decision.promptText : null,
      quality: decision.quality,
      error_class: decision.errorClass,
    })),
  };
}
