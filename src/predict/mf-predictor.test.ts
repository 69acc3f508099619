import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { column, randomUnit, syntheticSet } from './__fixtures__/synthetic.js';
import { fitLogisticPredictor } from './logistic-predictor.js';
import { fitMfPredictor, mfPredictorFromState } from './mf-predictor.js';
import { rocAuc } from './scores.js';

describe('matrix-factorisation predictor', () => {
  // Five models whose true directions are small perturbations of one shared direction in 32 dims.
  const rng = createRng(5);
  const shared = randomUnit(rng, 32);
  const directions = Array.from({ length: 5 }, () => {
    const noise = randomUnit(rng, 32);
    return shared.map((v, j) => v + 0.25 * (noise[j] ?? 0));
  });
  // Model 4 is "rare": only 20 labelled prompts.
  const train = syntheticSet({
    rows: 1200,
    dimension: 32,
    directions,
    labelledRows: [1200, 1200, 1200, 1200, 20],
    seed: 1,
  });
  const test = syntheticSet({ rows: 600, dimension: 32, directions, seed: 2 });

  it('borrows strength: a model with 20 labels is ranked far better than by its own logistic fit', () => {
    const mf = fitMfPredictor(train.set, { latentDimension: 4, epochs: 15, seed: 3 });
    const logistic = fitLogisticPredictor(train.set, { l2: 1e-2 });
    const labels = column(test.set.quality, 4);
    const mfAuc = rocAuc(column(mf.predict(test.set.embeddings), 4), labels);
    const logisticAuc = rocAuc(column(logistic.predict(test.set.embeddings), 4), labels);
    const truthAuc = rocAuc(column(test.truth, 4), labels);
    expect(mfAuc).toBeGreaterThan(logisticAuc + 0.03);
    expect(mfAuc).toBeGreaterThan(truthAuc - 0.05);
    // Well-observed models are learned too.
    expect(
      rocAuc(column(mf.predict(test.set.embeddings), 0), column(test.set.quality, 0)),
    ).toBeGreaterThan(rocAuc(column(test.truth, 0), column(test.set.quality, 0)) - 0.03);
  });

  it('is deterministic for a seed and round-trips its state exactly', () => {
    const small = syntheticSet({ rows: 200, dimension: 32, directions, seed: 9 });
    const a = fitMfPredictor(small.set, { latentDimension: 4, epochs: 3, seed: 1 });
    const b = fitMfPredictor(small.set, { latentDimension: 4, epochs: 3, seed: 1 });
    const c = fitMfPredictor(small.set, { latentDimension: 4, epochs: 3, seed: 2 });
    const x = test.set.embeddings.slice(0, 20);
    expect(b.predict(x)).toEqual(a.predict(x));
    expect(c.predict(x)).not.toEqual(a.predict(x));
    expect(mfPredictorFromState(JSON.parse(JSON.stringify(a.toState()))).predict(x)).toEqual(
      a.predict(x),
    );
  });
});
