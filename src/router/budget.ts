/**
 * Budget pacing. A tenant with a budget B for a period spends S after a fraction f of the period has
 * elapsed; on pace means S = B x f. When ahead of pace (S > B x f) the router raises the cost weight:
 * willingness to pay is divided by (S / (B x f))^PACING_EXPONENT, so spend bends back toward the pace
 * line instead of running out early. Below pace nothing changes (no incentive to overspend).
 */

/** How strongly overspend lowers willingness to pay. */
export const PACING_EXPONENT = 2;

/** Spend in a budget period. */
export interface BudgetStatus {
  readonly period: 'day' | 'month';
  readonly budgetUsd: number;
  readonly spentUsd: number;
  /** Fraction of the period elapsed, in (0, 1]. */
  readonly elapsed: number;
}

/** The period as people say it of a budget: `daily` or `monthly`. */
export function periodAdjective(period: BudgetStatus['period']): 'daily' | 'monthly' {
  return period === 'day' ? 'daily' : 'monthly';
}

/** Start (ms, UTC) of the day or month containing `nowMs`. */
export function periodStart(period: 'day' | 'month', nowMs: number): number {
  const date = new Date(nowMs);
  return period === 'day'
    ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())
    : Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** Fraction of the period elapsed at `nowMs`, at least one minute's worth (avoids a 0 divisor). */
export function periodElapsed(period: 'day' | 'month', nowMs: number): number {
  const start = periodStart(period, nowMs);
  const date = new Date(start);
  const end =
    period === 'day'
      ? start + 86_400_000
      : Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return Math.min(1, Math.max((nowMs - start) / (end - start), 60_000 / (end - start)));
}

/** Multiplier (in (0, 1]) on willingness to pay for the worst-paced of the given budgets. */
export function pacingFactor(statuses: readonly BudgetStatus[]): number {
  let factor = 1;
  for (const status of statuses) {
    const pace = status.spentUsd / (status.budgetUsd * status.elapsed);
    if (pace > 1) factor = Math.min(factor, pace ** -PACING_EXPONENT);
  }
  return factor;
}

/** The first budget that is spent, if any. */
export function exhausted(statuses: readonly BudgetStatus[]): BudgetStatus | undefined {
  return statuses.find((status) => status.spentUsd >= status.budgetUsd);
}
