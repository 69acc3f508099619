import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { RouterError, createRng } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { priorArmPredictor } from './arm-predictor.js';
import { periodAdjective } from './budget.js';
import { Router } from './router.js';

describe('budget messages', () => {
  it('say daily and monthly', async () => {
    expect(periodAdjective('day')).toBe('daily');
    expect(periodAdjective('month')).toBe('monthly');
    const router = new Router({
      catalog: () => loadCatalog(),
      embedder: new HashEmbedder(),
      predictor: priorArmPredictor(),
      rng: createRng(1),
      controls: {
        policyFor: () => ({ budget: { daily_usd: 1, hard_stop: true } }),
        budgets: () => [{ period: 'day', budgetUsd: 1, spentUsd: 2, elapsed: 0.5 }],
      },
    });
    const error = await router.route({ prompt: 'hi', tenant: 'acme' }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(RouterError);
    expect((error as RouterError).code).toBe('BUDGET_EXCEEDED');
    expect((error as RouterError).message).toBe('the daily budget of tenant acme is spent');
  });
});
