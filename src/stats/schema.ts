/**
 * Wire shapes of the stats API (TypeBox). The route validates its answers with them and the
 * summaries in this module are typed by them, so the shape is written once.
 */
import Type, { type Static } from 'typebox';
import { STATS_BUCKETS } from './window.js';

/**
 * A number or null, as one JSON-schema type list rather than `anyOf`: fast-json-stringify
 * serialises `anyOf` by validating every value with Ajv, which cost ~0.2-0.5 s on the tens of
 * thousands of series values of a 7-day overview; a type list is a plain check.
 */
const NullableNumber = Type.Unsafe<number | null>({ type: ['number', 'null'] });

/** Metrics of one model, tenant or the whole scope over the window. */
const MetricFields = {
  decisions: Type.Integer({ description: 'decisions made (decision time)' }),
  traffic_share: Type.Number({ description: 'share of the decisions in scope, 0-1' }),
  explored: Type.Integer({ description: 'decisions the bandit made exploratorily' }),
  exploration_rate: Type.Number({ description: 'explored / decisions (0 without decisions)' }),
  outcomes: Type.Integer({ description: 'outcomes recorded (receipt time)' }),
  quality_mean: Type.Unsafe<number | null>({
    type: ['number', 'null'],
    description: 'mean reported quality, null when none was reported',
  }),
  quality_count: Type.Integer({ description: 'outcomes that reported a quality' }),
  errors: Type.Integer({ description: 'outcomes with an error class' }),
  error_rate: Type.Number({ description: 'errors / outcomes (0 without outcomes)' }),
  errors_by_class: Type.Array(Type.Object({ class: Type.String(), count: Type.Integer() })),
  latency_p50_ms: NullableNumber,
  latency_p95_ms: NullableNumber,
  estimated_cost_usd: Type.Number({ description: "sum of the chosen model's estimated cost" }),
  reported_cost_usd: Type.Number({ description: 'sum of recorded cost_usd (feedback, proxy)' }),
  counterfactual_cost_usd: Type.Number({
    description:
      'sum, per decision, of the estimated cost of the candidate with the highest predicted quality',
  }),
  savings_usd: Type.Number({ description: 'counterfactual_cost_usd - estimated_cost_usd' }),
};

/** Metrics of the whole scope. */
export const StatsTotals = Type.Object(MetricFields);
/** Metrics of one model. */
export const ModelMetrics = Type.Object({ model: Type.String(), ...MetricFields });
/** Metrics of one tenant. */
export const TenantMetrics = Type.Object({ tenant: Type.String(), ...MetricFields });

const Column = Type.Array(Type.Number());
const NullableColumn = Type.Array(NullableNumber);

/** Per-bucket series of one model; every array is aligned with `series.buckets`. */
export const ModelSeries = Type.Object({
  model: Type.String(),
  decisions: Column,
  /** Share of the bucket's decisions; null for a bucket without any. */
  traffic_share: NullableColumn,
  explored: Column,
  outcomes: Column,
  quality_mean: NullableColumn,
  errors: Column,
  error_rate: NullableColumn,
  latency_p50_ms: NullableColumn,
  latency_p95_ms: NullableColumn,
  estimated_cost_usd: Column,
  reported_cost_usd: Column,
  counterfactual_cost_usd: Column,
});

/** Per-bucket series of one tenant. */
export const TenantSeries = Type.Object({
  tenant: Type.String(),
  decisions: Column,
  estimated_cost_usd: Column,
  reported_cost_usd: Column,
});

/** Per-bucket totals over the scope. */
export const TotalSeries = Type.Object({
  decisions: Column,
  exploration_rate: NullableColumn,
  quality_mean: NullableColumn,
  error_rate: NullableColumn,
  estimated_cost_usd: Column,
  counterfactual_cost_usd: Column,
  savings_usd: Column,
  reported_cost_usd: Column,
});

/** One circuit-breaker transition. */
export const CircuitEvent = Type.Object({
  at: Type.String({ format: 'date-time' }),
  at_ms: Type.Number(),
  scope: Type.Enum(['model', 'provider']),
  target: Type.String(),
  from: Type.String(),
  to: Type.String(),
});

/** Spend against the budget of one period. */
const PeriodSpend = Type.Object({
  spent_usd: Type.Number(),
  budget_usd: Type.Union([Type.Number(), Type.Null()], { description: 'null: no budget set' }),
  /** Share of the budget spent (null without a budget). */
  used: NullableNumber,
  /** Share of the period elapsed, 0-1. */
  elapsed: Type.Number(),
});

/** A tenant's spend this UTC day and month against its budgets. */
export const TenantBudget = Type.Object({
  tenant: Type.String(),
  day: PeriodSpend,
  month: PeriodSpend,
});

/** `GET /v1/stats/overview`. */
export const StatsOverview = Type.Object({
  object: Type.Literal('stats.overview'),
  /** The tenant the numbers cover, or null for every tenant (admin keys). */
  tenant: Type.Union([Type.String(), Type.Null()]),
  window: Type.Object({
    since: Type.String({ format: 'date-time' }),
    until: Type.String({ format: 'date-time' }),
    window_ms: Type.Integer(),
    bucket: Type.Enum([...STATS_BUCKETS]),
    bucket_ms: Type.Integer(),
  }),
  totals: StatsTotals,
  by_model: Type.Array(ModelMetrics),
  by_tenant: Type.Array(TenantMetrics),
  series: Type.Object({
    /** Bucket starts, epoch ms, oldest first. */
    buckets: Type.Array(Type.Number()),
    total: TotalSeries,
    by_model: Type.Array(ModelSeries),
    /** Only with `tenant_series=true`. */
    by_tenant: Type.Array(TenantSeries),
  }),
  circuits: Type.Object({
    /** Transitions in the window, plus each breaker's last one before it (its state at the start). */
    events: Type.Array(CircuitEvent),
    /** Current state per model with a recorded transition. */
    current: Type.Array(Type.Object({ model: Type.String(), state: Type.String() })),
  }),
  budgets: Type.Array(TenantBudget),
});

/** The overview answer. */
export type StatsOverviewBody = Static<typeof StatsOverview>;

/** One decision in `GET /v1/stats/decisions`. */
export const RecentDecisionBody = Type.Object({
  id: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  tenant: Type.String(),
  model: Type.String(),
  explored: Type.Boolean(),
  propensity: Type.Number(),
  ranking: Type.Array(
    Type.Object({
      model: Type.String(),
      predicted_quality: Type.Number(),
      estimated_cost_usd: Type.Number(),
      score: NullableNumber,
    }),
  ),
  excluded: Type.Array(Type.Object({ model: Type.String(), reason: Type.String() })),
  /** Prompt text, only where prompt storage is on (else null). */
  prompt: Type.Union([Type.String(), Type.Null()]),
  quality: NullableNumber,
  error_class: Type.Union([Type.String(), Type.Null()]),
});

/** `GET /v1/stats/decisions`. */
export const RecentDecisions = Type.Object({
  object: Type.Literal('list'),
  tenant: Type.Union([Type.String(), Type.Null()]),
  prompt_storage: Type.Boolean(),
  data: Type.Array(RecentDecisionBody),
});

/** The recent-decisions answer. */
export type RecentDecisionsBody = Static<typeof RecentDecisions>;
