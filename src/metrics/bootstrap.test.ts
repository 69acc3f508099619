import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { bootstrapInterval, pick } from './bootstrap.js';

const meanOf = (values: ArrayLike<number>) => (indices: Uint32Array) =>
  pick(values, indices).reduce((sum, v) => sum + v, 0) / indices.length;

describe('bootstrapInterval', () => {
  it('collapses to the value for a constant statistic', () => {
    const result = bootstrapInterval({
      size: 10,
      statistic: meanOf(new Array(10).fill(3)),
      rng: createRng(1),
    });
    expect(result).toEqual({ estimate: 3, low: 3, high: 3 });
  });

  it('is reproducible with a seed and brackets the estimate', () => {
    const values = Array.from({ length: 200 }, (_, i) => i % 2);
    const a = bootstrapInterval({
      size: 200,
      statistic: meanOf(values),
      rng: createRng(7),
      resamples: 500,
    });
    const b = bootstrapInterval({
      size: 200,
      statistic: meanOf(values),
      rng: createRng(7),
      resamples: 500,
    });
    expect(a).toEqual(b);
    expect(a.estimate).toBe(0.5);
    expect(a.low).toBeLessThan(0.5);
    expect(a.high).toBeGreaterThan(0.5);
    // Binomial SE = sqrt(.25 / 200) ≈ 0.035 → 95% half-width ≈ 0.069.
    expect(a.high - a.low).toBeGreaterThan(0.1);
    expect(a.high - a.low).toBeLessThan(0.18);
  });
});
