import { describe, expect, it } from 'vitest';
import { loadCatalog, type CatalogModel } from '../catalog/index.js';
import { exhausted, pacingFactor, periodElapsed, periodStart } from './budget.js';
import { CapacityTracker } from './capacity.js';
import { SessionPins, pinnedIndex, sessionKey } from './sessions.js';
import { complianceExclusion, policyFor } from './tenant-policy.js';

const catalog = loadCatalog();
const model = (id: string): CatalogModel => catalog.get(id) as CatalogModel;

describe('tenant policy and compliance', () => {
  const gpt4 = model('openai/gpt-4-1106-preview');
  const llama = model('meta/llama-2-70b-chat');

  it('applies allow/deny lists of models and providers with wildcards', () => {
    expect(complianceExclusion(gpt4, { denied_models: ['openai/*'] }, [])?.reason).toBe(
      'DENIED_BY_POLICY',
    );
    expect(complianceExclusion(gpt4, { allowed_models: ['anthropic/*'] }, [])?.reason).toBe(
      'DENIED_BY_POLICY',
    );
    expect(
      complianceExclusion(gpt4, { allowed_models: ['openai/*'], denied_models: ['*gpt-4*'] }, [])
        ?.reason,
    ).toBe('DENIED_BY_POLICY');
    expect(complianceExclusion(llama, { denied_providers: ['Together'] }, [])?.reason).toBe(
      'DENIED_BY_POLICY',
    );
    expect(complianceExclusion(gpt4, { allowed_providers: ['openai'] }, [])).toBeUndefined();
  });

  it('enforces region, data collection, zero retention and PII clearance', () => {
    expect(complianceExclusion(gpt4, { allowed_regions: ['eu'] }, [])?.reason).toBe(
      'REGION_NOT_ALLOWED',
    );
    expect(complianceExclusion(llama, { data_collection: 'deny' }, [])?.reason).toBe(
      'DATA_COLLECTION',
    );
    expect(complianceExclusion(gpt4, { data_collection: 'deny' }, [])).toBeUndefined();
    expect(complianceExclusion(llama, { zero_retention_only: true }, [])?.reason).toBe(
      'NOT_ZERO_RETENTION',
    );
    expect(complianceExclusion(llama, {}, ['email'])?.reason).toBe('PII_NOT_CLEARED');
    expect(complianceExclusion(gpt4, {}, ['email'])).toBeUndefined(); // cleared for sensitive data
    expect(complianceExclusion(llama, { pii: 'allow' }, ['email'])).toBeUndefined();
  });

  it('falls back to the * policy', () => {
    const file = { tenants: { '*': { data_collection: 'deny' as const }, acme: {} } };
    expect(policyFor(file, 'acme')).toEqual({});
    expect(policyFor(file, 'other')).toEqual({ data_collection: 'deny' });
    expect(policyFor(undefined, 'x')).toEqual({});
  });
});

describe('capacity', () => {
  it('saturates on requests per minute and frees up as the window slides', () => {
    const clock = { t: 0, now: () => clock.t };
    const tracker = new CapacityTracker({ clock });
    const limited = { ...model('openai/gpt-4-1106-preview'), capacity: { requests_per_minute: 2 } };
    expect(tracker.saturation(limited, 10)).toBeUndefined();
    tracker.start(limited.id, 'd1', 10);
    tracker.start(limited.id, 'd2', 10);
    expect(tracker.saturation(limited, 10)).toContain('2 of 2 requests per minute');
    clock.t = 60_001;
    expect(tracker.saturation(limited, 10)).toBeUndefined();
  });

  it('saturates on tokens per minute and on concurrency until feedback arrives', () => {
    const clock = { t: 0, now: () => clock.t };
    const tracker = new CapacityTracker({ clock, inFlightTimeoutMs: 5000 });
    const tokens = { ...model('openai/gpt-4-1106-preview'), capacity: { tokens_per_minute: 1000 } };
    tracker.start(tokens.id, 'a', 900);
    expect(tracker.saturation(tokens, 200)).toContain('tokens per minute');
    expect(tracker.saturation(tokens, 50)).toBeUndefined();
    const concurrent = { ...model('anthropic/claude-v2'), capacity: { max_concurrency: 1 } };
    tracker.start(concurrent.id, 'c1', 1);
    expect(tracker.saturation(concurrent, 1)).toContain('concurrent');
    tracker.finish(concurrent.id, 'c1');
    expect(tracker.saturation(concurrent, 1)).toBeUndefined();
    tracker.start(concurrent.id, 'c2', 1);
    clock.t = 5001; // no feedback: counted out after the in-flight timeout
    expect(tracker.saturation(concurrent, 1)).toBeUndefined();
  });
});

