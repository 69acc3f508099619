import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { checkCandidatePatterns, limitExclusion, screenPrompt } from './route-stages.js';

const catalog = loadCatalog();
const model = catalog.models[0] as (typeof catalog.models)[number];

/** Matches a thrown RouterError with this code. */
const coded = (code: string): unknown => expect.objectContaining({ code });

describe('route stages', () => {
  it('rejects candidate patterns that match no catalog model', () => {
    expect(() => checkCandidatePatterns({ prompt: 'hi' }, catalog)).not.toThrow();
    expect(() =>
      checkCandidatePatterns({ prompt: 'hi', candidates: [model.id] }, catalog),
    ).not.toThrow();
    expect(() =>
      checkCandidatePatterns({ prompt: 'hi', candidates: ['nobody/none'] }, catalog),
    ).toThrow(coded('MODEL_UNKNOWN'));
  });

  it('screens the prompt for PII by the tenant policy', () => {
    const request = { prompt: 'mail me at jane.doe@example.com' };
    expect(screenPrompt(request, {}).pii).toEqual(['email']);
    expect(screenPrompt(request, { pii: 'allow' }).pii).toEqual([]);
    expect(() => screenPrompt(request, { pii: 'block' })).toThrow(coded('PII_BLOCKED'));
    expect(screenPrompt({ prompt: 'hello' }, { pii: 'block' }).text).toBe('hello');
  });

  it('excludes a model over the cost cap or the latency SLO', () => {
    const request = { prompt: 'hi', maxCostUsd: 0.01, maxLatencyMs: 500 };
    expect(limitExclusion(request, model, 0.005, 400)).toBeUndefined();
    expect(limitExclusion(request, model, 0.005, undefined)).toBeUndefined();
    expect(limitExclusion(request, model, 0.02, 400)?.reason).toBe('OVER_COST_CAP');
    expect(limitExclusion(request, model, 0.005, 600)?.reason).toBe('OVER_LATENCY_SLO');
  });
});
