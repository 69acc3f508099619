import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { foldRoutingScorer, type SourceRow } from './fold-routing-score.js';

const catalog = loadCatalog();
const models = ['openai/gpt-4-1106-preview', 'mistralai/mixtral-8x7b-instruct-v0.1'];
const dataset = { models };
/** 60 prompts: the strong model always right, the weak one right on the first half only. */
const quality = Array.from({ length: 60 }, (_, i) => Float64Array.from([1, i < 30 ? 1 : 0]));
const sources: SourceRow[] = quality.map((q, i) => ({
  dataset,
  prompt: { id: `p${i}`, text: `prompt number ${i}`, group: 'g', quality: q },
}));
const rows = quality.map((_, i) => i);

describe('routing score for the neighbour weight', () => {
  const score = foldRoutingScorer({ sources, models, quality, catalog, defaultOutputTokens: 100 });

  it('scores the served rule: predictions that know where the weak model fails score higher', () => {
    expect(score).toBeDefined();
    const knowing = quality.map((q) => Float64Array.from([0.95, (q[1] as number) * 0.9]));
    const backwards = quality.map((q) => Float64Array.from([0.95, (1 - (q[1] as number)) * 0.9]));
    const good = score?.(rows, knowing) as number;
    const bad = score?.(rows, backwards) as number;
    expect(good).toBeGreaterThan(bad + 0.2);
    // Too few rows to score.
    expect(score?.(rows.slice(0, 10), knowing.slice(0, 10))).toBeUndefined();
  });

  it('is not offered for data over different models or models the catalog does not price', () => {
    const sparse = quality.map((q, i) =>
      i % 4 === 0 ? Float64Array.from([q[0] as number, NaN]) : q,
    );
    expect(
      foldRoutingScorer({ sources, models, quality: sparse, catalog, defaultOutputTokens: 100 }),
    ).toBeUndefined();
    expect(
      foldRoutingScorer({
        sources,
        models: [models[0] as string, 'nobody/unknown-model'],
        quality,
        catalog,
        defaultOutputTokens: 100,
      }),
    ).toBeUndefined();
  });
});
