import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { column, randomUnit, syntheticSet } from './__fixtures__/synthetic.js';
import { fitLinearModel } from './linear-model.js';
import { fitLogisticPredictor, logisticPredictorFromState } from './logistic-predictor.js';
import { rocAuc } from './scores.js';

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] ?? 0) * (b[i] ?? 0);
    aa += (a[i] ?? 0) ** 2;
    bb += (b[i] ?? 0) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('logistic predictor', () => {
  const rng = createRng(7);
  const directions = [randomUnit(rng, 8), randomUnit(rng, 8)];

  it('recovers the true weight direction and ranks like the truth', () => {
    const { set } = syntheticSet({
      rows: 800,
      dimension: 8,
      directions,
      biases: [0.5, -0.5],
      seed: 1,
    });
    const test = syntheticSet({
      rows: 400,
      dimension: 8,
      directions,
      biases: [0.5, -0.5],
      seed: 2,
    });
    const predictor = fitLogisticPredictor(set, { l2: 1e-4 });
    const state = predictor.toState();
    const weights = logisticWeights(state.weights);
    expect(cosine(weights.slice(0, 8), directions[0] as Float32Array)).toBeGreaterThan(0.95);
    expect(cosine(weights.slice(8, 16), directions[1] as Float32Array)).toBeGreaterThan(0.95);
    const predicted = predictor.predict(test.set.embeddings);
    const truthAuc = rocAuc(column(test.truth, 0), column(test.set.quality, 0));
    expect(rocAuc(column(predicted, 0), column(test.set.quality, 0))).toBeGreaterThan(
      truthAuc - 0.03,
    );
  });

  it('fits the true probabilities with the squared (least-squares) loss on fractional labels', () => {
    // Linear truth y = 0.5 + 0.3 w.x, fractional labels, recovered almost exactly with a tiny penalty.
    const r = createRng(3);
    const w = randomUnit(r, 6);
    const rows = Array.from({ length: 300 }, () => randomUnit(r, 6));
    const targets = rows.map((x) => 0.5 + 0.3 * x.reduce((s, v, j) => s + v * (w[j] ?? 0), 0));
    const model = fitLinearModel({ rows, targets, loss: 'squared', l2: 1e-8 });
    expect(model.bias).toBeCloseTo(0.5, 3);
    model.weights.forEach((v, j) => expect(v).toBeCloseTo(0.3 * (w[j] ?? 0), 3));
  });

  it('a state round trip predicts identically, and a model with no labels falls back to the mean', () => {
    const { set } = syntheticSet({
      rows: 200,
      dimension: 8,
      directions,
      labelledRows: [200, 0],
      seed: 4,
    });
    const predictor = fitLogisticPredictor(set);
    const restored = logisticPredictorFromState(JSON.parse(JSON.stringify(predictor.toState())));
    expect(restored.predict(set.embeddings)).toEqual(predictor.predict(set.embeddings));
    const constant = column(predictor.predict(set.embeddings.slice(0, 5)), 1);
    expect(new Set(constant).size).toBe(1);
  });
});

function logisticWeights(encoded: unknown): Float64Array {
  const bytes = Buffer.from(String(encoded), 'base64');
  return Float64Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
}
