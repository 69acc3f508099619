import { describe, expect, it } from 'vitest';
import {
  isHeldOut,
  normalisePromptText,
  promptSplitKey,
  splitByKey,
  splitScore,
} from './log-split.js';

describe('log splits', () => {
  it('keys a prompt by its whitespace-normalised text', () => {
    expect(normalisePromptText('  What is\n\t2+2 ? ')).toBe('What is 2+2 ?');
    expect(promptSplitKey('What  is 2+2?')).toBe(promptSplitKey(' What is\n2+2? '));
    expect(promptSplitKey('What is 2+2?')).not.toBe(promptSplitKey('What is 2+3?'));
  });

  it('puts every row of a key on one side, and a key on the same side whatever else is present', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i % 60}`);
    const split = splitByKey({ keys, heldOutFraction: 0.25, seed: 7 });
    const heldKeys = new Set(split.test.map((i) => keys[i]));
    for (const i of split.train) expect(heldKeys.has(keys[i])).toBe(false);
    expect(split.train.length + split.test.length).toBe(300);
    // Roughly the share asked for (60 keys, seeded).
    expect(heldKeys.size).toBeGreaterThan(5);
    expect(heldKeys.size).toBeLessThan(30);
    for (const key of heldKeys)
      expect(isHeldOut(key as string, { seed: 7, heldOutFraction: 0.25 })).toBe(true);
    const fewer = splitByKey({ keys: keys.slice(0, 120), heldOutFraction: 0.25, seed: 7 });
    for (const i of fewer.test) expect(heldKeys.has(keys[i])).toBe(true);
    expect(splitScore('k1', 7)).not.toBe(splitScore('k1', 8));
  });

  it('keeps both sides non-empty with two or more keys', () => {
    for (const fraction of [1e-9, 0.999999]) {
      const split = splitByKey({ keys: ['a', 'a', 'b', 'c'], heldOutFraction: fraction, seed: 1 });
      expect(split.test.length).toBeGreaterThan(0);
      expect(split.train.length).toBeGreaterThan(0);
    }
  });
});
