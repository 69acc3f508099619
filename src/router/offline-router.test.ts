import { describe, expect, it } from 'vitest';
import { calibrateScoreThreshold, calibrateWillingness } from './calibration.js';
import { routeOffline, shareOf } from './offline-router.js';

// Two models: 0 cheap (0.001 USD), 1 dear (0.011 USD, +0.01 USD). Prompt i gains gain[i] quality on 1.
// Model 1 wins when gain > 0.01 / wtp, i.e. wtp > 0.01 / gain.
const gains = [0.5, 0.2, 0.1, 0.05];
const predictedQuality = gains.map((g) => [0.4, 0.4 + g]);
const estimatedCostUsd = gains.map(() => [0.001, 0.011]);

describe('routeOffline', () => {
  it('picks argmax quality - cost / willingness', () => {
    // wtp 0.06: critical values 0.02, 0.05, 0.1, 0.2 → prompts 0 and 1 go to model 1.
    const { choices, overBudget } = routeOffline({
      predictedQuality,
      estimatedCostUsd,
      willingnessToPay: 0.06,
    });
    expect(Array.from(choices)).toEqual([1, 1, 0, 0]);
    expect(overBudget).toBe(0);
    expect(shareOf(choices, 1)).toBe(0.5);
  });

  it('respects a cost cap and falls back to the cheapest when nothing fits', () => {
    const capped = routeOffline({
      predictedQuality,
      estimatedCostUsd,
      willingnessToPay: 100,
      maxCostUsd: 0.005,
    });
    expect(Array.from(capped.choices)).toEqual([0, 0, 0, 0]);
    const none = routeOffline({
      predictedQuality,
      estimatedCostUsd,
      willingnessToPay: 100,
      maxCostUsd: 0.0001,
    });
    expect(none.overBudget).toBe(4);
    expect(Array.from(none.choices)).toEqual([0, 0, 0, 0]);
  });

  it('breaks utility ties toward the cheaper model', () => {
    const { choices } = routeOffline({
      predictedQuality: [[0.5, 0.5]],
      estimatedCostUsd: [[0.002, 0.002 - 1e-9]],
      willingnessToPay: Number.POSITIVE_INFINITY,
    });
    expect(Array.from(choices)).toEqual([1]);
  });
});

describe('calibration', () => {
  it('finds the willingness that yields a target share', () => {
    const result = calibrateWillingness({
      predictedQuality,
      estimatedCostUsd,
      model: 1,
      targetShare: 0.75,
    });
    expect(result.share).toBe(0.75);
    // Between the 3rd and 4th critical values (0.1 and 0.2), the smallest found.
    expect(result.willingnessToPay).toBeGreaterThan(0.1);
    expect(result.willingnessToPay).toBeLessThan(0.1001);
  });

  it('takes the (1 - share) quantile of router scores', () => {
    expect(calibrateScoreThreshold([0.9, 0.1, 0.5, 0.3], 0.5)).toBe(0.5);
    expect(calibrateScoreThreshold([0.9, 0.1], 0)).toBe(Number.POSITIVE_INFINITY);
  });
});
