import { describe, expect, it } from 'vitest';
import { brierScore, expectedCalibrationError, forecastScores, logLoss, rocAuc } from './scores.js';

describe('forecast scores', () => {
  it('brier score by hand', () => {
    // (0.9-1)^2 + (0.2-0)^2 + (0.6-1)^2 = 0.01 + 0.04 + 0.16 = 0.21 -> /3
    expect(brierScore([0.9, 0.2, 0.6], [1, 0, 1])).toBeCloseTo(0.07, 12);
  });

  it('log-loss by hand', () => {
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6)) / 3;
    expect(logLoss([0.9, 0.2, 0.6], [1, 0, 1])).toBeCloseTo(expected, 12);
  });

  it('ECE by hand with 10 bins', () => {
    // bin 0: p=0.05,0.05 y=0,1 -> |0.5-0.05| * 2/4 = 0.225 ; bin 9: p=0.95,1.0 y=1,1 -> |1-0.975| * 2/4 = 0.0125
    expect(expectedCalibrationError([0.05, 0.05, 0.95, 1], [0, 1, 1, 1])).toBeCloseTo(0.2375, 12);
  });

  it('AUC by hand, with ties counted as one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    // positives {0.5, 0.5}, negatives {0.5, 0.1}: pairs (win,tie,win,tie) = (1 + 0.5 + 1 + 0.5) / 4
    expect(rocAuc([0.5, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.3, 0.4], [1, 1])).toBeNaN();
  });

  it('skips NaN pairs and counts the rest', () => {
    const s = forecastScores([0.9, Number.NaN, 0.2], [1, 1, Number.NaN]);
    expect(s.count).toBe(1);
    expect(s.brier).toBeCloseTo(0.01, 12);
  });
});
