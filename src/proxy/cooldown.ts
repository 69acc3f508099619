import type { Clock } from '../core/index.js';

/**
 * The wait an upstream asked for, ms: `retry-after-ms` (OpenAI), else `retry-after` as seconds or an
 * HTTP date (RFC 9110 §10.2.3). Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null },
  nowMs: number,
): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/u.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/u.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Models an upstream told us to leave alone (`retry-after` on 429/503), shared by all requests of
 * one app: proxy requests skip them until the time is up.
 */
export class CooldownTracker {
  private readonly until = new Map<string, number>();
  private readonly clock: Clock;
  private readonly maxMs: number;

  constructor(options: { readonly clock: Clock; readonly maxMs: number }) {
    this.clock = options.clock;
    this.maxMs = options.maxMs;
  }

  /** Skip `model` for `waitMs` (capped at the configured maximum). */
  coolDown(model: string, waitMs: number): void {
    const wait = Math.min(Math.max(0, waitMs), this.maxMs);
    if (wait === 0) return;
    const until = this.clock.now() + wait;
    if (until > (this.until.get(model) ?? 0)) this.until.set(model, until);
  }

  /** Milliseconds `model` must still be left alone; 0 when it may be called. */
  remainingMs(model: string): number {
    const until = this.until.get(model);
    if (until === undefined) return 0;
    const left = until - this.clock.now();
    if (left <= 0) {
      this.until.delete(model);
      return 0;
    }
    return left;
  }
}
