/**
 * The time window of a stats query: a duration ending at `until` (default now), cut into buckets
 * of one minute, hour or day. The bucket follows the window unless asked for, and the bucket count
 * is bounded so no request can ask for an unbounded series.
 */
import { fail, ok, type Result } from '../core/index.js';

/** Bucket widths the stats API speaks. */
export const STATS_BUCKETS = ['minute', 'hour', 'day'] as const;

/** One bucket width. */
export type StatsBucket = (typeof STATS_BUCKETS)[number];

/** Width of each bucket, ms. */
export const BUCKET_MS: Readonly<Record<StatsBucket, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Shortest window, ms (5 minutes). */
export const MIN_WINDOW_MS = 5 * 60_000;
/** Longest window, ms (92 days: a quarter). */
export const MAX_WINDOW_MS = 92 * 86_400_000;
/** Most buckets one answer may hold. */
export const MAX_BUCKETS = 1_500;

/** A window asked for, as the query string gives it. */
export interface WindowRequest {
  /** Duration like `90m`, `24h`, `7d`. @default '24h' */
  readonly window?: string;
  /** Bucket width; chosen from the window when absent. */
  readonly bucket?: StatsBucket;
  /** End of the window (exclusive), epoch ms. @default now */
  readonly untilMs?: number;
}

/** A resolved window: whole buckets, from the start of the first to the end of the last. */
export interface StatsWindow {
  /** Start of the first bucket, epoch ms. */
  readonly sinceMs: number;
  /** End of the last bucket (exclusive), epoch ms. */
  readonly untilMs: number;
  readonly windowMs: number;
  readonly bucket: StatsBucket;
  readonly bucketMs: number;
  /** Start of every bucket the window touches, oldest first. */
  readonly buckets: readonly number[];
}

/** Why a window was refused; `field` names the query parameter. */
export interface WindowProblem {
  readonly field: 'window' | 'bucket' | 'until';
  readonly reason: 'malformed' | 'out_of_range' | 'too_many_buckets';
  readonly message: string;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `24h` -> 86,400,000; undefined when not `<digits><m|h|d>`. */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})([mhd])$/u.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
}

/**
 * The bucket a window gets by default: minutes up to 6 hours, hours up to 7 days, days beyond
 * (60 to 360 minute buckets, up to 168 hour buckets, up to 92 day buckets).
 */
export function defaultBucket(windowMs: number): StatsBucket {
  if (windowMs <= 6 * 3_600_000) return 'minute';
  if (windowMs <= 7 * 86_400_000) return 'hour';
  return 'day';
}

/** Resolve and bound a window request at time `nowMs`. */
export function resolveWindow(
  request: WindowRequest,
  nowMs: number,
): Result<StatsWindow, WindowProblem> {
  const windowMs = parseDuration(request.window ?? '24h');
  if (windowMs === undefined) {
    return fail({
      field: 'window',
      reason: 'malformed',
      message: 'window must be a number and a unit: m (minutes), h (hours) or d (days), e.g. 24h',
    });
  }
  if (windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) {
    return fail({
      field: 'window',
      reason: 'out_of_range',
      message: 'window must be between 5m and 92d',
    });
  }
  const untilMs = request.untilMs ?? nowMs;
  if (!Number.isFinite(untilMs) || untilMs < MAX_WINDOW_MS || untilMs > nowMs + 86_400_000) {
    return fail({
      field: 'until',
      reason: 'out_of_range',
      message: 'until must be a time no later than a day from now',
    });
  }
  const bucket = request.bucket ?? defaultBucket(windowMs);
  const bucketMs = BUCKET_MS[bucket];
  // Whole buckets: the window widens to the buckets it touches, so every bucket is complete (and
  // hour-aligned windows can be answered from hourly rollups with the same numbers).
  const first = Math.floor((untilMs - windowMs) / bucketMs) * bucketMs;
  const end = Math.ceil(untilMs / bucketMs) * bucketMs;
  const count = Math.round((end - first) / bucketMs);
  if (count > MAX_BUCKETS) {
    return fail({
      field: 'bucket',
      reason: 'too_many_buckets',
      message: `a ${bucket} bucket cuts this window into ${count} buckets; at most ${MAX_BUCKETS}`,
    });
  }
  const buckets = Array.from({ length: count }, (_, i) => first + i * bucketMs);
  return ok({ sinceMs: first, untilMs: end, windowMs, bucket, bucketMs, buckets });
}
