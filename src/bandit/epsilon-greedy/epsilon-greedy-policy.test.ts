import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { FIXTURE_ARMS, fixtureEmbedding, runPolicyConformance } from '../policy.case.js';
import { EpsilonGreedyPolicy } from './epsilon-greedy-policy.js';

runPolicyConformance('epsilon-greedy', () => new EpsilonGreedyPolicy({ epsilon: 0.1 }));

describe('EpsilonGreedyPolicy', () => {
  it('explores at rate epsilon with propensity (1 - ε)[greedy] + ε / K', () => {
    const policy = new EpsilonGreedyPolicy({ epsilon: 0.3 });
    const rng = createRng(42);
    let explored = 0;
    const runs = 2000;
    for (let i = 0; i < runs; i++) {
      const s = policy.select({
        arms: FIXTURE_ARMS,
        embedding: fixtureEmbedding(1),
        willingnessToPay: 0.1,
        rng,
      });
      if (s.explored) explored++;
      expect(s.propensity).toBeCloseTo(s.index === 0 ? 0.7 + 0.1 : 0.1, 9);
    }
    // Exploration lands on a non-greedy arm with probability ε (K - 1) / K = 0.2.
    expect(explored / runs).toBeCloseTo(0.2, 1);
  });

  it('never explores with epsilon 0', () => {
    const policy = new EpsilonGreedyPolicy({ epsilon: 0 });
    const s = policy.select({
      arms: FIXTURE_ARMS,
      embedding: fixtureEmbedding(2),
      willingnessToPay: 0.1,
      rng: createRng(1),
    });
    expect(s).toMatchObject({ index: 0, propensity: 1, explored: false });
  });
});
