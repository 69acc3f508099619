import type { CatalogModel } from '../catalog/index.js';
import type { Clock } from '../core/index.js';

/** Options for {@link CapacityTracker}. */
export interface CapacityOptions {
  readonly clock: Clock;
  /**
   * How long a routed request counts as in flight when no feedback closes it, ms (a decision-only
   * service cannot see the call end otherwise). @default 30000
   */
  readonly inFlightTimeoutMs?: number;
}

interface Usage {
  /** Times (ms) and token counts of decisions in the last minute. */
  readonly recent: { t: number; tokens: number }[];
  /** Decision id → start time, for the concurrency count. */
  readonly inFlight: Map<string, number>;
}

/**
 * Load per model against its declared capacity (catalog `capacity`: requests and tokens per minute,
 * concurrency), over a sliding one-minute window. The router excludes a saturated model, so traffic
 * spills to the next model by predicted quality-minus-cost rather than round-robin.
 */
export class CapacityTracker {
  private readonly usage = new Map<string, Usage>();
  private readonly clock: Clock;
  private readonly inFlightTimeoutMs: number;

  constructor(options: CapacityOptions) {
    this.clock = options.clock;
    this.inFlightTimeoutMs = options.inFlightTimeoutMs ?? 30_000;
  }

  /** Count a routed decision against its model. */
  start(model: string, decisionId: string, tokens: number): void {
    const usage = this.get(model);
    const now = this.clock.now();
    usage.recent.push({ t: now, tokens });
    usage.inFlight.set(decisionId, now);
  }

  /** The call of `decisionId` ended (feedback arrived). */
  finish(model: string, decisionId: string): void {
    this.usage.get(model)?.inFlight.delete(decisionId);
  }

  /** Why the model cannot take one more request of `tokens`, or undefined when it can. */
  saturation(model: CatalogModel, tokens: number): string | undefined {
    const capacity = model.capacity;
    if (capacity === undefined) return undefined;
    const usage = this.get(model.id);
    const now = this.clock.now();
    while (usage.recent.length > 0 && (usage.recent[0]?.t ?? now) <= now - 60_000)
      usage.recent.shift();
    for (const [id, started] of usage.inFlight) {
      if (started > now - this.inFlightTimeoutMs) break; // Map keeps insertion (start) order
      usage.inFlight.delete(id);
    }
    if (
      capacity.requests_per_minute !== undefined &&
      usage.recent.length + 1 > capacity.requests_per_minute
    ) {
      return `at ${usage.recent.length} of ${capacity.requests_per_minute} requests per minute`;
    }
    const used = usage.recent.reduce((sum, entry) => sum + entry.tokens, 0);
    if (capacity.tokens_per_minute !== undefined && used + tokens > capacity.tokens_per_minute) {
      return `at ${used} of ${capacity.tokens_per_minute} tokens per minute`;
    }
    if (
      capacity.max_concurrency !== undefined &&
      usage.inFlight.size + 1 > capacity.max_concurrency
    ) {
      return `at ${usage.inFlight.size} of ${capacity.max_concurrency} concurrent requests`;
    }
    return undefined;
  }

  private get(model: string): Usage {
    let usage = this.usage.get(model);
    if (usage === undefined) {
      usage = { recent: [], inFlight: new Map() };
      this.usage.set(model, usage);
    }
    return usage;
  }
}
