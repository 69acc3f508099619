/**
 * Idempotency keys of outcomes, in three namespaces that cannot collide. Tenant names match
 * `^[A-Za-z0-9._-]+$` (keys file), so a client key, always stored as `<tenant>:<key>`, never starts
 * with `#`; the keys Arbiter makes up itself do.
 */

/** A client's `Idempotency-Key`, scoped by its tenant so one tenant's key never shadows another's. */
export function clientIdempotencyKey(tenant: string, key: string): string {
  return `${tenant}:${key}`;
}

/** Feedback sent without a key: one report per tenant and decision. */
export function implicitIdempotencyKey(tenant: string, decisionId: string): string {
  return `#decision:${tenant}:${decisionId}`;
}

/** Proxy mode's record of one upstream attempt (1-based) of a decision. */
export function proxyIdempotencyKey(decisionId: string, attempt: number): string {
  return `#proxy:${decisionId}:${attempt}`;
}
