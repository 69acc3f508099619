import { describe, expect, it } from 'vitest';
import { collectStartupGarbage } from './collect-garbage.js';

describe('collectStartupGarbage', () => {
  it('runs a full collection and leaves the process globals as they were', () => {
    const before = typeof (globalThis as { gc?: unknown }).gc;
    const pause = collectStartupGarbage();
    expect(pause).toBeGreaterThanOrEqual(0);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(before);
  });

  it('frees what is no longer referenced', async () => {
    let buffer: Float64Array | undefined = new Float64Array(1 << 20);
    const ref = new WeakRef(buffer);
    buffer = undefined;
    expect(buffer).toBeUndefined();
    // A WeakRef keeps its target alive until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectStartupGarbage();
    expect(ref.deref()).toBeUndefined();
  });
});
