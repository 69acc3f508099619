import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { randomUnit, syntheticSet } from './__fixtures__/synthetic.js';
import { crossValidate } from './cross-validation.js';
import { fitLogisticPredictor } from './logistic-predictor.js';
import { assignFolds } from './training-set.js';
import { trainQualityPredictor } from './trainer.js';

describe('cross-validation', () => {
  const rng = createRng(6);
  const { set } = syntheticSet({
    rows: 240,
    dimension: 24,
    directions: [randomUnit(rng, 24)],
    scale: 3,
    seed: 1,
  });

  it('rejects an absurd penalty and a near-zero one on noisy data, deterministically', () => {
    const run = () =>
      crossValidate({
        set,
        candidates: [1e-7, 1e-2, 10],
        fit: (train, l2) => fitLogisticPredictor(train, { l2 }),
        folds: 4,
        seed: 3,
      });
    const first = run();
    expect(first.best).toBe(1e-2);
    expect(run()).toEqual(first);
  });

  it('grouped folds keep each group in one fold', () => {
    const groups = Array.from({ length: 60 }, (_, i) => `g${i % 7}`);
    const folds = assignFolds({ rows: 60, folds: 3, seed: 1, groups });
    const foldOfGroup = new Map<string, number>();
    groups.forEach((g, i) => {
      const f = folds[i] ?? -1;
      expect(foldOfGroup.get(g) ?? f).toBe(f);
      foldOfGroup.set(g, f);
    });
    expect(new Set(folds).size).toBe(3);
  });

  it('trainQualityPredictor tunes on training rows and reports the grid', () => {
    const trained = trainQualityPredictor({
      kind: 'logistic',
      set,
      seed: 1,
      tune: { grid: [{ l2: 1e-7 }, { l2: 1e-2 }], folds: 3 },
      calibration: 'platt',
    });
    expect(trained.hyperparameters).toEqual({ l2: 1e-2 });
    expect(trained.crossValidation).toHaveLength(2);
    expect(trained.predictor.kind).toBe('calibrated');
  });
});
