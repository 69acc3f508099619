/**
 * Routing through a database outage (issue 16, part 3): while the shared store is unreachable
 * (PostgreSQL restarting, a failover), `POST /v1/route` still decides from memory (predictor,
 * catalog and bandit state live in the process) and answers the decision marked as not recorded.
 * This file holds the outage's state: when it began, how many decisions went unrecorded, and which
 * write probes whether the database is back.
 *
 * While an outage is known, one decision at a time tries to write (the probe); decisions that
 * arrive meanwhile are answered unrecorded at once instead of each waiting for a connect timeout
 * (5 s against a host that drops packets). The first write that succeeds after beginning inside
 * the outage ends it. A write that began before the outage and succeeds late ends nothing, so one
 * outage is reported once, not once per interleaving.
 */
import { isRouterError, systemClock, type Clock, type RouterError } from '../core/index.js';
import type { RouteDecision } from '../router/index.js';

/**
 * True when `error` says the store cannot be reached for now and retrying later can succeed
 * (pg-error.ts sets `details.unavailable`; the HTTP layer answers 503 with `retry-after`).
 */
export function isStoreUnavailable(error: unknown): error is RouterError {
  return isRouterError(error, 'STORE_FAILED') && error.details?.['unavailable'] === true;
}

/** An outage as the routing service saw it. */
export interface StoreOutage {
  /** When the first decision could not be recorded, ms since the epoch. */
  readonly sinceMs: number;
  /** Decisions answered unrecorded during it. */
  readonly unrecorded: number;
}

/** An outage that ended: a decision was recorded again. */
export interface EndedStoreOutage extends StoreOutage {
  /** From its first unrecorded decision to the first recorded one after it, ms. */
  readonly durationMs: number;
}

interface OpenOutage {
  readonly sinceMs: number;
  unrecorded: number;
  /** A write is in flight to find out whether the database is back. */
  probing: boolean;
}

/**
 * A decision from `RoutingService.routeOrUnrecorded`: recorded (durable, its id takes
 * feedback) or not (the store was unavailable; the id must not be handed out).
 */
export type RoutedDecision =
  | {
      readonly recorded: true;
      readonly decision: RouteDecision;
      /** The store outage this decision ended (it is the first recorded again). */
      readonly outageEnded?: EndedStoreOutage;
    }
  | {
      readonly recorded: false;
      readonly decision: RouteDecision;
      /** True for the outage's first unrecorded decision (log the outage once, here). */
      readonly outageBegan: boolean;
      /** The store's error, when this decision tried to write (absent when it skipped the write). */
      readonly error?: unknown;
    };

/** What one decision's write should do, from {@link StoreOutageTracker.attempt}. */
export interface WriteAttempt {
  /** Skip the write and answer unrecorded (another write is probing a known outage). */
  readonly skip: boolean;
  /** The outage in force when the write began (undefined when the store was up). */
  readonly during: object | undefined;
}

/** The state of one routing service's store outage. Not shared between processes. */
export class StoreOutageTracker {
  private readonly clock: Clock;
  private outage: OpenOutage | undefined;

  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  /** The outage in force, if any (a copy). */
  current(): StoreOutage | undefined {
    const outage = this.outage;
    return outage === undefined
      ? undefined
      : { sinceMs: outage.sinceMs, unrecorded: outage.unrecorded };
  }

  /** Before a write: write when the store is up; during an outage, one probe at a time. */
  attempt(): WriteAttempt {
    const outage = this.outage;
    if (outage === undefined) return { skip: false, during: undefined };
    if (outage.probing) {
      outage.unrecorded += 1;
      return { skip: true, during: outage };
    }
    outage.probing = true;
    return { skip: false, during: outage };
  }

  /** The write failed with an unavailable store. True when this failure begins an outage. */
  unavailable(attempt: WriteAttempt): boolean {
    this.release(attempt);
    if (this.outage === undefined) {
      this.outage = { sinceMs: this.clock.now(), unrecorded: 1, probing: false };
      return true;
    }
    this.outage.unrecorded += 1;
    return false;
  }

  /**
   * The write succeeded. Returns the outage it ends when the write began inside that outage; a
   * write begun before the outage proves nothing about the database now.
   */
  recorded(attempt: WriteAttempt): EndedStoreOutage | undefined {
    const outage = this.outage;
    if (outage === undefined || attempt.during !== outage) return undefined;
    this.outage = undefined;
    return {
      sinceMs: outage.sinceMs,
      unrecorded: outage.unrecorded,
      durationMs: this.clock.now() - outage.sinceMs,
    };
  }

  /** The write failed for another reason (the error is rethrown): free the probe. */
  release(attempt: WriteAttempt): void {
    if (attempt.during !== undefined && attempt.during === this.outage) this.outage.probing = false;
  }
}
