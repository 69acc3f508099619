import { describe, expect, it } from 'vitest';
import { apgr, cpt, oracleScores, pgr, pgrBaseline, quantile, routingCurve } from './pgr.js';

// Hand-computed case. weak = [0,0,1,1], strong = [1,1,1,0] → weak 0.5, strong 0.75 (gap 0.25).
// Scores order the prompts 0 (gain +1), 2 (0), 1 (+1), 3 (-1):
// share 0 → q 0.5 (PGR 0); .25 → .75 (1); .5 → .75 (1); .75 → 1.0 (2); 1 → .75 (1).
// APGR = 0.25 × [(0+1) + (1+1) + (1+2) + (2+1)] / 2 = 1.125.
const weak = [0, 0, 1, 1];
const strong = [1, 1, 1, 0];
const scores = [0.9, 0.2, 0.5, 0.1];

describe('routingCurve / APGR / CPT', () => {
  it('traces the exact curve of a 4-prompt router', () => {
    const curve = routingCurve({ weak, strong, scores });
    expect(curve.map((p) => p.strongShare)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(curve.map((p) => p.quality)).toEqual([0.5, 0.75, 0.75, 1, 0.75]);
  });

  it('computes APGR by hand', () => {
    const baseline = pgrBaseline(weak, strong);
    expect(baseline).toEqual({ weakQuality: 0.5, strongQuality: 0.75 });
    expect(apgr(routingCurve({ weak, strong, scores }), baseline)).toBeCloseTo(1.125, 12);
  });

  it('computes CPT with interpolation, and NaN when never reached', () => {
    const baseline = pgrBaseline(weak, strong);
    const curve = routingCurve({ weak, strong, scores });
    expect(cpt(curve, baseline, 0.5)).toBeCloseTo(0.125, 12);
    expect(cpt(curve, baseline, 1)).toBeCloseTo(0.25, 12);
    expect(cpt(curve, baseline, 1.5)).toBeCloseTo(0.625, 12);
    expect(cpt(curve, baseline, 2.5)).toBeNaN();
    expect(cpt(curve, baseline, 0)).toBe(0);
  });

  it('moves tied scores together', () => {
    const curve = routingCurve({
      weak: [0, 0, 0, 0],
      strong: [1, 0, 1, 0],
      scores: [0.5, 0.5, 0.1, 0.1],
    });
    expect(curve).toEqual([
      { strongShare: 0, quality: 0 },
      { strongShare: 0.5, quality: 0.25 },
      { strongShare: 1, quality: 0.5 },
    ]);
    expect(apgr(curve, { weakQuality: 0, strongQuality: 0.5 })).toBeCloseTo(0.5, 12);
  });

  it('gives a constant score the random-router diagonal (APGR 0.5)', () => {
    const curve = routingCurve({ weak, strong, scores: [1, 1, 1, 1] });
    expect(apgr(curve, pgrBaseline(weak, strong))).toBeCloseTo(0.5, 12);
  });

  it('never does worse with the oracle score than with any other order', () => {
    const baseline = pgrBaseline(weak, strong);
    const oracle = apgr(
      routingCurve({ weak, strong, scores: oracleScores(weak, strong) }),
      baseline,
    );
    // Oracle order: +1, +1, 0, -1 → PGR 0, 1, 2, 2, 1 → 0.25 × (1 + 3 + 4 + 3) / 2 = 1.375.
    expect(oracle).toBeCloseTo(1.375, 12);
    expect(oracle).toBeGreaterThanOrEqual(apgr(routingCurve({ weak, strong, scores }), baseline));
  });

  it('follows RouteLLM quantile thresholds (>= t, and > t at the last)', () => {
    // Scores 0.1..0.4, 2 bins: thresholds 0.1, 0.25, 0.4 → 4, 2, 0 prompts to strong.
    const curve = routingCurve({ weak, strong, scores: [0.4, 0.3, 0.2, 0.1], thresholds: 2 });
    expect(curve.map((p) => p.strongShare)).toEqual([0, 0.5, 1]);
    expect(curve.map((p) => p.quality)).toEqual([0.5, 1, 0.75]);
    expect(quantile([0.1, 0.2, 0.3, 0.4], 0.5)).toBeCloseTo(0.25, 12);
  });

  it('returns NaN PGR when the models tie', () => {
    expect(pgr(0.5, { weakQuality: 0.5, strongQuality: 0.5 })).toBeNaN();
  });
});
