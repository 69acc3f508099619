import { describe, expect, it } from 'vitest';
import { holdOutSplit, trainingSetFromDatasets } from './training-set.js';

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
