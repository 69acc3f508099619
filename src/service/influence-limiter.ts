import type { Clock } from '../core/index.js';

/** Options for {@link InfluenceLimiter}. */
export interface InfluenceLimiterOptions {
  readonly clock: Clock;
  /** Outcomes one key may feed into learning per model per window. @default 200 */
  readonly perModel?: number;
  /** Window length, ms. @default 1 hour */
  readonly windowMs?: number;
  /** Keys tracked at once (oldest windows dropped first). @default 100000 */
  readonly maxEntries?: number;
}

/**
 * Feedback-poisoning bound: one API key can move a model's learned estimate only through a bounded
 * number of outcomes per model per window. Rewards are already clipped (quality in [0, 1], cost
 * capped), so with at most `perModel` updates per window a single key's influence on a model is
 * bounded; outcomes past the cap are still stored (auditable) but not learned from.
 */
export class InfluenceLimiter {
  private readonly windows = new Map<string, { startMs: number; count: number }>();
  private readonly options: Required<Omit<InfluenceLimiterOptions, 'clock'>> & { clock: Clock };

  constructor(options: InfluenceLimiterOptions) {
    this.options = { perModel: 200, windowMs: 3_600_000, maxEntries: 100_000, ...options };
  }

  /** Count one outcome of `key` on `model`; false when it is over the cap and must not be learned from. */
  admit(key: string, model: string): boolean {
    const now = this.options.clock.now();
    const id = `${key}\u0000${model}`;
    let window = this.windows.get(id);
    if (window === undefined || now - window.startMs >= this.options.windowMs) {
      window = { startMs: now, count: 0 };
      this.windows.delete(id);
      this.windows.set(id, window);
      if (this.windows.size > this.options.maxEntries) {
        const oldest = this.windows.keys().next();
        if (oldest.done !== true) this.windows.delete(oldest.value);
      }
    }
    window.count += 1;
    return window.count <= this.options.perModel;
  }
}
