/**
 * Hostile-input suite: random and malformed bodies on every endpoint must get a coded 4xx (never a
 * 5xx), and the server must keep serving. Runs a bounded number of cases in CI; set
 * ARBITER_FUZZ_RUNS for the full run (see benchmarks/results/reliability.md).
 */
import { writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeStateDir, startTestService, type TestKeys } from '../support/service.js';

const RUNS = Number(process.env.ARBITER_FUZZ_RUNS ?? 150);

interface Endpoint {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly auth: 'none' | 'tenant' | 'admin';
}

const ENDPOINTS: readonly Endpoint[] = [
  { method: 'POST', url: '/v1/route', auth: 'none' },
  { method: 'POST', url: '/v1/route', auth: 'tenant' },
  { method: 'POST', url: '/v1/feedback', auth: 'tenant' },
  { method: 'PUT', url: '/v1/admin/models/acme/fuzz', auth: 'admin' },
  { method: 'POST', url: '/v1/admin/models/openai/gpt-4-1106-preview/disable', auth: 'tenant' },
  { method: 'GET', url: '/v1/models', auth: 'tenant' },
];

/** Values that break naive handlers: wrong types, extremes, unicode, prototype keys. */
const nasty = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    'NaN',
    'Infinity',
    '\u0000',
    '\uD800',
    '💥'.repeat(1000),
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 50 }),
  fc.double(),
  fc.integer(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
);

const FIELDS = [
  'prompt',
  'messages',
  'candidates',
  'tradeoff',
  'willingness_to_pay',
  'max_cost_usd',
  'max_latency_ms',
  'capabilities',
  'tenant',
  'session_id',
  'debug',
  'decision_id',
  'quality',
  'verdict',
  'latency_ms',
  'input_tokens',
  'output_tokens',
  'cost_usd',
  'error_class',
  'model',
  'id',
  'pricing',
  '__proto__',
];

/** Objects built from real field names with hostile values, plus arbitrary JSON. */
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), nasty, { maxKeys: 6 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ prompt: fc.string({ maxLength: 200 }) }, { requiredKeys: [] }),
);

/** Raw payloads JSON.stringify cannot produce. */
const RAW: readonly (string | Buffer)[] = [
  '{"prompt": "a", "prompt": 42}',
  '{"prompt": NaN}',
  '{"prompt": Infinity}',
  '{"tradeoff": 1e999}',
  '{"prompt": "\\ud800"}',
  Buffer.from([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `{"prompt": ${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`,
  '',
  'null',
  '[]',
  '"just a string"',
  '{"__proto__": {"polluted": true}, "prompt": "x"}',
  '{"constructor": {"prototype": {"polluted": true}}, "prompt": "x"}',
  `{"prompt": "${'x'.repeat(200_000)}"}`,
];

describe('hostile input', () => {
  let app: FastifyInstance;
  let keys: TestKeys;
  const statuses = new Map<number, number>();

  let rssBefore = 0;
  beforeAll(async () => {
    const state = makeStateDir();
    keys = state.keys;
    // Rate limiting off, so every input reaches validation (429s would hide what it does).
    app = await startTestService(state.dir, { rateLimitPerMinute: 0 });
    rssBefore = process.memoryUsage().rss;
  });
  afterAll(async () => app.close());

  const headersFor = (endpoint: Endpoint): Record<string, string> =>
    endpoint.auth === 'none' ? {} : bearer(endpoint.auth === 'admin' ? keys.admin : keys.tenantA);

  async function send(
    endpoint: Endpoint,
    payload: string | Buffer,
    contentType = 'application/json',
  ) {
    const response = await app.inject({
      method: endpoint.method,
      url: endpoint.url,
      payload: endpoint.method === 'GET' ? undefined : payload,
      headers: { ...headersFor(endpoint), 'content-type': contentType },
    });
    statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    return response;
  }

  function expectCoded(response: { statusCode: number; body: string }): void {
    expect(response.statusCode, response.body).toBeLessThan(500);
    if (response.statusCode >= 400) {
      const parsed = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
      expect(typeof parsed.error?.code).toBe('string');
      expect(typeof parsed.error?.message).toBe('string');
    }
  }

  it('answers random JSON bodies on every endpoint with a coded status below 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), body, async (endpoint, value) => {
        expectCoded(await send(endpoint, JSON.stringify(value)));
      }),
      { numRuns: RUNS, seed: 20261125 },
    );
  });

  it('answers malformed, nested, duplicate-key and invalid UTF-8 payloads with a coded 4xx', async () => {
    for (const endpoint of ENDPOINTS.filter((e) => e.method !== 'GET')) {
      for (const raw of RAW) {
        const response = await send(endpoint, raw);
        expectCoded(response);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects odd content types and methods with a coded 4xx', async () => {
    for (const contentType of [
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
    ]) {
      expectCoded(await send(ENDPOINTS[0] as Endpoint, '{"prompt":"hi"}', contentType));
    }
    const response = await app.inject({ method: 'DELETE', url: '/v1/route' });
    expectCoded(response);
  });

  it('keeps serving afterwards, with bounded memory', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/route',
      payload: { prompt: 'still alive?' },
    });
    expect(response.statusCode).toBe(200);
    const tried = [...statuses.values()].reduce((a, b) => a + b, 0);
    const fiveHundreds = [...statuses].filter(([status]) => status >= 500).length;
    expect(fiveHundreds).toBe(0);
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(rssGrowthMb).toBeLessThan(512);
    if (process.env.ARBITER_RELIABILITY_OUT !== undefined) {
      writeFileSync(
        process.env.ARBITER_RELIABILITY_OUT,
        `${JSON.stringify({ tried, statuses: Object.fromEntries(statuses), rssGrowthMb })}\n`,
      );
    }
  });
});
