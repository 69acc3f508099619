import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { randomUnit } from './__fixtures__/synthetic.js';
import { fitOutputLengthPredictor, outputLengthPredictorFromState } from './output-length.js';
import type { TrainingSet } from './predictor.js';

describe('output-length predictor', () => {
  const rng = createRng(8);
  const w = randomUnit(rng, 8);
  const rows = Array.from({ length: 400 }, () => randomUnit(rng, 8));
  // Model 0: log(1 + tokens) = 5 + 2 w.x (plenty of data); model 1: 10 observations; model 2: none.
  const truth = (x: Float32Array): number =>
    Math.expm1(5 + 2 * x.reduce((s, v, j) => s + v * (w[j] ?? 0), 0));
  const set: TrainingSet = {
    models: ['long', 'few', 'none'],
    embeddings: rows,
    quality: rows.map(() => Float64Array.of(1, 1, 1)),
    outputTokens: rows.map((x, i) =>
      Float64Array.of(truth(x), i < 10 ? 100 + i : Number.NaN, Number.NaN),
    ),
  };

  it('regresses log tokens where data is plentiful and falls back to medians', () => {
    const predictor = fitOutputLengthPredictor(set, { l2: 1e-6, floorTokens: 1 });
    const probe = Array.from({ length: 20 }, () => randomUnit(rng, 8));
    predictor.predict(probe).forEach((row, i) => {
      const expected = truth(probe[i] as Float32Array);
      expect(Math.abs(Math.log1p(row[0] ?? 0) - Math.log1p(expected))).toBeLessThan(0.05);
      expect(row[1]).toBeCloseTo(104.5, 4); // median of 100..109 (stored to 7 digits)
    });
  });

  it('gives a model without data the shared prompt effect at the mean verbosity, floored', () => {
    const predictor = fitOutputLengthPredictor(set, { l2: 1e-6, floorTokens: 1 });
    const probe = Array.from({ length: 50 }, () => randomUnit(rng, 8));
    const rows = predictor.predict(probe);
    // The shared effect is the prompt's: log length of `none` moves with `long`'s (slope ~1)...
    const pairs = rows.map((row) => [Math.log1p(row[0] ?? 0), Math.log1p(row[2] ?? 0)] as const);
    const gaps = pairs.map(([a, b]) => a - b);
    const meanGap = gaps.reduce((s, v) => s + v, 0) / gaps.length;
    for (const gap of gaps) expect(Math.abs(gap - meanGap)).toBeLessThan(0.2);
    // ... at the mean of the two observed models' levels (log 105 and ~5 on average).
    expect(meanGap).toBeGreaterThan(0);
    // With the default floor a model without data is never predicted under 32 tokens.
    const floored = fitOutputLengthPredictor(set);
    for (const row of floored.predict(probe)) expect(row[2]).toBeGreaterThanOrEqual(32);
  });

  it('round-trips its state exactly', () => {
    const predictor = fitOutputLengthPredictor(set);
    const restored = outputLengthPredictorFromState(
      JSON.parse(JSON.stringify(predictor.toState())),
    );
    expect(restored.predict(rows.slice(0, 10))).toEqual(predictor.predict(rows.slice(0, 10)));
  });
});
