import { describe, expect, it } from 'vitest';
import { InfluenceLimiter } from './influence-limiter.js';

describe('InfluenceLimiter', () => {
  it('caps the outcomes one key feeds into learning per model per window', () => {
    const clock = { t: 0, now: () => clock.t };
    const limiter = new InfluenceLimiter({ clock, perModel: 3, windowMs: 1000 });
    const admitted = Array.from({ length: 5 }, () => limiter.admit('key-a', 'm/x'));
    expect(admitted).toEqual([true, true, true, false, false]);
    expect(limiter.admit('key-a', 'm/y')).toBe(true); // per model
    expect(limiter.admit('key-b', 'm/x')).toBe(true); // per key
    clock.t = 1000;
    expect(limiter.admit('key-a', 'm/x')).toBe(true); // new window
  });
});
