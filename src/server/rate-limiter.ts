import type { Clock } from '../core/index.js';

/** Options for {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained requests per minute per caller. */
  readonly perMinute: number;
  /** Bucket size: requests allowed in a burst. @default perMinute / 6 (10 s worth) */
  readonly burst?: number;
  /** Callers tracked at once (least recently seen dropped first). @default 100000 */
  readonly maxCallers?: number;
  readonly clock: Clock;
}

/**
 * Token-bucket rate limiting per caller (API key hash or client address). Each caller's bucket holds
 * up to `burst` tokens and refills at `perMinute / 60` tokens per second; a request spends one.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();
  private readonly options: RateLimiterOptions;
  private readonly burst: number;

  constructor(options: RateLimiterOptions) {
    this.options = options;
    this.burst = options.burst ?? Math.max(1, Math.ceil(options.perMinute / 6));
  }

  /** Spend a token for `caller`; returns 0 when allowed, else seconds until a token is available. */
  take(caller: string): number {
    const now = this.options.clock.now();
    const rate = this.options.perMinute / 60_000;
    let bucket = this.buckets.get(caller);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, updatedMs: now };
    } else {
      this.buckets.delete(caller); // re-inserted below: Map order = recency
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedMs) * rate);
      bucket.updatedMs = now;
    }
    this.buckets.set(caller, bucket);
    if (this.buckets.size > (this.options.maxCallers ?? 100_000)) {
      const oldest = this.buckets.keys().next();
      if (oldest.done !== true) this.buckets.delete(oldest.value);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / rate / 1000);
  }
}
