import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Catalog } from '../../catalog/index.js';
import { systemClock, type Clock } from '../../core/index.js';
import { CatalogModelSchema } from '../../catalog/index.js';
import type { RoutingService } from '../../service/index.js';
import type { DecisionCount, UsageQuery } from '../../store/index.js';
import type { Principal } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Window over which live stats are computed, ms. */
export const STATS_WINDOW_MS = 24 * 3600 * 1000;

const Stats = Type.Object({
  window_ms: Type.Integer(),
  /** Decisions that chose this model in the window. */
  decisions: Type.Integer(),
  outcomes: Type.Integer(),
  /** This model's share of the decisions in the window (not of the outcomes reported). */
  traffic_share: Type.Number(),
  observed_quality: Type.Union([Type.Number(), Type.Null()]),
  error_rate: Type.Number(),
  latency_p50_ms: Type.Union([Type.Number(), Type.Null()]),
  latency_p95_ms: Type.Union([Type.Number(), Type.Null()]),
  latency_p99_ms: Type.Union([Type.Number(), Type.Null()]),
  /** Circuit breaker state from recent outcomes (all tenants). */
  circuit: Type.Enum(['closed', 'open', 'half_open']),
});

const ModelWithStats = Type.Intersect([
  CatalogModelSchema,
  Type.Object({ stats: Type.Optional(Stats) }),
]);

/** Options for the models plugin. */
export interface ModelsOptions {
  readonly catalog: () => Catalog;
  readonly service: () => RoutingService | undefined;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  /** Decisions per chosen model in a window (traffic share); without it the share is 0. */
  readonly decisionCounts?: (query: UsageQuery) => Promise<DecisionCount[]>;
  /** Time source of the stats window. @default systemClock */
  readonly clock?: Clock;
  /** Circuit state of a model, when health tracking runs. */
  readonly circuit?: (model: string) => 'closed' | 'open' | 'half_open' | undefined;
}

/**
 * `GET /v1/models`: the catalog in force with live stats over the last 24 h. A tenant key sees its
 * own tenant's stats, an admin key everyone's; anonymous callers get the catalog alone.
 */
export const modelsRoutes: FastifyPluginAsyncTypebox<ModelsOptions> = (app, options) => {
  app.get(
    '/v1/models',
    {
      schema: {
        summary: 'The model catalog with live stats',
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(ModelWithStats) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const models = [...options.catalog().models];
      const principal = options.principal(request.headers);
      const service = options.service();
      if (principal === undefined || service === undefined) {
        return { object: 'list' as const, data: models };
      }
      const tenant = principal.role === 'admin' ? undefined : principal.tenant;
      const now = (options.clock ?? systemClock).now();
      const [stats, counts] = await Promise.all([
        service.modelStats(STATS_WINDOW_MS, tenant),
        options.decisionCounts?.({
          sinceMs: now - STATS_WINDOW_MS,
          untilMs: now + 1,
          ...(tenant === undefined ? {} : { tenant }),
        }) ?? [],
      ]);
      const byModel = new Map(stats.map((entry) => [entry.model, entry]));
      const decisions = new Map(counts.map((entry) => [entry.model, entry.decisions]));
      const total = counts.reduce((sum, entry) => sum + entry.decisions, 0);
      return {
        object: 'list' as const,
        data: models.map((model) => {
          const entry = byModel.get(model.id);
          return {
            ...model,
            stats: {
              window_ms: STATS_WINDOW_MS,
              decisions: decisions.get(model.id) ?? 0,
              outcomes: entry?.count ?? 0,
              traffic_share: total > 0 ? (decisions.get(model.id) ?? 0) / total : 0,
              observed_quality: entry?.meanQuality ?? null,
              error_rate: entry?.errorRate ?? 0,
              latency_p50_ms: entry?.latencyP50Ms ?? null,
              latency_p95_ms: entry?.latencyP95Ms ?? null,
              latency_p99_ms: entry?.latencyP99Ms ?? null,
              circuit: options.circuit?.(model.id) ?? 'closed',
            },
          };
        }),
      };
    },
  );
  return Promise.resolve();
};
