import { describe, expect, it } from 'vitest';
import {
  EVERYDAY_ROW_WEIGHT,
  holdOutSplit,
  jointRowInputs,
  parseEverydayWeight,
  trainingSetFromDatasets,
} from './training-set.js';

describe('training-set helpers', () => {
  it('merges datasets over the union of models with NaN where a dataset has no label', () => {
    const set = trainingSetFromDatasets([
      {
        dataset: {
          name: 'a',
          models: ['x', 'y'],
          prompts: [{ group: 'g', quality: Float64Array.of(1, 0) }],
        },
        embeddings: [Float32Array.of(1, 0)],
      },
      {
        dataset: {
          name: 'b',
          models: ['y', 'z'],
          prompts: [
            { group: 'h', quality: Float64Array.of(0.5, 1), outputTokens: Float64Array.of(7, 9) },
          ],
        },
        embeddings: [Float32Array.of(0, 1)],
      },
    ]);
    expect(set.models).toEqual(['x', 'y', 'z']);
    expect([...(set.quality[0] ?? [])]).toEqual([1, 0, Number.NaN]);
    expect([...(set.quality[1] ?? [])]).toEqual([Number.NaN, 0.5, 1]);
    expect([...(set.outputTokens?.[1] ?? [])]).toEqual([Number.NaN, 7, 9]);
    expect(set.groups).toEqual(['a/g', 'b/h']);
    expect(set.datasets).toEqual(['a', 'b']);
  });

  it('hold-out splits are seeded, stratified, and group splits keep groups whole', () => {
    const strata = Array.from({ length: 100 }, (_, i) => (i < 80 ? 'big' : 'small'));
    const a = holdOutSplit({ rows: 100, heldOutFraction: 0.25, seed: 4, strata });
    expect(holdOutSplit({ rows: 100, heldOutFraction: 0.25, seed: 4, strata })).toEqual(a);
    expect(a.test.filter((i) => i >= 80)).toHaveLength(5);
    expect(a.test).toHaveLength(25);
    const groups = Array.from({ length: 100 }, (_, i) => `g${i % 10}`);
    const g = holdOutSplit({ rows: 100, heldOutFraction: 0.3, seed: 1, groups });
    const heldGroups = new Set(g.test.map((i) => groups[i]));
    expect(g.train.every((i) => !heldGroups.has(groups[i]))).toBe(true);
    expect(g.test).toHaveLength(30);
  });
});

describe('jointRowInputs', () => {
  const datasets = ['mmlu', 'mmlu', 'everyday', 'llmrouter'];
  const groups = ['mmlu/a', 'mmlu/b', 'everyday/greeting', 'llmrouter/gsm8k'];

  it('weighs everyday rows by the everyday weight, other rows as balanced', () => {
    const full = jointRowInputs(datasets, groups, 1).rowWeights;
    const half = jointRowInputs(datasets, groups, 0.5).rowWeights;
    expect(half[2]).toBeCloseTo((full[2] ?? 0) * 0.5, 12);
    for (const i of [0, 1, 3]) expect(half[i]).toBeCloseTo(full[i] ?? 0, 12);
    expect(jointRowInputs(datasets, groups, 0).rowWeights[2]).toBe(0);
  });

  it('defaults to the shipped weight and keeps label scales', () => {
    const inputs = jointRowInputs(datasets, groups);
    const full = jointRowInputs(datasets, groups, 1).rowWeights;
    expect(inputs.rowWeights[2]).toBeCloseTo((full[2] ?? 0) * EVERYDAY_ROW_WEIGHT, 12);
    expect(inputs.rowDatasets).toEqual(['mmlu', 'mmlu', '', 'llmrouter/gsm8k']);
  });

  it('parses --everyday-weight with a coded error for bad values', () => {
    expect(parseEverydayWeight(undefined)).toBe(EVERYDAY_ROW_WEIGHT);
    expect(parseEverydayWeight('0.3')).toBe(0.3);
    expect(parseEverydayWeight('0')).toBe(0);
    for (const bad of ['-1', 'abc', '', 'Infinity'])
      expect(() => parseEverydayWeight(bad)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});
