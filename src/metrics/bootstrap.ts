import type { Rng } from '../core/index.js';
import { randomInt } from '../core/index.js';

/** A point estimate with a percentile bootstrap interval. */
export interface Interval {
  readonly estimate: number;
  /** Lower bound (percentile (1 - level) / 2). */
  readonly low: number;
  /** Upper bound (percentile (1 + level) / 2). */
  readonly high: number;
}

/** Options for {@link bootstrapInterval}. */
export interface BootstrapOptions {
  /** Number of items (prompts) resampled with replacement. */
  readonly size: number;
  /** The statistic on a resample, given as item indices (length `size`). */
  readonly statistic: (indices: Uint32Array) => number;
  /** Seeded generator (injected for reproducibility). */
  readonly rng: Rng;
  /** Resamples. @default 1000 */
  readonly resamples?: number;
  /** Coverage. @default 0.95 */
  readonly level?: number;
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): the estimate on all items and the
 * (1 ± level)/2 percentiles of the statistic over resamples drawn with replacement. Resamples whose
 * statistic is NaN (e.g. tied baselines) are skipped.
 */
export function bootstrapInterval(options: BootstrapOptions): Interval {
  const { size, statistic, rng } = options;
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const all = Uint32Array.from({ length: size }, (_, i) => i);
  const estimate = statistic(all);
  const values: number[] = [];
  const indices = new Uint32Array(size);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < size; i++) indices[i] = randomInt(rng, size);
    const value = statistic(indices);
    if (!Number.isNaN(value)) values.push(value);
  }
  values.sort((a, b) => a - b);
  return {
    estimate,
    low: percentile(values, (1 - level) / 2),
    high: percentile(values, (1 + level) / 2),
  };
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = q * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return (
    (sorted[low] as number) +
    (position - low) * ((sorted[high] as number) - (sorted[low] as number))
  );
}

/** Gather `values` at `indices` (helper for statistics over resamples). */
export function pick(values: ArrayLike<number>, indices: Uint32Array): Float64Array {
  return Float64Array.from(indices, (i) => values[i] as number);
}
