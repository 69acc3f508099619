/**
 * Who may act as whom, and what an idempotency key stands for (issue 13, items 3, 4 and 5), over the
 * composed service: anonymous callers never name a tenant, a key replayed with another report is a
 * 409, implicit keys cannot collide with client keys, and a tiny willingness to pay is a 400.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeStateDir, startTestService } from '../support/service.js';

const { dir, keys } = makeStateDir();
let app: FastifyInstance;

beforeAll(async () => {
  app = await startTestService(dir, { rateLimitPerMinute: 0 });
});
afterAll(async () => {
  await app.close();
});

interface ErrorBody {
  error: { code: string; details?: Record<string, unknown> };
}

const route = (body: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/route', payload: body, headers });

const feedback = (body: object, key: string, idempotencyKey?: string) =>
  app.inject({
    method: 'POST',
    url: '/v1/feedback',
    payload: body,
    headers: {
      ...bearer(key),
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
  });

async function decisionFor(key: string): Promise<string> {
  const response = await route({ prompt: 'Prove there are infinitely many primes.' }, bearer(key));
  expect(response.statusCode).toBe(200);
  return response.json<{ decision_id: string }>().decision_id;
}

describe('anonymous callers (item 3)', () => {
  it('refuses a tenant named without a key, on /v1/route and in proxy mode', async () => {
    const routed = await route({ prompt: 'hi', tenant: 'globex', session_id: 'S' });
    expect(routed.statusCode).toBe(400);
    expect(routed.json<ErrorBody>().error).toMatchObject({
      code: 'INPUT_INVALID',
      details: { field: 'tenant' },
    });
    const proxied = await app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { messages: [{ role: 'user', content: 'hi' }], arbiter: { tenant: 'globex' } },
    });
    expect(proxied.statusCode).toBe(400);
    expect(proxied.json<ErrorBody>().error.details?.['field']).toBe('tenant');
  });

  it('routes anonymous requests in a namespace no key can post feedback into', async () => {
    const routed = await route({ prompt: 'hi', session_id: 'S' });
    expect(routed.statusCode).toBe(200);
    const decisionId = routed.json<{ decision_id: string }>().decision_id;
    for (const key of [keys.tenantA, keys.tenantB]) {
      const response = await feedback({ decision_id: decisionId, quality: 1 }, key);
      expect(response.statusCode).toBe(404);
      expect(response.json<ErrorBody>().error.code).toBe('DECISION_UNKNOWN');
    }
  });
});

describe('idempotency keys (item 4)', () => {
  it('answers 409 FEEDBACK_DUPLICATE when a key is replayed with another report', async () => {
    const d1 = await decisionFor(keys.tenantA);
    const d2 = await decisionFor(keys.tenantA);
    const first = await feedback({ decision_id: d1, quality: 0.9 }, keys.tenantA, 'k');
    expect(first.json<{ status: string }>().status).toBe('recorded');
    const again = await feedback({ decision_id: d1, quality: 0.9 }, keys.tenantA, 'k');
    expect(again.statusCode).toBe(200);
    expect(again.json<{ status: string }>().status).toBe('duplicate');
    for (const body of [
      { decision_id: d1, quality: 0.1 },
      { decision_id: d2, quality: 0.1 },
    ]) {
      const replay = await feedback(body, keys.tenantA, 'k');
      expect(replay.statusCode).toBe(409);
      expect(replay.json<ErrorBody>().error.code).toBe('FEEDBACK_DUPLICATE');
    }
    // d2's report is not lost: under its own key it is recorded.
    const own = await feedback({ decision_id: d2, quality: 0.1 }, keys.tenantA, 'k2');
    expect(own.json<{ status: string }>().status).toBe('recorded');
    // Keys stay scoped by tenant: the same key of another tenant is its own.
    const d3 = await decisionFor(keys.tenantB);
    const other = await feedback({ decision_id: d3, quality: 0.5 }, keys.tenantB, 'k');
    expect(other.json<{ status: string }>().status).toBe('recorded');
  });

  it('keeps implicit keys (no Idempotency-Key) apart from any client key', async () => {
    const d1 = await decisionFor(keys.tenantA);
    // A client key spelled like the implicit key of d1 must not swallow d1's keyless report.
    const spoof = await feedback({ decision_id: d1, quality: 0.2 }, keys.tenantA, `decision:${d1}`);
    expect(spoof.json<{ status: string }>().status).toBe('recorded');
    const keyless = await feedback({ decision_id: d1, quality: 0.8 }, keys.tenantA);
    expect(keyless.statusCode).toBe(200);
    expect(keyless.json<{ status: string }>().status).toBe('recorded');
  });
});

describe('willingness to pay (item 5)', () => {
  it.each([5e-324, 1e-300, 0])('answers 400 for willingness_to_pay %s', async (wtp) => {
    const response = await route({ prompt: 'hi', willingness_to_pay: wtp }, bearer(keys.tenantA));
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error).toMatchObject({
      code: 'INPUT_INVALID',
      details: { field: 'willingness_to_pay' },
    });
  });

  it('scores finitely at the smallest accepted willingness to pay', async () => {
    const response = await route({ prompt: 'hi', willingness_to_pay: 1e-6 }, bearer(keys.tenantA));
    expect(response.statusCode).toBe(200);
    const body = response.json<{ candidates: { score: number }[] }>();
    expect(body.candidates.every((arm) => Number.isFinite(arm.score))).toBe(true);
  });
});
