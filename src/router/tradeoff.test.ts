import { describe, expect, it } from 'vitest';
import { tradeoffToWillingness, utility, willingnessToTradeoff } from './tradeoff.js';

describe('trade-off knob', () => {
  it('maps the slider log-uniformly onto willingness to pay', () => {
    expect(tradeoffToWillingness(0)).toBeCloseTo(1e-4, 12);
    expect(tradeoffToWillingness(5)).toBeCloseTo(0.1, 12);
    expect(tradeoffToWillingness(10)).toBeCloseTo(100, 9);
    expect(tradeoffToWillingness(-3)).toBeCloseTo(1e-4, 12);
    expect(willingnessToTradeoff(tradeoffToWillingness(7.3))).toBeCloseTo(7.3, 9);
  });

  it('computes utility as quality minus cost over willingness', () => {
    // 0.9 quality at 2 cents with 0.1 USD per unit quality: 0.9 - 0.02 / 0.1 = 0.7
    expect(utility(0.9, 0.02, 0.1)).toBeCloseTo(0.7, 12);
    // A cheaper, weaker model wins at low willingness and loses at high willingness.
    const strong = (w: number): number => utility(0.9, 0.02, w);
    const weak = (w: number): number => utility(0.7, 0.0002, w);
    expect(weak(0.01)).toBeGreaterThan(strong(0.01));
    expect(strong(10)).toBeGreaterThan(weak(10));
  });
});
