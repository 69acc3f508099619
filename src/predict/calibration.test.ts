import { describe, expect, it } from 'vitest';
import { createRng, randomNormal } from '../core/index.js';
import { applyCalibrator, fitCalibratedPredictor, fitIsotonic, fitPlatt } from './calibration.js';
import { predictorFromState } from './from-state.js';
import { sigmoid } from './linalg.js';
import { fitLogisticPredictor } from './logistic-predictor.js';
import { expectedCalibrationError } from './scores.js';
import { column, randomUnit, syntheticSet } from './__fixtures__/synthetic.js';

/** Overconfident forecasts: the truth is sigmoid(z), the forecast sigmoid(3 z + 1). */
function miscalibrated(seed: number, n: number): { raw: number[]; y: number[] } {
  const rng = createRng(seed);
  const raw: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = randomNormal(rng);
    raw.push(sigmoid(3 * z + 1));
    y.push(rng.next() < sigmoid(z) ? 1 : 0);
  }
  return { raw, y };
}

describe('calibration', () => {
  const fit = miscalibrated(1, 4000);
  const test = miscalibrated(2, 4000);

  it('Platt scaling recovers the inverse map and cuts ECE on held-out data', () => {
    const platt = fitPlatt(fit.raw, fit.y);
    if (platt.method !== 'platt') throw new Error('expected a Platt map');
    // logit(p') = a (3 z + 1) + b should equal z: a = 1/3, b = -1/3.
    expect(platt.a).toBeCloseTo(1 / 3, 1);
    expect(platt.b).toBeCloseTo(-1 / 3, 1);
    const before = expectedCalibrationError(test.raw, test.y);
    const after = expectedCalibrationError(
      test.raw.map((p) => applyCalibrator(platt, p)),
      test.y,
    );
    expect(before).toBeGreaterThan(0.08);
    expect(after).toBeLessThan(before / 3);
  });

  it('isotonic regression cuts ECE and is monotone', () => {
    const iso = fitIsotonic(fit.raw, fit.y);
    const calibrated = test.raw.map((p) => applyCalibrator(iso, p));
    expect(expectedCalibrationError(calibrated, test.y)).toBeLessThan(
      expectedCalibrationError(test.raw, test.y) / 3,
    );
    const grid = Array.from({ length: 101 }, (_, i) => applyCalibrator(iso, i / 100));
    grid.slice(1).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(grid[i] ?? 0));
  });

  it('pool-adjacent-violators by hand', () => {
    // y by increasing p: 1, 0, 0, 1 -> blocks {1, 0, 0} mean 1/3 at p-mean 0.2, {1} at 0.4.
    const iso = fitIsotonic([0.1, 0.2, 0.3, 0.4], [1, 0, 0, 1]);
    if (iso.method !== 'isotonic') throw new Error('expected an isotonic map');
    expect(iso.x).toEqual([0.2, 0.4]);
    expect(iso.y[0]).toBeCloseTo(1 / 3, 6);
    expect(iso.y[1]).toBe(1);
    expect(applyCalibrator(iso, 0.3)).toBeCloseTo((1 / 3 + 1) / 2, 6);
  });

  it('a calibrated predictor improves ECE over its overconfident base and round-trips', () => {
    const rng = createRng(4);
    const directions = [randomUnit(rng, 24)];
    const train = syntheticSet({ rows: 300, dimension: 24, directions, scale: 2, seed: 1 });
    const held = syntheticSet({ rows: 2000, dimension: 24, directions, scale: 2, seed: 2 });
    // A tiny penalty on few rows overfits: forecasts are too extreme.
    const base = fitLogisticPredictor(train.set, { l2: 1e-6 });
    const calibrated = fitCalibratedPredictor({
      set: train.set,
      fit: (set) => fitLogisticPredictor(set, { l2: 1e-6 }),
      method: 'platt',
      heldOutFraction: 0.4,
      seed: 1,
    });
    const labels = column(held.set.quality, 0);
    const eceBase = expectedCalibrationError(column(base.predict(held.set.embeddings), 0), labels);
    const eceCalibrated = expectedCalibrationError(
      column(calibrated.predict(held.set.embeddings), 0),
      labels,
    );
    expect(eceCalibrated).toBeLessThan(eceBase);
    const restored = predictorFromState(JSON.parse(JSON.stringify(calibrated.toState())));
    expect(restored.predict(held.set.embeddings.slice(0, 10))).toEqual(
      calibrated.predict(held.set.embeddings.slice(0, 10)),
    );
  });
});
