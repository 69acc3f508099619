import { describe, expect, it } from 'vitest';
import { isRouterError } from '../core/index.js';
import { CooldownTracker, parseRetryAfter } from './cooldown.js';
import {
  DEFAULT_PROXY_SETTINGS,
  loadUpstreamConfig,
  providerEnvName,
  upstreamFor,
} from './upstream-config.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error: unknown) {
    return isRouterError(error) ? `${error.code}:${String(error.details?.['env'])}` : 'other';
  }
  return undefined;
}

describe('loadUpstreamConfig', () => {
  it('reads upstreams per provider and settings from env', () => {
    const config = loadUpstreamConfig({
      ARBITER_UPSTREAM_OPENAI_URL: 'https://api.openai.com/v1/',
      ARBITER_UPSTREAM_OPENAI_KEY: 'sk-1',
      ARBITER_UPSTREAM_MISTRAL_AI_URL: 'http://127.0.0.1:8000/v1',
      ARBITER_PROXY_MAX_ATTEMPTS: '5',
      UNRELATED: 'x',
    });
    expect(upstreamFor(config, 'openai')).toEqual({
      provider: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-1',
    });
    expect(upstreamFor(config, 'mistral-ai')?.apiKey).toBeUndefined();
    expect(upstreamFor(config, 'anthropic')).toBeUndefined();
    expect(config.settings).toEqual({ ...DEFAULT_PROXY_SETTINGS, maxAttempts: 5 });
    expect(providerEnvName('zero-one.ai')).toBe('ZERO_ONE_AI');
  });

  it('is empty without variables', () => {
    expect(loadUpstreamConfig({}).upstreams.size).toBe(0);
  });

  it.each([
    [{ ARBITER_UPSTREAM_X_KEY: 'k' }, 'ARBITER_UPSTREAM_X_URL'],
    [{ ARBITER_UPSTREAM_X_URL: 'not a url' }, 'ARBITER_UPSTREAM_X_URL'],
    [{ ARBITER_UPSTREAM_X_URL: 'ftp://host/v1' }, 'ARBITER_UPSTREAM_X_URL'],
    [{ ARBITER_UPSTREAM_X_URL: 'https://user:pw@host/v1' }, 'ARBITER_UPSTREAM_X_URL'],
    [{ ARBITER_PROXY_MAX_ATTEMPTS: '0' }, 'ARBITER_PROXY_MAX_ATTEMPTS'],
    [{ ARBITER_PROXY_DEADLINE_MS: '1.5' }, 'ARBITER_PROXY_DEADLINE_MS'],
  ])('refuses %o naming %s', (env, name) => {
    expect(codeOf(() => loadUpstreamConfig(env))).toBe(`CONFIG_INVALID:${name}`);
  });
});

describe('retry-after', () => {
  const headers = (values: Record<string, string>) => ({
    get: (name: string) => values[name] ?? null,
  });

  it('reads retry-after-ms, seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter(headers({ 'retry-after-ms': '1500' }), now)).toBe(1500);
    expect(parseRetryAfter(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(parseRetryAfter(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:10 GMT' }), now)).toBe(
      10_000,
    );
    expect(parseRetryAfter(headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(headers({}), now)).toBeUndefined();
  });

  it('cools a model down for at most the cap, then lets it go', () => {
    let now = 0;
    const tracker = new CooldownTracker({ clock: { now: () => now }, maxMs: 5_000 });
    tracker.coolDown('a/b', 60_000);
    expect(tracker.remainingMs('a/b')).toBe(5_000);
    now = 4_000;
    expect(tracker.remainingMs('a/b')).toBe(1_000);
    now = 5_000;
    expect(tracker.remainingMs('a/b')).toBe(0);
    expect(tracker.remainingMs('c/d')).toBe(0);
  });
});
