import type { BudgetStatus } from './budget.js';
import type { CapacityTracker } from './capacity.js';
import type { HealthTracker } from './health.js';
import type { SessionPins } from './sessions.js';
import type { TenantPolicy } from './tenant-policy.js';

/**
 * Production controls the router consults on every request, all optional: tenant policies
 * (compliance, PII, budgets, session penalty), circuit breakers and latency, capacity, session pins.
 */
export interface RoutingControls {
  /** The policy in force for a tenant. @default no restrictions */
  readonly policyFor?: (tenant: string) => TenantPolicy;
  readonly health?: HealthTracker;
  readonly capacity?: CapacityTracker;
  readonly sessions?: SessionPins;
  /** The tenant's budget periods and spend so far. */
  readonly budgets?: (tenant: string, policy: TenantPolicy) => readonly BudgetStatus[];
}

/** Utility a better model must add before a pinned session switches, when the tenant sets none. */
export const DEFAULT_SESSION_SWITCH_PENALTY = 0.05;
