import type { Catalog } from '../catalog/index.js';
import { readJsonFile } from '../config/index.js';
import { systemClock, type Clock } from '../core/index.js';
import {
  CapacityTracker,
  HealthTracker,
  SessionPins,
  TenantsFileSchema,
  periodElapsed,
  periodStart,
  policyFor,
  type BudgetStatus,
  type CircuitTransition,
  type HealthState,
  type RoutingControls,
  type TenantPolicy,
  type TenantsFile,
} from '../router/index.js';
import type { OutcomeRecord, Store } from '../store/index.js';
import type { DecisionSummary, OutcomeExtra } from './routing-service.js';

const HEALTH_KEY = 'health_state';

/** Load and validate a tenants file; CONFIG_INVALID naming the file and field otherwise. */
export function loadTenantsFile(path: string): TenantsFile {
  return readJsonFile(path, TenantsFileSchema, 'tenants file');
}

interface Spend {
  dayStartMs: number;
  day: number;
  monthStartMs: number;
  month: number;
}

/**
 * The production controls of one service: tenant policies, health (circuit breakers, latency),
 * capacity, session pins and budget spend. It feeds on recorded outcomes and saves health state to
 * DuckDB so breakers survive restarts.
 */
export class ProductionControls {
  readonly health: HealthTracker;
  readonly capacity: CapacityTracker;
  readonly sessions: SessionPins;
  private readonly spend = new Map<string, Spend>();
  private readonly options: {
    store: Store;
    catalog: () => Catalog;
    tenants: TenantsFile | undefined;
    clock: Clock;
    onCircuitTransition: ((transition: CircuitTransition) => void) | undefined;
  };
  private unsaved = 0;
  private saving: Promise<void> = Promise.resolve();

  private constructor(options: ProductionControls['options'], health: HealthState | undefined) {
    this.options = options;
    this.health = new HealthTracker(
      {
        clock: options.clock,
        ...(options.onCircuitTransition === undefined
          ? {}
          : { onTransition: options.onCircuitTransition }),
      },
      health,
    );
    this.capacity = new CapacityTracker({ clock: options.clock });
    this.sessions = new SessionPins({ clock: options.clock });
  }

  /** Load saved health and this period's spend per budgeted tenant from DuckDB. */
  static async create(options: {
    store: Store;
    catalog: () => Catalog;
    tenants?: TenantsFile;
    clock?: Clock;
    /** Told of every circuit-breaker transition (recorded for the stats API). */
    onCircuitTransition?: (transition: CircuitTransition) => void;
  }): Promise<ProductionControls> {
    const saved = await options.store.meta.get(HEALTH_KEY);
    let health: HealthState | undefined;
    try {
      health = saved === undefined ? undefined : (JSON.parse(saved) as HealthState);
      new HealthTracker({ clock: systemClock }, health); // validates the version
    } catch {
      health = undefined; // unusable saved health: start fresh rather than refuse to start
    }
    const controls = new ProductionControls(
      {
        store: options.store,
        catalog: options.catalog,
        tenants: options.tenants,
        clock: options.clock ?? systemClock,
        onCircuitTransition: options.onCircuitTransition,
      },
      health,
    );
    for (const [tenant, policy] of Object.entries(options.tenants?.tenants ?? {})) {
      if (tenant !== '*' && policy.budget !== undefined) await controls.loadSpend(tenant);
    }
    return controls;
  }

  /** The controls the router consults. */
  routing(): RoutingControls {
    return {
      policyFor: (tenant) => policyFor(this.options.tenants, tenant),
      health: this.health,
      capacity: this.capacity,
      sessions: this.sessions,
      budgets: (tenant, policy) => this.budgets(tenant, policy),
    };
  }

  /** Outcome listener: health, capacity and spend. */
  readonly onOutcome = (
    outcome: OutcomeRecord,
    decision: DecisionSummary,
    extra: OutcomeExtra = {},
  ): void => {
    const retryAfterMs = extra.retryAfterMs;
    const provider = this.options.catalog().get(outcome.model)?.provider ?? 'unknown';
    this.health.record({
      model: outcome.model,
      provider,
      ok: outcome.errorClass === null,
      ...(outcome.latencyMs === null ? {} : { latencyMs: outcome.latencyMs }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
    this.capacity.finish(outcome.model, decision.id);
    if (outcome.costUsd !== null) this.addSpend(outcome.tenant, outcome.costUsd);
    if (++this.unsaved >= 50) void this.save();
  };

  /** Save health state now (saves are chained, never concurrent). */
  save(): Promise<void> {
    this.unsaved = 0;
    const state = JSON.stringify(this.health.toState());
    this.saving = this.saving.then(
      () => this.options.store.meta.set(HEALTH_KEY, state),
      () => this.options.store.meta.set(HEALTH_KEY, state),
    );
    return this.saving;
  }

  private budgets(tenant: string, policy: TenantPolicy): BudgetStatus[] {
    const budget = policy.budget;
    if (budget === undefined) return [];
    const now = this.options.clock.now();
    const spend = this.current(tenant, now);
    const statuses: BudgetStatus[] = [];
    if (budget.daily_usd !== undefined) {
      statuses.push({
        period: 'day',
        budgetUsd: budget.daily_usd,
        spentUsd: spend.day,
        elapsed: periodElapsed('day', now),
      });
    }
    if (budget.monthly_usd !== undefined) {
      statuses.push({
        period: 'month',
        budgetUsd: budget.monthly_usd,
        spentUsd: spend.month,
        elapsed: periodElapsed('month', now),
      });
    }
    return statuses;
  }

  private current(tenant: string, now: number): Spend {
    const dayStartMs = periodStart('day', now);
    const monthStartMs = periodStart('month', now);
    let spend = this.spend.get(tenant);
    if (spend === undefined) {
      spend = { dayStartMs, day: 0, monthStartMs, month: 0 };
      this.spend.set(tenant, spend);
    }
    if (spend.dayStartMs !== dayStartMs) Object.assign(spend, { dayStartMs, day: 0 });
    if (spend.monthStartMs !== monthStartMs) Object.assign(spend, { monthStartMs, month: 0 });
    return spend;
  }

  private addSpend(tenant: string, costUsd: number): void {
    const spend = this.current(tenant, this.options.clock.now());
    spend.day += costUsd;
    spend.month += costUsd;
  }

  private async loadSpend(tenant: string): Promise<void> {
    const now = this.options.clock.now();
    const spend = this.current(tenant, now);
    const total = async (sinceMs: number): Promise<number> =>
      (await this.options.store.outcomes.modelStats({ sinceMs, untilMs: now + 1, tenant })).reduce(
        (sum, entry) => sum + entry.totalCostUsd,
        0,
      );
    spend.day = await total(spend.dayStartMs);
    spend.month = await total(spend.monthStartMs);
  }
}
