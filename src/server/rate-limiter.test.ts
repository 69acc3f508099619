import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refills at the sustained rate, per caller', () => {
    let now = 0;
    const limiter = new RateLimiter({ perMinute: 60, burst: 3, clock: { now: () => now } });
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1); // one token per second
    expect(limiter.take('b')).toBe(0); // other callers are independent
    now += 1000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    now += 60_000;
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([
      0, 0, 0, 1,
    ]);
  });

  it('forgets the least recently seen callers beyond its capacity', () => {
    const limiter = new RateLimiter({
      perMinute: 60,
      burst: 1,
      maxCallers: 2,
      clock: { now: () => 0 },
    });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // evicts a
    expect(limiter.take('a')).toBe(0); // a starts a fresh bucket
  });
});