describe('sessions', () => {
  it('keys sessions by id, or by a fingerprint of the first messages', () => {
    expect(sessionKey({ tenant: 't', sessionId: 's1' })).toBe('t:id:s1');
    expect(
      sessionKey({ tenant: 't', messages: [{ role: 'user', content: 'hi' }] }),
    ).toBeUndefined();
    const convo = [
      { role: 'user' as const, content: 'plan my trip' },
      { role: 'assistant' as const, content: 'where to?' },
      { role: 'user' as const, content: 'Rome' },
    ];
    const first = sessionKey({ tenant: 't', messages: convo });
    const later = sessionKey({
      tenant: 't',
      messages: [...convo, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }],
    });
    expect(first).toBeDefined();
    expect(later).toBe(first);
    expect(sessionKey({ tenant: 'u', messages: convo })).not.toBe(first);
  });

  it('keeps the pinned model unless another beats it by more than the penalty', () => {
    const arms = [
      { model: 'best', score: 0.8 },
      { model: 'pinned', score: 0.77 },
    ];
    expect(pinnedIndex(arms, 'pinned', 0.05)).toBe(1);
    expect(pinnedIndex(arms, 'pinned', 0.01)).toBe(0);
    expect(pinnedIndex(arms, 'gone', 0.05)).toBe(-1);
    // Under the quality floor (a fingerprinted conversation's turn that needs a stronger model).
    const floored = [
      { model: 'best', score: 0.8, predictedQuality: 0.9 },
      { model: 'pinned', score: 0.79, predictedQuality: 0.7 },
    ];
    expect(pinnedIndex(floored, 'pinned', 0.05, 0.81)).toBe(-1);
    expect(pinnedIndex(floored, 'pinned', 0.05, 0.6)).toBe(1);
  });

  it('expires pins after the TTL', () => {
    const clock = { t: 0, now: () => clock.t };
    const pins = new SessionPins({ clock, ttlMs: 1000 });
    pins.set('k', 'm');
    expect(pins.get('k')).toBe('m');
    clock.t = 1001;
    expect(pins.get('k')).toBeUndefined();
  });
});

describe('budget pacing', () => {
  it('computes UTC period starts and elapsed fractions', () => {
    const noon = Date.UTC(2026, 10, 25, 12);
    expect(periodStart('day', noon)).toBe(Date.UTC(2026, 10, 25));
    expect(periodElapsed('day', noon)).toBeCloseTo(0.5, 9);
    expect(periodStart('month', noon)).toBe(Date.UTC(2026, 10, 1));
    // 24.5 days into a 30-day November
    expect(periodElapsed('month', noon)).toBeCloseTo(24.5 / 30, 9);
  });

  it('lowers willingness to pay only when spend is ahead of pace', () => {
    // Half the day gone, half the budget spent: on pace.
    expect(pacingFactor([{ period: 'day', budgetUsd: 10, spentUsd: 5, elapsed: 0.5 }])).toBe(1);
    // Twice the pace: divide willingness by 2^2.
    expect(
      pacingFactor([{ period: 'day', budgetUsd: 10, spentUsd: 5, elapsed: 0.25 }]),
    ).toBeCloseTo(0.25, 12);
    // The worst of several budgets wins.
    expect(
      pacingFactor([
        { period: 'day', budgetUsd: 10, spentUsd: 1, elapsed: 0.5 },
        { period: 'month', budgetUsd: 100, spentUsd: 30, elapsed: 0.1 },
      ]),
    ).toBeCloseTo(1 / 9, 12);
    expect(exhausted([{ period: 'day', budgetUsd: 10, spentUsd: 10, elapsed: 0.9 }])?.period).toBe(
      'day',
    );
  });
});
