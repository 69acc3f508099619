import { describe, expect, it } from 'vitest';
import { MAX_BUCKETS, defaultBucket, parseDuration, resolveWindow } from './window.js';

const NOW = Date.UTC(2026, 11, 1, 12, 34, 56);

describe('stats window', () => {
  it('parses durations in minutes, hours and days, and nothing else', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    for (const bad of ['', '0h', '1w', '1.5h', '-1d', 'h', '01h', '1234567d']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });

  it('picks minute buckets up to 6 h, hour buckets up to 7 days, day buckets beyond', () => {
    expect(defaultBucket(6 * 3_600_000)).toBe('minute');
    expect(defaultBucket(6 * 3_600_000 + 60_000)).toBe('hour');
    expect(defaultBucket(7 * 86_400_000)).toBe('hour');
    expect(defaultBucket(8 * 86_400_000)).toBe('day');
  });

  it('covers the window with aligned buckets ending at now by default', () => {
    const result = resolveWindow({ window: '24h' }, NOW);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { value } = result;
    // 24 h back from 12:34:56 touches the hours from 12:00 yesterday to 13:00 today.
    expect(value).toMatchObject({
      sinceMs: Date.UTC(2026, 10, 30, 12),
      untilMs: Date.UTC(2026, 11, 1, 13),
      bucket: 'hour',
    });
    expect(value.buckets[0]).toBe(value.sinceMs);
    expect((value.buckets.at(-1) ?? 0) + value.bucketMs).toBe(value.untilMs);
    expect(value.buckets).toHaveLength(25);
  });

  it('names the parameter and the reason of a refused window', () => {
    const problem = (request: Parameters<typeof resolveWindow>[0]) => {
      const result = resolveWindow(request, NOW);
      return result.ok ? undefined : { field: result.reason.field, reason: result.reason.reason };
    };
    expect(problem({ window: 'soon' })).toEqual({ field: 'window', reason: 'malformed' });
    expect(problem({ window: '4m' })).toEqual({ field: 'window', reason: 'out_of_range' });
    expect(problem({ window: '93d' })).toEqual({ field: 'window', reason: 'out_of_range' });
    expect(problem({ window: '30d', bucket: 'minute' })).toEqual({
      field: 'bucket',
      reason: 'too_many_buckets',
    });
    expect(problem({ untilMs: NOW + 2 * 86_400_000 })).toEqual({
      field: 'until',
      reason: 'out_of_range',
    });
    // The largest minute window that fits the bucket bound is accepted.
    expect(problem({ window: `${MAX_BUCKETS - 1}m`, bucket: 'minute' })).toBeUndefined();
  });
});
