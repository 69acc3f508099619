import { describe, expect, it } from 'vitest';
import type { TrainingSet } from './predictor.js';
import { defaultGrid, labelledModelCount } from './trainer.js';

const ks = (models?: number): number[] => [
  ...new Set(defaultGrid('irt', models).map((h) => h.latentDimension as number)),
];

describe('irt default grid', () => {
  it('offers a specialisation only while 1 + k stays below the number of labelled models', () => {
    // Two models (the MT-Bench suite's MMLU + GSM8K): any k >= 1 lets each model's difference
    // direction move freely, as independent per-model heads would.
    expect(ks(2)).toEqual([0]);
    expect(ks(5)).toEqual([0]);
    expect(ks(6)).toEqual([0, 4]);
    expect(ks(9)).toEqual([0, 4]);
    expect(ks(10)).toEqual([0, 4, 8]);
    expect(ks(20)).toEqual([0, 4, 8]);
    expect(ks()).toEqual([0, 4, 8]);
  });

  it('tries each k > 0 without and with prompt clusters, k = 0 without', () => {
    expect(defaultGrid('irt', 10).map((h) => [h.latentDimension, h.clusters ?? 0])).toEqual([
      [0, 0],
      [4, 0],
      [4, 32],
      [8, 0],
      [8, 32],
    ]);
    expect(defaultGrid('irt', 2).map((h) => h.clusters ?? 0)).toEqual([0]);
  });

  it('counts only the models that have a label', () => {
    const set: TrainingSet = {
      models: ['a', 'b', 'c'],
      embeddings: [new Float32Array(2), new Float32Array(2)],
      quality: [
        Float64Array.of(1, Number.NaN, Number.NaN),
        Float64Array.of(Number.NaN, 0, Number.NaN),
      ],
    };
    expect(labelledModelCount(set)).toBe(2);
  });
});
