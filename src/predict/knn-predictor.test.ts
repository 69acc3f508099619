import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { column, randomUnit, syntheticSet } from './__fixtures__/synthetic.js';
import { fitKnnPredictor, knnPredictorFromState } from './knn-predictor.js';
import type { TrainingSet } from './predictor.js';
import { rocAuc } from './scores.js';

describe('knn predictor', () => {
  it('shrinks the neighbours toward the model mean by the prior strength (hand-computed)', () => {
    const set: TrainingSet = {
      models: ['a'],
      embeddings: [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(-1, 0)],
      quality: [Float64Array.of(1), Float64Array.of(0), Float64Array.of(0)],
    };
    // k = 1 nearest to (1, 0.1) is row 0 (y = 1); model mean = 1/3; a = 2 -> (1 + 2/3) / 3.
    const predictor = fitKnnPredictor(set, { k: 1, priorStrength: 2 });
    expect(predictor.predict([Float32Array.of(1, 0.1)])[0]?.[0]).toBeCloseTo(5 / 9, 6); // prior stored to 7 digits
  });

  it('only labelled neighbours vote for a model', () => {
    const set: TrainingSet = {
      models: ['a', 'b'],
      embeddings: [Float32Array.of(1, 0), Float32Array.of(0.9, 0.1), Float32Array.of(-1, 0)],
      quality: [
        Float64Array.of(1, Number.NaN),
        Float64Array.of(1, Number.NaN),
        Float64Array.of(0, 0),
      ],
    };
    const [row] = fitKnnPredictor(set, { k: 1, priorStrength: 0 }).predict([Float32Array.of(1, 0)]);
    expect(row?.[0]).toBe(1);
    expect(row?.[1]).toBe(0);
  });

  it('ranks prompts like the truth on smooth synthetic data and round-trips its state', () => {
    const rng = createRng(11);
    const directions = [randomUnit(rng, 4)];
    const { set } = syntheticSet({ rows: 1500, dimension: 4, directions, seed: 1 });
    const test = syntheticSet({ rows: 300, dimension: 4, directions, seed: 2 });
    const predictor = fitKnnPredictor(set, { k: 40, temperature: 0.1 });
    const predicted = predictor.predict(test.set.embeddings);
    const truthAuc = rocAuc(column(test.truth, 0), column(test.set.quality, 0));
    expect(rocAuc(column(predicted, 0), column(test.set.quality, 0))).toBeGreaterThan(
      truthAuc - 0.04,
    );
    const restored = knnPredictorFromState(JSON.parse(JSON.stringify(predictor.toState())));
    expect(restored.predict(test.set.embeddings)).toEqual(predicted);
  });
});
