/**
 * Several replicas as one service: each replica reads the shared store's outcome feed (every
 * committed outcome, from any replica, exactly once, in one order: store/outcome-feed.ts) and
 *
 * - learns from all of them: the bandit's statistics are sums over outcomes, so applying the same
 *   outcomes in the same order gives every replica the same state, equal to a single process
 *   replaying them. The bandit learns only here, never from the local feedback call, so an outcome
 *   is counted once whichever replica took it. The learning cap (influence limiter) is applied here
 *   too, on the outcome's receive time, so every replica admits the same outcomes.
 * - applies other replicas' outcomes to its local spend, health and capacity (`onForeignOutcome`);
 *   its own were applied when it recorded them.
 *
 * The policy state is saved with the feed cursor it includes (one upsert), so a restarted replica
 * loads it and reads on from there. Each replica also writes a status row (meta `replica:<id>`: its
 * cursor, policy version and a hash of its state) after every sync, for operators and tests.
 */
import {
  joinFeedback,
  policyFromState,
  createPolicy,
  type BanditPolicy,
  type BanditPolicyName,
} from '../bandit/index.js';
import { isRouterError, sha256Hex, type Clock } from '../core/index.js';
import type { OutcomeRecord, Store } from '../store/index.js';
import type { OutcomeFeed } from '../store/pg/index.js';
import { InfluenceLimiter } from './influence-limiter.js';
import { summaryFromRecord, type DecisionSummary } from './routing-service.js';
import { isStoreUnavailable } from './store-outage.js';

/** How often a serving replica reads the feed, ms (other replicas' outcomes arrive this late). */
export const REPLICA_SYNC_INTERVAL_MS = 250;

/** Field of a saved policy state that holds the feed cursor the state includes. */
export const FEED_CURSOR_FIELD = 'arbiter_feed_cursor';

/** Meta key of a replica's status row. */
export function replicaStatusKey(replicaId: string): string {
  return `replica:${replicaId}`;
}

