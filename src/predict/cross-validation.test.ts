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

  it('one-standard-error selection takes the simplest candidate within the fold noise', () => {
    // Fold losses by candidate: 'complex' is lowest on average, 'simple' within one standard
    // error of it, 'bad' well above. Folds are scored in order, each right after its fit.
    const losses: Record<string, readonly number[]> = {
      simple: [0.51, 0.5, 0.54],
      complex: [0.5, 0.49, 0.53],
      bad: [0.7, 0.72, 0.71],
    };
    let candidate = '';
    let fold = -1;
    const run = (selection: 'min' | 'one-standard-error') =>
      crossValidate({
        set,
        candidates: ['bad', 'simple', 'complex'],
        fit: (_train, params: string) => {
          fold = params === candidate ? fold + 1 : 0;
          candidate = params;
          return fitLogisticPredictor(set, { l2: 1 });
        },
        loss: () => losses[candidate]?.[fold] ?? 1,
        folds: 3,
        seed: 2,
        selection,
      });
    const min = run('min');
    expect(min.results.map((r) => r.foldLosses)).toEqual([
      losses['bad'],
      losses['simple'],
      losses['complex'],
    ]);
    expect(min.best).toBe('complex');
    expect(run('one-standard-error').best).toBe('simple');
  });
});
