import { describe, expect, it } from 'vitest';
import { createPolicy } from '../bandit/index.js';
import type { OutcomeRecord, Store } from '../store/index.js';
import {
  FRESH_CATCH_UP_OUTCOMES,
  WATERMARK_WINDOW_MS,
  advanceWatermark,
  catchUpPolicy,
  splitWatermark,
} from './bandit-catchup.js';

const outcome = (key: string, ms: number): OutcomeRecord => ({
  decisionId: 'd',
  idempotencyKey: key,
  receivedAtMs: ms,
  tenant: 't',
  model: 'm/x',
  quality: 1,
  latencyMs: null,
  inputTokens: null,
  outputTokens: null,
  costUsd: null,
  errorClass: null,
});

describe('bandit watermark', () => {
  it('keeps every key inside the window, also when outcomes arrive out of order', () => {
    let mark = advanceWatermark(undefined, outcome('b', 1001));
    mark = advanceWatermark(mark, outcome('a', 1000)); // older, seen later
    expect(mark.ms).toBe(1001);
    expect(mark.keys.map(([key]) => key).sort()).toEqual(['a', 'b']);
    mark = advanceWatermark(mark, outcome('c', 1001 + WATERMARK_WINDOW_MS + 1));
    expect(mark.keys.map(([key]) => key)).toEqual(['c']); // a and b fell out of the window
  });

  it('rides inside the saved state and splits back out', () => {
    const mark = advanceWatermark(undefined, outcome('k', 5));
    const { state, mark: restored } = splitWatermark({
      policy: 'thompson',
      arbiter_watermark: mark,
    });
    expect(state).toEqual({ policy: 'thompson' });
    expect(restored).toEqual(mark);
    expect(splitWatermark({ policy: 'x' })).toEqual({ state: { policy: 'x' }, mark: undefined });
  });
});

describe('bandit catch-up', () => {
  it('replays from its watermark, and a policy with no saved state only the newest outcomes', async () => {
    const calls: unknown[][] = [];
    const store = {
      outcomes: {
        listSince: (...args: unknown[]) => {
          calls.push(args);
          return Promise.resolve([outcome('k', 1)]);
        },
      },
      decisions: { get: () => Promise.resolve({ ok: false }) },
    } as unknown as Store;
    const policy = createPolicy('residual');
    const fresh = await catchUpPolicy({ store, policy, mark: undefined });
    const mark = advanceWatermark(undefined, outcome('j', 50_000));
    await catchUpPolicy({ store, policy, mark });
    expect(calls).toEqual([
      [0, { newest: FRESH_CATCH_UP_OUTCOMES }],
      [50_000 - WATERMARK_WINDOW_MS],
    ]);
    // The outcome whose decision is gone moves the watermark and teaches nothing.
    expect(fresh.applied).toBe(0);
    expect(fresh.mark?.ms).toBe(1);
  });
});
