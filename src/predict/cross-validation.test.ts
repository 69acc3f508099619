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

  it('hands each fit its fold rows, so per-row inputs follow the fold', () => {
    const seen: number[][] = [];
    crossValidate({
      set,
      candidates: [1e-2],
      fit: (train, l2, rows) => {
        seen.push([...rows]);
        // The fold's set is the set's rows at those indices.
        rows.forEach((i, k) => expect(train.embeddings[k]).toBe(set.embeddings[i]));
        return fitLogisticPredictor(train, { l2 });
      },
      folds: 4,
      seed: 3,
    });
    expect(seen).toHaveLength(4);
    // Each row is left out of exactly one fold's training rows.
    const counts = new Array<number>(set.embeddings.length).fill(0);
    for (const rows of seen) for (const i of rows) counts[i] = (counts[i] ?? 0) + 1;
    expect(counts.every((c) => c === 3)).toBe(true);
  });

  it('fits the CV folds with the rows weights, as the final fit', () => {
    // Weight 0 on every row but the first 12: a fit that ignored the weights would learn from all.
    const rowWeights = Float64Array.from(set.embeddings, (_, i) => (i < 12 ? 1 : 0));
    const tune = (weights?: Float64Array) =>
      trainQualityPredictor({
        kind: 'irt',
        set,
        seed: 1,
        ...(weights === undefined ? {} : { rowWeights: weights }),
        hyperparameters: { members: 1, epochs: 3 },
        tune: { grid: [{ latentDimension: 0 }, { latentDimension: 4 }], folds: 3 },
      }).crossValidation?.map((r) => r.loss);
    expect(tune(rowWeights)).not.toEqual(tune());
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
