import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/index.js';
import type { Config } from '../../src/config/index.js';
import { bearer as auth, makeStateDir, startTestService } from '../support/service.js';

const { dir, keys } = makeStateDir();
/** The shipped catalog's Anthropic models (counts follow the catalog in force). */
const ANTHROPIC = loadCatalog().models.filter((model) => model.id.startsWith('anthropic/')).length;
const tenantA = { key: keys.tenantA };
const tenantB = { key: keys.tenantB };
const admin = { key: keys.admin };

const start = (overrides: Partial<Config> = {}): Promise<FastifyInstance> =>
  startTestService(dir, overrides);

describe('HTTP service', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await start();
  });
  afterAll(async () => app.close());

  const route = (body: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/v1/route', payload: body as object, headers });

  describe('POST /v1/route', () => {
    it('routes a prompt and returns the ranked fallback list with headers', async () => {
      const response = await route({ prompt: 'What is the capital of France?', tradeoff: 5 });
      expect(response.statusCode).toBe(200);
      const body = response.json<{
        decision_id: string;
        model: string;
        candidates: { model: string; score: number }[];
        propensity: number;
        explored: boolean;
        overhead_ms: number;
      }>();
      expect(body.candidates[0]?.model).toBe(body.model);
      expect(body.candidates.length).toBeGreaterThan(10);
      expect(body.propensity).toBe(1);
      expect(body.overhead_ms).toBeGreaterThanOrEqual(0);
      expect(response.headers['x-arbiter-decision-id']).toBe(body.decision_id);
      expect(response.headers['x-arbiter-model']).toBe(body.model);
      expect(Number(response.headers['x-arbiter-overhead-ms'])).toBeGreaterThanOrEqual(0);
    });

    it('routes chat messages among wildcard candidates, with debug details', async () => {
      const response = await route({
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'Write a sonnet about the sea' },
        ],
        candidates: ['anthropic/*', 'openai/gpt-3.5-turbo-1106'],
        debug: true,
      });
      expect(response.statusCode).toBe(200);
      const body = response.json<{
        candidates: { model: string }[];
        debug: { routed_text: string };
      }>();
      expect(body.candidates).toHaveLength(ANTHROPIC + 1);
      expect(body.debug.routed_text).toContain('sonnet');
    });

    it("shows a reasoning model's hidden reasoning tokens inside its billed output", async () => {
      const response = await route({
        prompt: 'Prove that there are infinitely many primes.',
        candidates: ['deepseek/deepseek-reasoner', 'deepseek/deepseek-chat'],
        debug: true,
      });
      expect(response.statusCode).toBe(200);
      type Arm = { model: string; output_tokens: number; reasoning_tokens: number };
      const arms = response.json<{ candidates: Arm[] }>().candidates;
      const of = (id: string): Arm => arms.find((arm) => arm.model === id) as Arm;
      const reasoner = of('deepseek/deepseek-reasoner');
      const chat = of('deepseek/deepseek-chat');
      expect(chat.reasoning_tokens).toBe(0);
      expect(reasoner.reasoning_tokens).toBeGreaterThan(100);
      // Neither has answer lengths of its own: the same visible answer, plus the reasoning.
      expect(
        Math.abs(reasoner.output_tokens - chat.output_tokens - reasoner.reasoning_tokens),
      ).toBeLessThanOrEqual(1);
    });

    it('explains exclusions, and answers 422 with every reason when nothing is left', async () => {
      const ok = await route({
        prompt: 'x',
        candidates: ['anthropic/claude-v2', 'openai/*'],
        capabilities: ['tools'],
      });
      expect(ok.json<{ excluded: { model: string; reason: string }[] }>().excluded).toContainEqual(
        expect.objectContaining({ model: 'anthropic/claude-v2', reason: 'MISSING_CAPABILITY' }),
      );
      const none = await route({ prompt: 'x', candidates: ['anthropic/*'], max_cost_usd: 1e-12 });
      expect(none.statusCode).toBe(422);
      const body = none.json<{ error: { code: string; details: { excluded: unknown[] } } }>();
      expect(body.error.code).toBe('NO_ELIGIBLE_ARM');
      expect(body.error.details.excluded).toHaveLength(ANTHROPIC);
    });

    it("caps every candidate's output tokens at max_tokens", async () => {
      const response = await route({ prompt: 'Write a long essay on Rome.', max_tokens: 12 });
      expect(response.statusCode).toBe(200);
      const { candidates } = response.json<{ candidates: { output_tokens: number }[] }>();
      expect(candidates.length).toBeGreaterThan(0);
      expect(candidates.every((c) => c.output_tokens <= 12)).toBe(true);
    });

    it.each([
      ['no prompt or messages', {}],
      ['both prompt and messages', { prompt: 'a', messages: [{ role: 'user', content: 'b' }] }],
      ['prompt of the wrong type', { prompt: 42 }],
      ['prompt too long', { prompt: 'x'.repeat(100_001) }],
      ['unknown field', { prompt: 'a', temperature: 0.2 }],
      ['tradeoff above 10', { prompt: 'a', tradeoff: 11 }],
      ['tradeoff as a string', { prompt: 'a', tradeoff: 'NaN' }],
      ['negative budget', { prompt: 'a', max_cost_usd: -1 }],
      ['zero budget', { prompt: 'a', max_cost_usd: 0 }],
      ['willingness as null', { prompt: 'a', willingness_to_pay: null }],
      [
        'too many candidates',
        { prompt: 'a', candidates: Array.from({ length: 101 }, (_, i) => `m/${i}`) },
      ],
      ['empty candidates', { prompt: 'a', candidates: [] }],
      ['unknown capability', { prompt: 'a', capabilities: ['telepathy'] }],
      ['bad role', { messages: [{ role: 'wizard', content: 'a' }] }],
      ['bad tenant', { prompt: 'a', tenant: 'a b' }],
      ['latency as float', { prompt: 'a', max_latency_ms: 1.5 }],
      ['max_tokens of 0', { prompt: 'a', max_tokens: 0 }],
    ])('rejects %s with a coded 400', async (_name, body) => {
      const response = await route(body);
      expect(response.statusCode).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('INPUT_INVALID');
    });

    it('rejects an unknown model with MODEL_UNKNOWN', async () => {
      const response = await route({ prompt: 'a', candidates: ['openai/gpt-9'] });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'MODEL_UNKNOWN' } });
    });

    it('rejects malformed JSON, a wrong content type and an oversized body', async () => {
      const bad = await app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: '{"prompt": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { code: 'INPUT_INVALID' } });
      const text = await app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: 'prompt=hi',
        headers: { 'content-type': 'text/plain' },
      });
      expect(text.statusCode).toBe(415);
      const huge = await route({ prompt: 'x'.repeat(300_000) });
      expect(huge.statusCode).toBe(413);
      expect(huge.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    });

    it('binds a keyed request to its tenant', async () => {
      const own = await route({ prompt: 'a', tenant: 'acme' }, auth(tenantA.key));
      expect(own.statusCode).toBe(200);
      const other = await route({ prompt: 'a', tenant: 'globex' }, auth(tenantA.key));
      expect(other.statusCode).toBe(403);
    });
  });

  describe('POST /v1/feedback', () => {
    const feedback = (body: unknown, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url: '/v1/feedback', payload: body as object, headers });

    it('records feedback once per idempotency key', async () => {
      const decision = (await route({ prompt: 'Summarise this memo' }, auth(tenantA.key))).json<{
        decision_id: string;
        model: string;
      }>();
      const headers = { ...auth(tenantA.key), 'idempotency-key': 'k-1' };
      const first = await feedback(
        { decision_id: decision.decision_id, quality: 0.8, latency_ms: 900 },
        headers,
      );
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({
        status: 'recorded',
        decision_id: decision.decision_id,
        model: decision.model,
      });
      const retry = await feedback(
        { decision_id: decision.decision_id, quality: 0.8, latency_ms: 900 },
        headers,
      );
      expect(retry.json()).toMatchObject({ status: 'duplicate' });
      const verdict = await feedback(
        { decision_id: decision.decision_id, verdict: 'thumbs_down' },
        { ...auth(tenantA.key), 'idempotency-key': 'k-2' },
      );
      expect(verdict.json()).toMatchObject({ status: 'recorded' });
    });

    it('requires a key and hides other tenants’ decisions', async () => {
      const decision = (await route({ prompt: 'Secret plan' }, auth(tenantA.key))).json<{
        decision_id: string;
      }>();
      const anonymous = await feedback({ decision_id: decision.decision_id, quality: 1 });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      const wrongKey = await feedback(
        { decision_id: decision.decision_id, quality: 1 },
        auth('arb_not-a-key'),
      );
      expect(wrongKey.statusCode).toBe(401);
      const otherTenant = await feedback(
        { decision_id: decision.decision_id, quality: 1 },
        auth(tenantB.key),
      );
      expect(otherTenant.statusCode).toBe(404);
      expect(otherTenant.json()).toMatchObject({ error: { code: 'DECISION_UNKNOWN' } });
      const unknown = await feedback({ decision_id: 'nope', quality: 1 }, auth(tenantA.key));
      expect(unknown.statusCode).toBe(404);
    });

    it.each([
      ['quality above 1', { quality: 1.5 }],
      ['quality as NaN string', { quality: 'NaN' }],
      ['negative latency', { quality: 1, latency_ms: -5 }],
      ['fractional tokens', { quality: 1, output_tokens: 1.5 }],
      ['quality and verdict', { quality: 1, verdict: 'good' }],
      ['no signal at all', { latency_ms: 5 }],
      ['bad error class', { error_class: 'Rate Limited!' }],
      ['unknown field', { quality: 1, rating: 5 }],
    ])('rejects %s with a coded 400', async (_name, extra) => {
      const response = await feedback({ decision_id: 'd', ...extra }, auth(tenantA.key));
      expect(response.statusCode).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('INPUT_INVALID');
    });

    it('rejects a model that was not a candidate of the decision', async () => {
      const decision = (
        await route({ prompt: 'hi', candidates: ['anthropic/*'] }, auth(tenantA.key))
      ).json<{ decision_id: string }>();
      const response = await feedback(
        { decision_id: decision.decision_id, quality: 1, model: 'openai/gpt-4-1106-preview' },
        auth(tenantA.key),
      );
      expect(response.statusCode).toBe(400);
    });
  });

  describe('models, admin, metrics, docs', () => {
    it('shows live stats to a tenant and the bare catalog to anonymous callers', async () => {
      const anonymous = await app.inject({ method: 'GET', url: '/v1/models' });
      expect(anonymous.json<{ data: { stats?: unknown }[] }>().data[0]?.stats).toBeUndefined();
      const keyed = await app.inject({
        method: 'GET',
        url: '/v1/models',
        headers: auth(tenantA.key),
      });
      const data = keyed.json<{
        data: { id: string; stats: { outcomes: number; traffic_share: number } }[];
      }>().data;
      const total = data.reduce((sum, model) => sum + model.stats.outcomes, 0);
      expect(total).toBeGreaterThanOrEqual(2);
      const shares = data.reduce((sum, model) => sum + model.stats.traffic_share, 0);
      expect(shares).toBeCloseTo(1, 6);
      const other = await app.inject({
        method: 'GET',
        url: '/v1/models',
        headers: auth(tenantB.key),
      });
      const otherTotal = other
        .json<{ data: { stats: { outcomes: number } }[] }>()
        .data.reduce((sum, model) => sum + model.stats.outcomes, 0);
      expect(otherTotal).toBe(0);
    });

    it('lets only an admin add, disable and re-enable models', async () => {
      const base = (await app.inject({ method: 'GET', url: '/v1/models' })).json<{
        data: Record<string, unknown>[];
      }>().data[0] as Record<string, unknown>;
      const model = {
        ...base,
        id: 'acme/new-model',
        provider: 'acme',
        aliases: [],
        display_name: 'New',
      };
      const put = (headers: Record<string, string>, body: unknown = model) =>
        app.inject({
          method: 'PUT',
          url: '/v1/admin/models/acme/new-model',
          payload: body as object,
          headers,
        });
      expect((await put({})).statusCode).toBe(401);
      expect((await put(auth(tenantA.key))).statusCode).toBe(403);
      expect((await put(auth(admin.key))).statusCode).toBe(201);
      expect((await put(auth(admin.key))).statusCode).toBe(200);
      expect(
        (await put(auth(admin.key), { ...model, pricing: { input_per_million: -1 } })).statusCode,
      ).toBe(400);
      expect((await put(auth(admin.key), { ...model, id: 'acme/other' })).statusCode).toBe(400);

      const routed = await route({ prompt: 'hi', candidates: ['acme/new-model'] });
      expect(routed.json()).toMatchObject({ model: 'acme/new-model' });
      const disable = await app.inject({
        method: 'POST',
        url: '/v1/admin/models/acme/new-model/disable',
        headers: auth(admin.key),
      });
      expect(disable.json()).toMatchObject({ disabled: true });
      const excluded = await route({ prompt: 'hi', candidates: ['acme/new-model'] });
      expect(excluded.statusCode).toBe(422);
      await app.inject({
        method: 'POST',
        url: '/v1/admin/models/acme/new-model/enable',
        headers: auth(admin.key),
      });
      expect((await route({ prompt: 'hi', candidates: ['acme/new-model'] })).statusCode).toBe(200);
      const missing = await app.inject({
        method: 'POST',
        url: '/v1/admin/models/acme/ghost/disable',
        headers: auth(admin.key),
      });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ error: { code: 'MODEL_UNKNOWN' } });
    });

    it('exposes Prometheus metrics, health, an OpenAPI document and a docs page', async () => {
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.headers['content-type']).toContain('text/plain');
      expect(metrics.body).toMatch(/arbiter_decisions_total\{model="[^"]+"\} \d+/u);
      expect(metrics.body).toContain('arbiter_route_overhead_ms_bucket');
      expect(metrics.body).toMatch(/arbiter_feedback_total\{status="recorded"\} \d+/u);
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, unknown>;
      }>();
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining(['/v1/route', '/v1/feedback', '/v1/models']),
      );
      const docs = await app.inject({ method: 'GET', url: '/docs' });
      expect(docs.body).toContain('Arbiter API docs');
      expect((await app.inject({ method: 'GET', url: '/docs/json' })).body).toContain('/v1/route');
    });
  });
});

