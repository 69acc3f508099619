import { describe, expect, it } from 'vitest';
import type { OutcomeRecord } from '../store/index.js';
import { WATERMARK_WINDOW_MS, advanceWatermark, splitWatermark } from './bandit-catchup.js';

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
