import { describe, expect, it } from 'vitest';
import { createRng, randomNormal } from '../../core/index.js';
import { FIXTURE_ARMS, fixtureEmbedding, runPolicyConformance } from '../policy.case.js';
import { ThompsonPolicy, winProbability } from './thompson-policy.js';

runPolicyConformance('thompson', () => new ThompsonPolicy());

describe('ThompsonPolicy', () => {
  it('computes win probabilities that agree with a Monte Carlo estimate', () => {
    const estimates = [
      { mean: 0.7, std: 0.1 },
      { mean: 0.65, std: 0.2 },
      { mean: 0.5, std: 0.05 },
      { mean: 0.6, std: 0 },
    ];
    const rng = createRng(9);
    const wins = new Array<number>(estimates.length).fill(0);
    const draws = 40_000;
    for (let t = 0; t < draws; t++) {
      const samples = estimates.map((e) => e.mean + e.std * randomNormal(rng));
      wins[samples.indexOf(Math.max(...samples))]! += 1;
    }
    const exact = estimates.map((_, i) => winProbability(estimates, i, 1));
    expect(exact.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 3);
    exact.forEach((p, i) => expect(p).toBeCloseTo((wins[i] as number) / draws, 2));
  });

  it('samples the arms in proportion to their win probability', () => {
    const policy = new ThompsonPolicy();
    const context = { arms: FIXTURE_ARMS, embedding: fixtureEmbedding(3), willingnessToPay: 0.1 };
    const probabilities = policy.probabilities(context);
    const rng = createRng(5);
    const counts = new Array<number>(FIXTURE_ARMS.length).fill(0);
    const runs = 3000;
    for (let i = 0; i < runs; i++) counts[policy.select({ ...context, rng }).index]! += 1;
    probabilities.forEach((p, i) => expect((counts[i] as number) / runs).toBeCloseTo(p, 1));
  });

  it('explores less with a smaller exploration scale', () => {
    const context = { arms: FIXTURE_ARMS, embedding: fixtureEmbedding(3), willingnessToPay: 0.1 };
    const wide = new ThompsonPolicy({ explorationScale: 1 }).probabilities(context)[0] as number;
    const narrow = new ThompsonPolicy({ explorationScale: 0.2 }).probabilities(
      context,
    )[0] as number;
    expect(narrow).toBeGreaterThan(wide);
  });
});