describe('HTTP service options', () => {
  it('can require a key for routing', async () => {
    const app = await start({ allowAnonymousRoute: false });
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: { prompt: 'hi' },
      });
      expect(response.statusCode).toBe(401);
      const keyed = await app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: { prompt: 'hi' },
        headers: auth(tenantA.key),
      });
      expect(keyed.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('serves over a real port', async () => {
    const app = await start();
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const response = await fetch(`http://127.0.0.1:${port}/v1/route`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'Translate hello into French' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-arbiter-model')).toBeTruthy();
    } finally {
      await app.close();
    }
  });
});

describe('rate limiting', () => {
  it('answers 429 with retry-after once a key exceeds its rate', async () => {
    const limited = await (async () => {
      const { buildApp } = await import('../../src/server/app.js');
      const { CatalogRegistry, loadCatalog } = await import('../../src/catalog/index.js');
      return buildApp({
        registry: new CatalogRegistry(loadCatalog()),
        service: () => undefined,
        rateLimitPerMinute: 60,
        clock: { now: () => 0 },
      });
    })();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const response = await limited.inject({
          method: 'GET',
          url: '/v1/models',
          headers: auth(tenantA.key),
        });
        statuses.push(response.statusCode);
        if (response.statusCode === 429) {
          expect(response.headers['retry-after']).toBe('1');
          expect(response.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
        }
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(10);
      expect(statuses.slice(10)).toEqual([429, 429]);
      // Another key has its own budget; health endpoints are never limited.
      expect(
        (await limited.inject({ method: 'GET', url: '/v1/models', headers: auth(tenantB.key) }))
          .statusCode,
      ).toBe(200);
      expect((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
