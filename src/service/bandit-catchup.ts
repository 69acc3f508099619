import { joinFeedback, type BanditPolicy } from '../bandit/index.js';
import type { OutcomeRecord, Store } from '../store/index.js';
import { summaryFromRecord } from './routing-service.js';

/**
 * Which outcomes a saved bandit state includes: the newest receive time it has seen, and the
 * idempotency keys (with their times) of every outcome it applied within {@link WATERMARK_WINDOW_MS}
 * of that time. Listeners may see outcomes slightly out of receive-time order (concurrent commits), so
 * a restart replays every stored outcome from `ms - window` whose key is not in the set: each outcome
 * is learned exactly once even across a crash.
 */
export interface Watermark {
  readonly ms: number;
  /** [idempotency key, receive time ms] pairs within the window. */
  readonly keys: readonly (readonly [string, number])[];
}

/** How far out of order outcomes may reach the learner and still be tracked exactly, ms. */
export const WATERMARK_WINDOW_MS = 10_000;

/**
 * Outcomes a policy with no saved state learns from at start: the newest this many. A policy saves
 * every 50-500 updates, so a crash before its first save leaves far fewer; a policy new to a store
 * that holds years of outcomes (a changed ARBITER_POLICY) starts in seconds, and the discount of
 * every learner leaves older outcomes no weight to speak of (0.998^10,000 ≈ 2e-9).
 */
export const FRESH_CATCH_UP_OUTCOMES = 10_000;

/**
 * Field of the saved policy state that carries its watermark: state and watermark are written in one
 * upsert, so a crash can never leave one without the other.
 */
export const WATERMARK_FIELD = 'arbiter_watermark';

/** Split a saved policy state into the policy's own state and its watermark (if any). */
export function splitWatermark(saved: unknown): { state: unknown; mark: Watermark | undefined } {
  if (typeof saved !== 'object' || saved === null || !(WATERMARK_FIELD in saved)) {
    return { state: saved, mark: undefined };
  }
  const { [WATERMARK_FIELD]: raw, ...state } = saved as Record<string, unknown>;
  const candidate = raw as { ms?: unknown; keys?: unknown } | undefined;
  const mark =
    typeof candidate?.ms === 'number' && Array.isArray(candidate.keys)
      ? {
          ms: candidate.ms,
          keys: (candidate.keys as unknown[]).filter(
            (pair): pair is [string, number] =>
              Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'number',
          ),
        }
      : undefined;
  return { state, mark };
}

/** The watermark after `outcome` has been processed. */
export function advanceWatermark(mark: Watermark | undefined, outcome: OutcomeRecord): Watermark {
  const ms = Math.max(mark?.ms ?? outcome.receivedAtMs, outcome.receivedAtMs);
  const floor = ms - WATERMARK_WINDOW_MS;
  const keys = (mark?.keys ?? []).filter(([, t]) => t >= floor);
  if (outcome.receivedAtMs >= floor) keys.push([outcome.idempotencyKey, outcome.receivedAtMs]);
  return { ms, keys };
}

/**
 * Apply to `policy` every stored outcome after `mark` (all outcomes when there is none: a rebuild),
 * joined to its stored decision. Returns how many were applied and the new watermark.
 */
export async function catchUpPolicy(options: {
  readonly store: Store;
  readonly policy: BanditPolicy;
  readonly mark: Watermark | undefined;
  readonly tagsOf?: (model: string) => { tier?: string; family?: string } | undefined;
}): Promise<{ applied: number; mark: Watermark | undefined }> {
  const { store, policy } = options;
  let mark = options.mark;
  let applied = 0;
  const seen = new Set((mark?.keys ?? []).map(([key]) => key));
  const outcomes =
    mark === undefined
      ? await store.outcomes.listSince(0, { newest: FRESH_CATCH_UP_OUTCOMES })
      : await store.outcomes.listSince(mark.ms - WATERMARK_WINDOW_MS);
  for (const outcome of outcomes) {
    if (seen.has(outcome.idempotencyKey)) continue;
    mark = advanceWatermark(mark, outcome);
    const found = await store.decisions.get({ id: outcome.decisionId });
    if (!found.ok) continue;
    const tags = options.tagsOf?.(outcome.model);
    const joined = joinFeedback({
      policy,
      outcome,
      decision: summaryFromRecord(found.value),
      ...(tags === undefined ? {} : { tags }),
    });
    if (!joined.ok) continue;
    policy.update(joined.value);
    applied += 1;
  }
  return { applied, mark };
}