/** What a replica's status row says. */
export interface ReplicaStatus {
  readonly replicaId: string;
  /** Feed cursor the replica has read up to. */
  readonly cursor: string | null;
  /** The pooled policy's version (outcomes learned), or null for `greedy`. */
  readonly policyVersion: number | null;
  /** sha256 of the policy state's JSON, or null for `greedy`. */
  readonly stateSha256: string | null;
  /** Outcomes read from the feed since start. */
  readonly read: number;
  /** Outcomes read but not learned from since start, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

/** A saved pooled policy and the feed cursor its state includes. */
export interface PooledPolicy {
  readonly policy: BanditPolicy;
  /** Undefined: the state includes no outcome yet (read the feed from its start). */
  readonly cursor: string | undefined;
}

/**
 * The saved pooled state of `name`, or a fresh policy reading the feed from its start (also when the
 * saved state has no cursor or cannot be restored: reported through `warn`).
 */
export async function loadPooledPolicy(
  store: Store,
  name: BanditPolicyName,
  warn: (message: string) => void = () => undefined,
): Promise<PooledPolicy> {
  const saved = await store.policyState.load(name);
  if (saved === undefined) return { policy: createPolicy(name), cursor: undefined };
  const raw = saved.state;
  if (typeof raw !== 'object' || raw === null || !(FEED_CURSOR_FIELD in raw)) {
    warn(`saved ${name} state has no feed cursor: rebuilding it from every stored outcome`);
    return { policy: createPolicy(name), cursor: undefined };
  }
  const { [FEED_CURSOR_FIELD]: cursor, ...state } = raw as Record<string, unknown>;
  try {
    return {
      policy: policyFromState(state),
      cursor: typeof cursor === 'string' ? cursor : undefined,
    };
  } catch (error: unknown) {
    if (!isRouterError(error, 'POLICY_STATE_INVALID')) throw error;
    warn(`saved ${name} state not usable (${error.message}): rebuilding it from stored outcomes`);
    return { policy: createPolicy(name), cursor: undefined };
  }
}

/** Options for {@link createReplicaSync}. */
export interface ReplicaSyncOptions {
  readonly store: Store;
  readonly feed: OutcomeFeed;
  readonly replicaId: string;
  /** The pooled bandit and the cursor its state includes; absent for `greedy`. */
  readonly learning?: PooledPolicy;
  /**
   * Outcomes after this cursor that other replicas recorded go to `onForeignOutcome` (take the
   * feed's tip before loading spend from the store, so none is counted twice).
   */
  readonly foreignFrom: string;
  /** Spend, health and capacity of another replica's outcome. */
  readonly onForeignOutcome?: (outcome: OutcomeRecord, decision: DecisionSummary) => void;
  /** Catalog tier and family of a model, for the prior of one the policy has not seen. */
  readonly tagsOf?: (model: string) => { tier?: string; family?: string } | undefined;
  /** Outcomes per tenant per model per hour learned from; 0 disables the cap. @default 200 */
  readonly learnCapPerHour?: number;
  /** Learned outcomes between state saves. @default the policy's `saveEvery`, else 50 */
  readonly saveEvery?: number;
  /** Outcomes per feed read. @default 1000 */
  readonly pageSize?: number;
  /**
   * Meta keys other replicas change (catalog overrides): read on every sync, `onChange` called with
   * the new value when it differs from the last one seen (the first read only records it).
   */
  readonly watch?: readonly { readonly key: string; readonly onChange: (value: string) => void }[];
  /**
   * Failures of background syncs and saves. While the store is unavailable (a database outage)
   * only the first of the background syncs' failures is reported.
   */
  readonly onError?: (error: unknown) => void;
}

/** A running replica sync. */
export interface ReplicaSync {
  /** Read the feed until caught up; resolves with the outcomes read. Calls are serialised. */
  syncOnce(): Promise<number>;
  /** Sync every `intervalMs` in the background (the timer does not hold the process open). */
  start(intervalMs: number): void;
  /** Outcomes read, learned and skipped (with why) since start. */
  readonly counts: { read: number; learned: number; skipped: Record<string, number> };
  /** Save the policy state with its cursor, and the status row, now. */
  save(): Promise<void>;
  /** Stop the timer, finish the sync in flight, save. Idempotent. */
  close(): Promise<void>;
}

/** Create the sync for one replica (nothing runs until syncOnce or start). */
export function createReplicaSync(options: ReplicaSyncOptions): ReplicaSync {
  const { store, feed, learning } = options;
  const policy = learning?.policy;
  let cursor = learning?.cursor;
  // Foreign outcomes count from the tip; learning reads from its saved cursor (usually earlier).
  let readCursor: string | undefined = options.foreignFrom;
  if (learning !== undefined) {
    readCursor =
      cursor === undefined || feed.compare(cursor, options.foreignFrom) <= 0
        ? cursor
        : options.foreignFrom;
  }
  let nowMs = 0;
  const clock: Clock = { now: () => nowMs };
  const cap = options.learnCapPerHour ?? 200;
  const limiter = cap > 0 ? new InfluenceLimiter({ clock, perModel: cap }) : undefined;
  const saveEvery = options.saveEvery ?? policy?.saveEvery ?? 50;
  const counts = { read: 0, learned: 0, skipped: {} as Record<string, number> };
  const skip = (reason: string): void => {
    counts.skipped[reason] = (counts.skipped[reason] ?? 0) + 1;
  };
  let unsaved = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed: Promise<void> | undefined;

  // The state's hash, kept while the policy's version (its update count) is unchanged: a large
  // state (the residual learner's memory) is serialised once per version, not once per sync.
  let hashed: { version: number; sha256: string } | undefined;
  const stateSha256 = (): string | null => {
    if (policy === undefined) return null;
    if (hashed?.version !== policy.version) {
      hashed = { version: policy.version, sha256: sha256Hex(JSON.stringify(policy.toState())) };
    }
    return hashed.sha256;
  };

  async function writeStatus(): Promise<void> {
    const status: ReplicaStatus = {
      replicaId: options.replicaId,
      cursor: readCursor ?? null,
      policyVersion: policy?.version ?? null,
      stateSha256: stateSha256(),
      read: counts.read,
      skipped: { ...counts.skipped },
    };
    await store.meta.set(replicaStatusKey(options.replicaId), JSON.stringify(status));
  }

  async function saveNow(): Promise<void> {
    unsaved = 0;
    if (policy !== undefined && cursor !== undefined) {
      const state = policy.toState();
      await store.policyState.save({
        name: policy.name,
        version: state.version,
        state: { ...state, [FEED_CURSOR_FIELD]: cursor },
      });
    }
    await writeStatus();
  }

  async function apply(
    outcome: OutcomeRecord,
    origin: string | null,
    position: string,
  ): Promise<void> {
    const found = await store.decisions.get({ id: outcome.decisionId });
    if (!found.ok) {
      skip('decision_not_found');
      return;
    }
    const decision = summaryFromRecord(found.value);
    if (origin !== options.replicaId && feed.compare(position, options.foreignFrom) > 0) {
      options.onForeignOutcome?.(outcome, decision);
    }
    if (policy === undefined || (cursor !== undefined && feed.compare(position, cursor) <= 0)) {
      return;
    }
    cursor = position;
    nowMs = outcome.receivedAtMs;
    if (limiter !== undefined && !limiter.admit(outcome.tenant, outcome.model)) {
      skip('influence_cap');
      return;
    }
    const tags = options.tagsOf?.(outcome.model);
    const joined = joinFeedback({
      policy,
      outcome,
      decision,
      ...(tags === undefined ? {} : { tags }),
    });
    if (!joined.ok) {
      skip(joined.reason);
      return;
    }
    policy.update(joined.value);
    counts.learned += 1;
    unsaved += 1;
  }

  const seen = new Map<string, string | undefined>();
  async function followMeta(): Promise<void> {
    for (const { key, onChange } of options.watch ?? []) {
      const value = await store.meta.get(key);
      const known = seen.has(key);
      const previous = seen.get(key);
      seen.set(key, value);
      if (known && value !== undefined && value !== previous) onChange(value);
    }
  }

  async function drain(): Promise<number> {
    await followMeta();
    const startedAt = readCursor;
    let total = 0;
    for (;;) {
      const page = await feed.read(readCursor, options.pageSize ?? 1000);
      for (const entry of page.outcomes) {
        await apply(entry.outcome, entry.origin, entry.position);
        counts.read += 1;
      }
      total += page.outcomes.length;
      readCursor = page.cursor;
      // The learner's cursor follows the feed past stretches with nothing to learn.
      if (policy !== undefined && (cursor === undefined || feed.compare(page.cursor, cursor) > 0)) {
        cursor = page.cursor;
      }
      if (page.outcomes.length === 0) break;
    }
    if (unsaved >= saveEvery) await saveNow();
    else if (total > 0 || readCursor !== startedAt) await writeStatus();
    return total;
  }

  function serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.catch(() => undefined);
    return run;
  }

  return {
    syncOnce: () => serialised(drain),
    start(intervalMs) {
      if (timer !== undefined || closed !== undefined) return;
      let busy = false;
      // A database outage fails every sync until it ends: report its first failure only.
      let unavailable = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        serialised(drain)
          .then(() => {
            unavailable = false;
          })
          .catch((error: unknown) => {
            const repeat = unavailable && isStoreUnavailable(error);
            unavailable = isStoreUnavailable(error);
            if (!repeat) options.onError?.(error);
          })
          .finally(() => {
            busy = false;
          });
      }, intervalMs);
      timer.unref();
    },
    counts,
    save: () => serialised(saveNow),
    close() {
      if (closed === undefined) {
        if (timer !== undefined) clearInterval(timer);
        timer = undefined;
        closed = serialised(saveNow);
      }
      return closed;
    },
  };
}
