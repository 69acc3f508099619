import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { randomUnit } from './__fixtures__/synthetic.js';
import { fitIrtPredictor, irtPredictorFromState, IrtPredictor } from './irt-predictor.js';
import {
  blendRows,
  chooseNeighbourWeight,
  fitNeighbours,
  NEIGHBOUR_WEIGHTS,
  parseNeighbourMode,
} from './neighbour-blend.js';
import type { QualityPredictor, TrainingSet } from './predictor.js';

const d = 8;
const rng = createRng(11);
/** Twelve tight clusters; a model's outcome depends only on the cluster (no linear structure). */
const centres = Array.from({ length: 12 }, () => randomUnit(rng, d));
const winner = centres.map((_, c) => (c * 7) % 3);
const rows = Array.from({ length: 720 }, (_, i) => {
  const c = i % 12;
  const x = Float32Array.from(centres[c] as Float32Array, (v) => v + 0.05 * (rng.next() - 0.5));
  const n = Math.hypot(...x);
  return { c, x: x.map((v) => v / n) };
});
const set: TrainingSet = {
  models: ['a', 'b', 'c'],
  embeddings: rows.map((r) => r.x),
  quality: rows.map(({ c }) => Float64Array.from([0, 1, 2], (m) => (m === winner[c] ? 1 : 0))),
};
/** Groups that each hold every cluster: held-out groups still have near neighbours in training. */
const groups = rows.map((_, i) => `g${Math.floor(i / 12) % 6}`);
const constant = (models: readonly string[]): QualityPredictor => ({
  kind: 'constant',
  models,
  predict: (embeddings) => embeddings.map(() => new Float64Array(models.length).fill(0.5)),
  toState: () => ({ kind: 'constant', version: 1, models, dimension: d }),
});
/** Routing score: the share of rows where the predicted best model is a true winner. */
const score = (held: readonly number[], predicted: readonly Float64Array[]): number =>
  held.reduce((s, r, k) => {
    const row = predicted[k] as Float64Array;
    const best = row.indexOf(Math.max(...row));
    return s + ((set.quality[r] as Float64Array)[best] === 1 ? 1 : 0);
  }, 0) / held.length;

describe('neighbour weight chosen on folds', () => {
  it('keeps the neighbour term where it routes better on held-out groups', () => {
    const choice = chooseNeighbourWeight({
      set,
      fitJoint: () => constant(set.models),
      score,
      seed: 3,
      groups,
    });
    expect(choice.scores).toHaveLength(NEIGHBOUR_WEIGHTS.length);
    expect(choice.weight).toBeGreaterThan(0);
    expect(choice.scores[NEIGHBOUR_WEIGHTS.indexOf(choice.weight)]).toBeGreaterThan(
      (choice.scores[0] as number) + 0.3,
    );
  });

  it('keeps the joint model alone where the neighbours add nothing, and when it cannot score', () => {
    // A joint model that knows the truth: every weight ties or loses, ties go to w = 0.
    const oracle: QualityPredictor = {
      ...constant(set.models),
      predict: (embeddings) =>
        embeddings.map((x) => {
          const c = centres.reduce(
            (best, centre, k) =>
              centre.reduce((s, v, j) => s + v * (x[j] ?? 0), 0) >
              (centres[best] as Float32Array).reduce((s, v, j) => s + v * (x[j] ?? 0), 0)
                ? k
                : best,
            0,
          );
          return Float64Array.from([0, 1, 2], (m) => (m === winner[c] ? 0.9 : 0.1));
        }),
    };
    expect(
      chooseNeighbourWeight({ set, fitJoint: () => oracle, score, seed: 3, groups }).weight,
    ).toBe(0);
    const unscored = chooseNeighbourWeight({
      set,
      fitJoint: () => oracle,
      score: () => undefined,
      seed: 3,
    });
    expect(unscored).toEqual({ weight: 0, scores: [] });
    const oneGroup = chooseNeighbourWeight({
      set,
      fitJoint: () => oracle,
      score,
      seed: 3,
      groups: groups.map(() => 'only'),
    });
    expect(oneGroup).toEqual({ weight: 0, scores: [] });
  });

  it('parses --neighbours: off by default, a coded error for anything else', () => {
    expect(parseNeighbourMode(undefined)).toBe('off');
    expect(parseNeighbourMode('prompt')).toBe('prompt');
    expect(() => parseNeighbourMode('always')).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
  });

  it('blends row by row', () => {
    const out = blendRows([Float64Array.from([0.2, 0.8])], [Float64Array.from([1, 0])], 0.25);
    expect(out[0]?.[0]).toBeCloseTo(0.4, 12);
    expect(out[0]?.[1]).toBeCloseTo(0.6, 12);
  });
});

describe('the joint model with a neighbour term', () => {
  const joint = fitIrtPredictor(set, { members: 2, epochs: 5, seed: 1 });
  const near = fitNeighbours(set);
  const probe = set.embeddings.slice(0, 30);

  it('predicts (1 - w) joint + w neighbours, keeps the spread, and survives a state round trip', () => {
    const blended = joint.withNeighbours(near, 0.75);
    const expected = blendRows(joint.predict(probe), near.predict(probe), 0.75);
    const got = blended.predict(probe);
    got.forEach((row, i) =>
      row.forEach((q, m) => expect(q).toBeCloseTo(expected[i]?.[m] as number, 12)),
    );
    expect(blended.estimate(probe)[3]?.spread).toEqual(joint.estimate(probe)[3]?.spread);
    const restored = irtPredictorFromState(JSON.parse(JSON.stringify(blended.toState())));
    expect(restored.neighbours?.weight).toBe(0.75);
    restored
      .predict(probe)
      .forEach((row, i) => row.forEach((q, m) => expect(q).toBeCloseTo(got[i]?.[m] as number, 5)));
  });

  it('a weight of 0 is the joint model alone; a bad weight or model list is refused', () => {
    expect(joint.withNeighbours(near, 0).neighbours).toBeUndefined();
    expect(joint.toState()['neighbours']).toBeUndefined();
    expect(() => joint.withNeighbours(near, 1.5)).toThrow(/weight/);
    const other = fitNeighbours({ ...set, models: ['c', 'b', 'a'] });
    expect(() => joint.withNeighbours(other, 0.5)).toThrow(
      expect.objectContaining({ code: 'ARTIFACT_INVALID' }),
    );
    expect(joint).toBeInstanceOf(IrtPredictor);
  });
});
