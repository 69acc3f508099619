/**
 * Rebuild a policy's state from logged decisions and outcomes (after a config change, a lost state
 * row, or to replay the log with other hyperparameters): outcomes are applied in the order they were
 * received, each joined to its decision exactly as the live service does (feedback.ts).
 */
import {
  joinFeedback,
  type DecisionContext,
  type OutcomeFacts,
  type SkipReason,
} from '../feedback.js';
import type { ArmTags, BanditPolicy } from '../policy.js';

/** One logged outcome with its decision. */
export interface LoggedOutcome {
  readonly decision: DecisionContext;
  readonly outcome: OutcomeFacts & { readonly receivedAtMs: number };
}

/** What a retrain did. */
export interface RetrainReport {
  readonly applied: number;
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
}

/** Apply `entries` to `policy` (mutated) in received order; ties keep the input order. */
export function retrainFromLogs(options: {
  readonly policy: BanditPolicy;
  readonly entries: readonly LoggedOutcome[];
  readonly tagsOf?: (model: string) => ArmTags | undefined;
}): RetrainReport {
  const ordered = options.entries
    .map((entry, index) => ({ entry, index }))
    .sort(
      (a, b) => a.entry.outcome.receivedAtMs - b.entry.outcome.receivedAtMs || a.index - b.index,
    );
  let applied = 0;
  const skipped: Partial<Record<SkipReason, number>> = {};
  for (const { entry } of ordered) {
    const tags = options.tagsOf?.(entry.outcome.model);
    const joined = joinFeedback({
      policy: options.policy,
      outcome: entry.outcome,
      decision: entry.decision,
      ...(tags === undefined ? {} : { tags }),
    });
    if (!joined.ok) {
      skipped[joined.reason] = (skipped[joined.reason] ?? 0) + 1;
      continue;
    }
    options.policy.update(joined.value);
    applied += 1;
  }
  return { applied, skipped };
}
