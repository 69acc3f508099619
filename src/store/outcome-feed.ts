/**
 * The outcome feed of a store shared by several replicas: every committed outcome, whichever replica
 * recorded it, exactly once and in one order that every reader sees. Replicas pool their learning
 * and spend through it (service/replica-sync.ts). The DuckDB store has no feed (one process per file).
 */
import type { OutcomeRecord } from './outcome-repo.js';
import type { Store } from './store.js';

/** One outcome as the feed returns it. */
export interface FeedOutcome {
  readonly outcome: OutcomeRecord;
  /** The replica that recorded it (`OpenPgStoreOptions.replicaId`), or null for imported rows. */
  readonly origin: string | null;
  /** Its place in the feed (a cursor: reading from it returns the outcomes after this one). */
  readonly position: string;
}

/** One page of the feed. */
export interface OutcomeFeedPage {
  /** Outcomes after the cursor, in feed order. */
  readonly outcomes: readonly FeedOutcome[];
  /** Where the next read starts (opaque, JSON-safe; save it with state built from this page). */
  readonly cursor: string;
}

/** Reads committed outcomes in a total order that never changes once read. */
export interface OutcomeFeed {
  /**
   * Outcomes committed after `cursor` (from the beginning when undefined), at most `limit`. An
   * outcome still being committed is not returned yet and never skipped: it comes in a later page.
   */
  read(cursor: string | undefined, limit?: number): Promise<OutcomeFeedPage>;
  /** A cursor at or before every outcome not yet committed (outcomes after it are all new). */
  tip(): Promise<string>;
  /** Negative, zero or positive as position `a` is before, at or after `b`. */
  compare(a: string, b: string): number;
}

/** A store several replicas share: the Store facade plus its outcome feed. */
export interface SharedStore extends Store {
  readonly feed: OutcomeFeed;
  /** This replica's id, stamped on the outcomes it records. */
  readonly replicaId: string;
}
