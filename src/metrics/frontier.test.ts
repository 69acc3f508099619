import { describe, expect, it } from 'vitest';
import { aiq, hullQualityAt, nonDecreasingHull, paretoFrontier } from './frontier.js';

// A(1, .5) B(2, .9) C(3, .6) dominated, D(2.5, .7) dominated, E(4, 1), F(3, .92): Pareto but under the
// B–E chord (0.95 at cost 3), so off the hull. Hull A–B–E; AIQ on [1, 4] = (0.7 + 1.9) / 3.
const points = [
  { cost: 1, quality: 0.5, label: 'A' },
  { cost: 2, quality: 0.9, label: 'B' },
  { cost: 3, quality: 0.6, label: 'C' },
  { cost: 2.5, quality: 0.7, label: 'D' },
  { cost: 4, quality: 1, label: 'E' },
  { cost: 3, quality: 0.92, label: 'F' },
];

describe('Pareto frontier and AIQ', () => {
  it('keeps only undominated points', () => {
    expect(paretoFrontier(points).map((p) => p.label)).toEqual(['A', 'B', 'F', 'E']);
  });

  it('drops a Pareto point that lies below the convex hull', () => {
    expect(nonDecreasingHull(points).map((p) => p.label)).toEqual(['A', 'B', 'E']);
    expect(hullQualityAt(nonDecreasingHull(points), 3)).toBeCloseTo(0.95, 12);
  });

  it('integrates the hull over the cost range (hand-computed)', () => {
    expect(aiq(points)).toBeCloseTo(2.6 / 3, 12);
    // Flat beyond the hull's ends: [0, 5] adds 0.5 × 1 and 1.0 × 1.
    expect(aiq(points, { min: 0, max: 5 })).toBeCloseTo(4.1 / 5, 12);
  });

  it('handles ties in cost and a single point', () => {
    const tied = [
      { cost: 1, quality: 0.4 },
      { cost: 1, quality: 0.6 },
      { cost: 2, quality: 0.6 },
    ];
    expect(paretoFrontier(tied)).toEqual([{ cost: 1, quality: 0.6 }]);
    expect(aiq(tied, { min: 1, max: 2 })).toBeCloseTo(0.6, 12);
    expect(aiq([{ cost: 1, quality: 0.3 }])).toBeCloseTo(0.3, 12);
  });
});
