/** The residual policy behind the real Router: it sees every candidate and the served rule. */
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../catalog/index.js';
import { createRng } from '../../core/index.js';
import { HashEmbedder } from '../../embed/index.js';
import {
  priorArmPredictor,
  Router,
  type ArmPredictor,
  type SelectionContext,
} from '../../router/index.js';
import { ResidualPolicy } from './residual-policy.js';

const STRONG = 'openai/gpt-4-1106-preview';
const WEAK = 'mistralai/mixtral-8x7b-instruct-v0.1';

function fixedPredictor(quality: Record<string, number>): ArmPredictor {
  const prior = priorArmPredictor();
  return {
    version: 'fixed@1',
    dimension: 64,
    estimate: (embedding, models) =>
      prior.estimate(embedding, models).map((estimate, i) => {
        const q = quality[models[i]?.id ?? ''];
        return q === undefined ? estimate : { quality: q, outputTokens: 200, source: 'predictor' };
      }),
  };
}

describe('residual policy in the router', () => {
  it('gets every ranked candidate and the rule, and routes on its corrections', async () => {
    const catalog = loadCatalog();
    const policy = new ResidualPolicy({ epsilon: 0 });
    const seen: SelectionContext[] = [];
    const spy = {
      name: policy.name,
      candidates: policy.candidates,
      get version() {
        return policy.version;
      },
      select(context: SelectionContext) {
        seen.push(context);
        return policy.select(context);
      },
    };
    const router = new Router({
      catalog: () => catalog,
      embedder: new HashEmbedder(),
      predictor: fixedPredictor({ [STRONG]: 0.95, [WEAK]: 0.5 }),
      policy: spy,
      rng: createRng(1),
    });
    const request = {
      prompt: 'Prove that there are infinitely many primes.',
      candidates: [STRONG, WEAK],
      tradeoff: 5,
    };
    const first = await router.route(request);
    // The weak model is under the offline floor, yet the policy is offered both, with the rule.
    expect(first.model).toBe(STRONG);
    expect(seen[0]?.arms.map((arm) => arm.model)).toEqual([STRONG, WEAK]);
    expect(seen[0]?.rule?.(seen[0].arms)).toBe(0);
    // Outcomes say the weak model answers this prompt as well as the strong one, the strong one worse.
    const features = first.policyFeatures ?? [];
    for (let t = 0; t < 40; t++) {
      policy.update({
        model: WEAK,
        features,
        predictedQuality: 0.5,
        estimatedCostUsd: 0,
        quality: 0.95,
        costUsd: null,
      });
      policy.update({
        model: STRONG,
        features,
        predictedQuality: 0.95,
        estimatedCostUsd: 0,
        quality: 0.9,
        costUsd: null,
      });
    }
    const later = await router.route(request);
    expect(later.model).toBe(WEAK);
    expect(later.policy).toBe('residual');
  });
});
