import { joinFeedback, type BanditPolicy } from '../bandit/index.js';
import type { OutcomeRecord, Store } from '../store/index.js';
import { summaryFromRecord } from './routing-service.js';

/**
 * The last outcome a saved bandit state includes: its receive time and the idempotency keys seen at
 * that millisecond (several outcomes can share one). Saved beside the state so a restart can replay
 * exactly the outcomes that arrived after the last save (a crash loses no learning).
 */
export interface Watermark {
  readonly ms: number;
  readonly keys: readonly string[];
}

/** Meta key of a policy's watermark. */
export function watermarkKey(policyName: string): string {
  return `bandit_watermark:${policyName}`;
}

/** The watermark after `outcome` has been processed. */
export function advanceWatermark(mark: Watermark | undefined, outcome: OutcomeRecord): Watermark {
  if (mark !== undefined && outcome.receivedAtMs < mark.ms) return mark;
  if (mark !== undefined && outcome.receivedAtMs === mark.ms) {
    return { ms: mark.ms, keys: [...mark.keys, outcome.idempotencyKey] };
  }
  return { ms: outcome.receivedAtMs, keys: [outcome.idempotencyKey] };
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
  const seen = new Set(mark?.keys ?? []);
  for (const outcome of await store.outcomes.listSince(mark?.ms ?? 0)) {
    if (outcome.receivedAtMs === mark?.ms && seen.has(outcome.idempotencyKey)) continue;
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

/** The saved watermark of a policy, if any. */
export async function loadWatermark(
  store: Store,
  policyName: string,
): Promise<Watermark | undefined> {
  const saved = await store.meta.get(watermarkKey(policyName));
  if (saved === undefined) return undefined;
  const parsed = JSON.parse(saved) as Partial<Watermark>;
  return typeof parsed.ms === 'number' && Array.isArray(parsed.keys)
    ? { ms: parsed.ms, keys: parsed.keys.filter((k): k is string => typeof k === 'string') }
    : undefined;
}
