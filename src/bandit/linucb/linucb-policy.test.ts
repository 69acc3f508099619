import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { FIXTURE_ARMS, fixtureEmbedding, runPolicyConformance } from '../policy.case.js';
import { LinUcbPolicy } from './linucb-policy.js';

runPolicyConformance('linucb', () => new LinUcbPolicy());

describe('LinUcbPolicy', () => {
  it('routes like the offline router before any outcome when alpha is 0', () => {
    const policy = new LinUcbPolicy({ alpha: 0 });
    const selection = policy.select({
      arms: FIXTURE_ARMS,
      embedding: fixtureEmbedding(1),
      willingnessToPay: 0.1,
      rng: createRng(1),
    });
    expect(selection).toMatchObject({ index: 0, propensity: 1, explored: false });
    // Mean reward of each arm is exactly the offline utility.
    FIXTURE_ARMS.forEach((arm, i) => expect(selection.scores[i]).toBeCloseTo(arm.score, 9));
  });

  it('gives an arm the offline predictor never saw a wider bonus', () => {
    const policy = new LinUcbPolicy();
    const arms = [FIXTURE_ARMS[0]!, { ...FIXTURE_ARMS[0]!, model: 'acme/new' }];
    const context = {
      arms,
      embedding: fixtureEmbedding(1),
      willingnessToPay: 0.1,
      rng: createRng(1),
    };
    const selection = policy.select({
      ...context,
      tags: [{ source: 'predictor' }, { source: 'prior' }],
    });
    expect(selection.index).toBe(1);
    expect(selection.scores[1]).toBeGreaterThan(selection.scores[0] as number);
  });
});
