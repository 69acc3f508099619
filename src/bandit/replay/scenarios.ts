/**
 * Non-stationary scenarios over a routing dataset, and how fast a policy's traffic follows them.
 * - drift: one model's quality falls from step `at` on (0/1 labels: each success fails with
 *   probability `drop`, seeded; graded labels: multiplied by 1 - drop);
 * - new model: a model is offered only from step `at` on, with only its catalog tier prior as the
 *   offline estimate (the trained predictor never saw it).
 */
import { createRng } from '../../core/index.js';

/** Quality matrix (in stream order of `order`) with `model`'s quality lowered from step `at` on. */
export function driftQuality(options: {
  readonly quality: readonly ArrayLike<number>[];
  readonly order: readonly number[];
  readonly model: number;
  readonly at: number;
  /** Share of the quality lost, in [0, 1]. */
  readonly drop: number;
  readonly seed: number;
}): Float64Array[] {
  const rng = createRng(options.seed);
  const out = options.quality.map((row) => Float64Array.from(row));
  options.order.forEach((row, step) => {
    if (step < options.at) return;
    const values = out[row] as Float64Array;
    const q = values[options.model] as number;
    if (!Number.isFinite(q)) return;
    values[options.model] =
      q === 0 || q === 1 ? (q === 1 && rng.next() < options.drop ? 0 : q) : q * (1 - options.drop);
  });
  return out;
}

/** Result of {@link trafficShift}. */
export interface TrafficShift {
  /** The model's traffic share over the `window` steps before the change. */
  readonly before: number;
  /** Its share over the last quarter of the stream (the level it settles at). */
  readonly after: number;
  /**
   * Outcomes after the change until the model's share over the trailing `window` decisions first
   * moves at least halfway from `before` to `after` (the trailing window still holds pre-change steps
   * at first, so this counts conservatively); null when it never does or there was nothing to move.
   */
  readonly requests: number | null;
}

/** How many requests the traffic of `model` took to shift after a change at step `at`. */
export function trafficShift(options: {
  readonly choices: ArrayLike<number>;
  readonly model: number;
  readonly at: number;
  /** Rolling window, steps. @default 50 */
  readonly window?: number;
}): TrafficShift {
  const { choices, model, at } = options;
  const window = options.window ?? 50;
  const n = choices.length;
  const share = (from: number, to: number): number => {
    let hits = 0;
    for (let t = from; t < to; t++) if (choices[t] === model) hits++;
    return hits / Math.max(to - from, 1);
  };
  const before = share(Math.max(0, at - window), at);
  const after = share(Math.floor(n - (n - at) / 4), n);
  const target = (before + after) / 2;
  if (Math.abs(after - before) < 0.05) return { before, after, requests: null };
  const rising = after > before;
  for (let t = at + 1; t <= n; t++) {
    const s = share(Math.max(0, t - window), t);
    if (rising ? s >= target : s <= target) return { before, after, requests: t - at };
  }
  return { before, after, requests: null };
}
