/**
 * The service's own traffic as learning data: each logged decision joined to the outcomes reported
 * for it (decisions and feedback from the DuckDB store, or a snapshot of it), and those outcomes as
 * a training dataset keyed by the embedding stored with the decision (prompt text is optional in
 * the store; the embedding is always kept).
 */
import { observedQuality } from '../bandit/index.js';
import type { DecisionRecord, OutcomeRecord, Store } from '../store/index.js';
import { decisionSplitKey } from './log-split.js';

/** Most decisions read from one store. */
export const MAX_LOGGED_DECISIONS = 1_000_000;

/** One logged decision with the outcomes reported for it. */
export interface LoggedEntry {
  readonly decision: DecisionRecord;
  /** Outcomes, oldest first (the chosen model's, and any fallback that answered). */
  readonly outcomes: readonly OutcomeRecord[];
}

/**
 * The most recent `limit` logged decisions that have at least one outcome, oldest first (two
 * queries, joined here; outcomes are read from the oldest decision's time on).
 */
export async function readLoggedEntries(
  store: Pick<Store, 'decisions' | 'outcomes'>,
  options: { readonly limit?: number } = {},
): Promise<LoggedEntry[]> {
  const decisions = await store.decisions.list({ limit: options.limit ?? MAX_LOGGED_DECISIONS });
  const oldest = decisions.reduce(
    (min, d) => Math.min(min, d.createdAtMs),
    Number.POSITIVE_INFINITY,
  );
  const outcomes =
    decisions.length === 0
      ? []
      : await store.outcomes.listSince(Number.isFinite(oldest) ? oldest : 0);
  const byDecision = new Map<string, OutcomeRecord[]>();
  for (const outcome of outcomes) {
    const list = byDecision.get(outcome.decisionId);
    if (list === undefined) byDecision.set(outcome.decisionId, [outcome]);
    else list.push(outcome);
  }
  return decisions
    .reverse()
    .filter((decision) => byDecision.has(decision.id))
    .map((decision) => ({ decision, outcomes: byDecision.get(decision.id) ?? [] }));
}

/** A logged prompt as training rows: one label per model that answered it. */
export interface LoggedPrompt {
  /** Split key ({@link decisionSplitKey} of the prompt hash). */
  readonly key: string;
  readonly promptHash: string;
  /** The prompt text when the store kept it, else ''. */
  readonly text: string;
  readonly embedding: Float32Array;
  /** Prompt tokens reported with an outcome, when any. */
  readonly inputTokens: number | undefined;
  /** Mean observed quality per model (see bandit `observedQuality`). */
  readonly quality: ReadonlyMap<string, number>;
  /** Mean reported cost per model, USD, where reported. */
  readonly costUsd: ReadonlyMap<string, number>;
  /** Mean reported completion tokens per model, where reported. */
  readonly outputTokens: ReadonlyMap<string, number>;
}

/** What {@link loggedPrompts} kept and why it dropped the rest. */
export interface LoggedPrompts {
  readonly prompts: LoggedPrompt[];
  /** Outcomes dropped, by reason (`no_embedding`, `other_embedder`, `no_quality`). */
  readonly skipped: Readonly<Record<string, number>>;
}

/** Mean of a list of numbers per key. */
function means(values: Map<string, number[]>): Map<string, number> {
  return new Map(
    [...values].map(([key, list]) => [key, list.reduce((s, v) => s + v, 0) / list.length]),
  );
}

function push(map: Map<string, number[]>, key: string, value: number | null | undefined): void {
  if (value === null || value === undefined || !Number.isFinite(value)) return;
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * Group labelled outcomes by prompt (the decision's prompt hash): only decisions whose stored
 * embedding comes from `embedderId` with `dimension` values are usable.
 */
export function loggedPrompts(
  entries: readonly LoggedEntry[],
  options: { readonly embedderId: string; readonly dimension: number },
): LoggedPrompts {
  const skipped: Record<string, number> = {};
  const skip = (reason: string, count = 1): void => {
    skipped[reason] = (skipped[reason] ?? 0) + count;
  };
  const byHash = new Map<
    string,
    {
      decision: DecisionRecord;
      embedding: Float32Array;
      inputTokens: number | undefined;
      quality: Map<string, number[]>;
      cost: Map<string, number[]>;
      tokens: Map<string, number[]>;
    }
  >();
  for (const { decision, outcomes } of entries) {
    const embedding = decision.embedding;
    if (embedding === null) {
      skip('no_embedding', outcomes.length);
      continue;
    }
    if (decision.embedderId !== options.embedderId || embedding.length !== options.dimension) {
      skip('other_embedder', outcomes.length);
      continue;
    }
    let row = byHash.get(decision.promptHash);
    if (row === undefined) {
      row = {
        decision,
        embedding,
        inputTokens: undefined,
        quality: new Map(),
        cost: new Map(),
        tokens: new Map(),
      };
      byHash.set(decision.promptHash, row);
    }
    for (const outcome of outcomes) {
      const quality = observedQuality(outcome);
      if (quality === undefined) {
        skip('no_quality');
        continue;
      }
      push(row.quality, outcome.model, quality);
      push(row.cost, outcome.model, outcome.costUsd);
      push(row.tokens, outcome.model, outcome.outputTokens);
      row.inputTokens ??= outcome.inputTokens ?? undefined;
    }
  }
  const prompts: LoggedPrompt[] = [];
  for (const [hash, row] of byHash) {
    if (row.quality.size === 0) continue;
    prompts.push({
      key: decisionSplitKey(hash),
      promptHash: hash,
      text: row.decision.promptText ?? '',
      embedding: row.embedding,
      inputTokens: row.inputTokens,
      quality: means(row.quality),
      costUsd: means(row.cost),
      outputTokens: means(row.tokens),
    });
  }
  return { prompts, skipped };
}
