import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import {
  aiq,
  groupedMixPoints,
  hullQualityAt,
  nonDecreasingHull,
  paretoFrontier,
} from './frontier.js';

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

describe('groupedMixPoints (each group its own choice)', () => {
  it("is the group's own hull when there is one group", () => {
    expect(groupedMixPoints([{ weight: 3, points }])).toEqual(
      nonDecreasingHull(points).map(({ cost, quality }) => ({ cost, quality })),
    );
  });

  it("adds two groups' hulls by weight, steepest segment first (hand-computed)", () => {
    // Group X (weight 1): cheap model 0.2 at $1, dear model 1.0 at $3 (slope 0.4).
    // Group Y (weight 1): cheap model 0.6 at $1, dear model 0.8 at $3 (slope 0.1).
    const mix = groupedMixPoints([
      {
        weight: 1,
        points: [
          { cost: 1, quality: 0.2 },
          { cost: 3, quality: 1 },
        ],
      },
      {
        weight: 1,
        points: [
          { cost: 1, quality: 0.6 },
          { cost: 3, quality: 0.8 },
        ],
      },
    ]);
    expect(mix.map((p) => [p.cost, p.quality])).toEqual([
      [1, expect.closeTo(0.4, 12)],
      [2, expect.closeTo(0.8, 12)],
      [3, expect.closeTo(0.9, 12)],
    ]);
    // Pooled, the two models are 0.4 at $1 and 0.9 at $3: one model for both groups reaches 0.65 at $2.
    expect(aiq(mix, { min: 1, max: 3 })).toBeGreaterThan(
      aiq(
        [
          { cost: 1, quality: 0.4 },
          { cost: 3, quality: 0.9 },
        ],
        { min: 1, max: 3 },
      ),
    );
  });

  it('no per-group choice of points lies above it, and its vertices are reachable (random groups)', () => {
    const rng = createRng(11);
    for (let trial = 0; trial < 50; trial++) {
      const groups = Array.from({ length: 3 }, () => ({
        weight: 0.2 + rng.next(),
        points: Array.from({ length: 4 }, () => ({ cost: 0.1 + rng.next(), quality: rng.next() })),
      }));
      const total = groups.reduce((s, g) => s + g.weight, 0);
      const hull = nonDecreasingHull(groupedMixPoints(groups));
      const combos: { cost: number; quality: number }[] = [];
      for (const a of groups[0]!.points)
        for (const b of groups[1]!.points)
          for (const c of groups[2]!.points) {
            const picked = [a, b, c];
            combos.push({
              cost: picked.reduce((s, p, g) => s + (groups[g]!.weight / total) * p.cost, 0),
              quality: picked.reduce((s, p, g) => s + (groups[g]!.weight / total) * p.quality, 0),
            });
          }
      for (const combo of combos)
        expect(hullQualityAt(hull, combo.cost)).toBeGreaterThanOrEqual(combo.quality - 1e-12);
      // Every vertex is a choice of one hull point per group (a combo), so it is reachable.
      for (const vertex of hull)
        expect(
          combos.some(
            (c) =>
              Math.abs(c.cost - vertex.cost) < 1e-9 && Math.abs(c.quality - vertex.quality) < 1e-9,
          ),
        ).toBe(true);
    }
  });
});
