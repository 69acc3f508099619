import { describe, expect, it } from 'vitest';
import { createRng, shuffled } from '../core/index.js';
import { RecentDecisions } from './recent-decisions.js';
import type { DecisionSummary } from './routing-service.js';

const MODELS = ['openai/gpt-4o', 'anthropic/claude', 'meta/llama-70b', 'mistral/small', 'x/y'];

function summary(id: string, seed: number): DecisionSummary {
  const rng = createRng(seed);
  const ranked = shuffled(MODELS, rng);
  return {
    id,
    tenant: 'acme',
    chosenModel: ranked[0] ?? '',
    candidates: ranked,
    createdAtMs: 1_764_000_000_000 + seed,
    willingnessToPay: rng.next() * 10,
    predicted: ranked.map((model, i) => ({
      model,
      quality: rng.next(),
      costUsd: rng.next() / 1000,
      ...(i % 3 === 2 ? {} : { source: i % 3 === 0 ? ('predictor' as const) : ('prior' as const) }),
    })),
    features: Array.from({ length: 7 }, () => rng.next() - 0.5),
  };
}

describe('RecentDecisions', () => {
  it('gives back every field of a summary exactly', () => {
    const recent = new RecentDecisions({ capacity: 10 });
    const summaries = Array.from({ length: 5 }, (_, i) => summary(`d${i}`, i + 1));
    for (const s of summaries) recent.set(s);
    for (const s of summaries) expect(recent.get(s.id)).toStrictEqual(s);
    expect(recent.get('unknown')).toBeUndefined();
  });

  it('keeps summaries without predictions, features or willingness to pay', () => {
    const recent = new RecentDecisions({ capacity: 10 });
    const bare: DecisionSummary = {
      id: 'bare',
      tenant: 't',
      chosenModel: 'x/y',
      candidates: ['x/y', 'a/b'],
      createdAtMs: 5,
    };
    const noCandidates: DecisionSummary = { ...bare, id: 'none', candidates: [], features: [] };
    recent.set(bare);
    recent.set(noCandidates);
    expect(recent.get('bare')).toStrictEqual(bare);
    expect(recent.get('none')).toStrictEqual(noCandidates);
  });

  it('keeps a summary it cannot pack (predictions out of order, repeats, an embedding) as it is', () => {
    const recent = new RecentDecisions({ capacity: 10 });
    const base = summary('a', 3);
    const reordered = {
      ...base,
      id: 'reordered',
      predicted: [...(base.predicted ?? [])].reverse(),
    };
    const repeated = { ...base, id: 'repeated', candidates: ['x/y', 'x/y'], predicted: undefined };
    const embedded = { ...base, id: 'embedded', embedding: new Float32Array([0.6, 0.8]) };
    for (const s of [reordered, repeated, embedded]) recent.set(s);
    expect(recent.get('reordered')).toBe(reordered);
    expect(recent.get('repeated')).toBe(repeated);
    expect(recent.get('embedded')).toBe(embedded);
  });

  it('evicts the least recently used beyond its capacity, and keeps none at capacity 0', () => {
    const recent = new RecentDecisions({ capacity: 2 });
    recent.set(summary('a', 1));
    recent.set(summary('b', 2));
    expect(recent.get('a')?.id).toBe('a'); // a is now the most recent
    recent.set(summary('c', 3));
    expect(recent.get('b')).toBeUndefined();
    expect(recent.get('a')?.id).toBe('a');
    expect(recent.get('c')?.id).toBe('c');
    expect(recent.size).toBe(2);

    const none = new RecentDecisions({ capacity: 0 });
    none.set(summary('a', 1));
    expect(none.get('a')).toBeUndefined();
    expect(none.size).toBe(0);
  });

  it('gives each read its own arrays', () => {
    const recent = new RecentDecisions({ capacity: 1 });
    recent.set(summary('a', 1));
    const first = recent.get('a');
    const second = recent.get('a');
    expect(second).toStrictEqual(first);
    expect(second?.candidates).not.toBe(first?.candidates);
  });
});
