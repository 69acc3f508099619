import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import type { ArmPredictor } from '../router/index.js';
import { compareOnHeldOut, formatComparison, type HeldOutPrompt } from './held-out-comparison.js';

const STRONG = 'openai/gpt-4o';
const WEAK = 'openai/gpt-4o-mini';
const catalog = loadCatalog();

function fixed(version: string, quality: Record<string, number>): ArmPredictor {
  return {
    version,
    dimension: 2,
    estimate: (_embedding, models) =>
      models.map((model) => ({
        quality: quality[model.id] ?? 0,
        outputTokens: 100,
        source: 'predictor' as const,
      })),
  };
}

/** The strong model is right on 9 prompts of 10, the weak one on the tenth only. */
const prompts: HeldOutPrompt[] = Array.from({ length: 10 }, (_, i) => ({
  embedding: new Float32Array(2),
  inputTokens: 50,
  labels: new Map([
    [STRONG, { quality: i === 0 ? 0 : 1, costUsd: 0.01 }],
    [WEAK, { quality: i === 0 ? 1 : 0, costUsd: 0.001 }],
  ]),
}));

describe('compareOnHeldOut', () => {
  it('scores calibration and the served rule on the same prompts for every artifact', () => {
    const compared = compareOnHeldOut({
      prompts,
      catalog,
      artifacts: [
        { name: 'good', predictor: fixed('good@1', { [STRONG]: 0.9, [WEAK]: 0.1 }) },
        { name: 'bad', predictor: fixed('bad@1', { [STRONG]: 0.1, [WEAK]: 0.9 }) },
      ],
    });
    const [good, bad] = compared;
    expect(good).toMatchObject({ name: 'good', version: 'good@1', pairs: 20, routedPrompts: 10 });
    expect(good?.brier).toBeCloseTo((0.01 * 18) / 20 + (0.81 * 2) / 20, 10);
    expect(bad?.brier).toBeCloseTo((0.81 * 18) / 20 + (0.01 * 2) / 20, 10);
    // At the default slider the good artifact routes to the strong model: observed quality 0.9.
    expect(good?.quality).toBeCloseTo(0.9, 10);
    expect(good?.costUsd).toBeCloseTo(0.01, 10);
    expect(bad?.quality).toBeCloseTo(0.1, 10);
    expect(good?.aiq).toBeGreaterThan(bad?.aiq ?? 1);
    expect(formatComparison(compared).split('\n')).toHaveLength(3);
  });

  it('leaves prompts with one observed model out of routing but not out of calibration', () => {
    const [only] = compareOnHeldOut({
      prompts: [
        {
          embedding: new Float32Array(2),
          inputTokens: 5,
          labels: new Map([[STRONG, { quality: 1 }]]),
        },
      ],
      catalog,
      artifacts: [{ name: 'x', predictor: fixed('x@1', { [STRONG]: 0.5 }) }],
    });
    expect(only).toMatchObject({ pairs: 1, brier: 0.25, routedPrompts: 0 });
    expect(Number.isNaN(only?.quality)).toBe(true);
  });
});
