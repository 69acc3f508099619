/**
 * The stats API's one entry point: resolve the window, run the store's grouped queries and shape
 * the answer. Bad windows are INPUT_INVALID naming the query parameter (`details.field`,
 * `details.reason`).
 */
import { RouterError, type Clock } from '../core/index.js';
import { periodElapsed, periodStart } from '../router/index.js';
import type { CircuitEventRepo, StatsRepo } from '../store/index.js';
import { buildOverview, buildRecentDecisions, type TenantBudgetLimits } from './overview.js';
import type { RecentDecisionsBody, StatsOverviewBody } from './schema.js';
import { resolveWindow, type WindowRequest } from './window.js';

/** Most circuit events one overview lists. */
export const MAX_CIRCUIT_EVENTS = 2_000;
/** Most recent decisions one request may ask for. */
export const MAX_RECENT_DECISIONS = 200;

/** What the stats reader reads from. */
export interface StatsReaderOptions {
  readonly stats: StatsRepo;
  readonly circuitEvents: Pick<CircuitEventRepo, 'list'>;
  /** Current breaker state of a model (health tracking), if it runs. */
  readonly circuitState?: (model: string) => string | undefined;
  /** Configured budgets per tenant (from the tenants file). */
  readonly budgets?: () => ReadonlyMap<string, TenantBudgetLimits>;
  /** Whether decisions keep their prompt text (ARBITER_STORE_PROMPTS). */
  readonly promptStorage: boolean;
  readonly clock: Clock;
}

/** Stats over one tenant (a string) or every tenant (null). */
export interface StatsReader {
  /** `tenantSeries`: include a series per tenant (`series.by_tenant`). */
  overview(
    request: WindowRequest & { readonly tenantSeries?: boolean },
    tenant: string | null,
  ): Promise<StatsOverviewBody>;
  recentDecisions(
    request: { readonly limit?: number; readonly untilMs?: number },
    tenant: string | null,
  ): Promise<RecentDecisionsBody>;
}

/** Create the reader. */
export function createStatsReader(options: StatsReaderOptions): StatsReader {
  return {
    async overview(request, tenant) {
      const now = options.clock.now();
      const resolved = resolveWindow(request, now);
      if (!resolved.ok) {
        const { field, reason, message } = resolved.reason;
        throw new RouterError('INPUT_INVALID', message, { details: { field, reason } });
      }
      const window = resolved.value;
      const query = {
        sinceMs: window.sinceMs,
        untilMs: window.untilMs,
        bucketMs: window.bucketMs,
        tenantSeries: request.tenantSeries ?? false,
        ...(tenant === null ? {} : { tenant }),
      };
      await options.stats.catchUp();
      const day = { startMs: periodStart('day', now), elapsed: periodElapsed('day', now) };
      const month = { startMs: periodStart('month', now), elapsed: periodElapsed('month', now) };
      // One connection runs statements one at a time; these queue rather than run in parallel.
      const [decisions, outcomes, circuitEvents, spend] = await Promise.all([
        options.stats.decisionAggregates(query),
        options.stats.outcomeAggregates(query),
        options.circuitEvents.list({
          sinceMs: window.sinceMs,
          untilMs: window.untilMs,
          limit: MAX_CIRCUIT_EVENTS,
        }),
        options.stats.spend({
          dayStartMs: day.startMs,
          monthStartMs: month.startMs,
          untilMs: now + 1,
          ...(tenant === null ? {} : { tenant }),
        }),
      ]);
      return buildOverview({
        window,
        tenant,
        decisions,
        outcomes,
        circuitEvents,
        circuitState: options.circuitState ?? (() => undefined),
        spend,
        budgets: options.budgets?.() ?? new Map(),
        elapsed: { day: day.elapsed, month: month.elapsed },
        tenantSeries: query.tenantSeries,
      });
    },
    async recentDecisions(request, tenant) {
      const limit = request.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_DECISIONS) {
        throw new RouterError('INPUT_INVALID', `limit must be 1 to ${MAX_RECENT_DECISIONS}`, {
          details: { field: 'limit', reason: 'out_of_range' },
        });
      }
      await options.stats.catchUp();
      const decisions = await options.stats.recentDecisions({
        untilMs: request.untilMs ?? options.clock.now() + 1,
        limit,
        ...(tenant === null ? {} : { tenant }),
      });
      return buildRecentDecisions({ tenant, promptStorage: options.promptStorage, decisions });
    },
  };
}
