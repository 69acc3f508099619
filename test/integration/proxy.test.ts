/**
 * Proxy mode against fake OpenAI-compatible upstreams on 127.0.0.1. Every upstream request takes the
 * next behaviour from a script (by arrival order), so a test scripts the failover path along the
 * router's ranking and then checks that the upstream saw the ranking's models in order.
 */
import { describe, expect, it } from 'vitest';
import { countTokens, estimateCost } from '../../src/tokens/index.js';
import {
  FOUR,
  QWEN,
  catalog,
  chat,
  chunk,
  completion,
  fake,
  forget,
  outcomes,
  start,
  upstreamOrder,
  useProxyHarness,
} from '../support/proxy-harness.js';

useProxyHarness();

// ---------------------------------------------------------------- tests

describe('POST /v1/chat/completions (proxy mode)', () => {
  it('fails over down the ranking past a 500, a 429 and a timeout, and records every attempt', async () => {
    const harness = await start();
    fake.play(
      { kind: 'status', status: 500 },
      { kind: 'status', status: 429, headers: { 'retry-after': '30' } },
      { kind: 'hang' },
      { kind: 'json', body: completion('hello!', { prompt: 12, completion: 3 }) },
    );
    const response = await chat(harness, { model: FOUR, temperature: 0.2, max_tokens: 50 });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(completion('hello!', { prompt: 12, completion: 3 }));
    const decisionId = String(response.headers['x-arbiter-decision-id']);
    const order = upstreamOrder(harness, decisionId);
    expect(order).toHaveLength(4);
    expect(order).toContain(QWEN);
    expect(fake.models()).toEqual(order);
    expect(response.headers['x-arbiter-attempts']).toBe('4');
    const answered = harness.decisions.get(decisionId)?.ranked[3]?.model ?? '';
    expect(response.headers['x-arbiter-model']).toBe(answered);

    // Pass-through fields reach the upstream, Arbiter's do not; each provider gets its own key.
    const first = fake.seen[0];
    expect(first?.body).toMatchObject({
      temperature: 0.2,
      max_tokens: 50,
      messages: [{ role: 'user' }],
    });
    expect(first?.body).not.toHaveProperty('arbiter');
    for (const seen of fake.seen) expect(seen.authorization).toBe(`Bearer sk-${seen.provider}`);

    const rows = await outcomes(harness, decisionId, 4);
    expect(rows.map((row) => row.idempotencyKey)).toEqual(
      [1, 2, 3, 4].map((n) => `#proxy:${decisionId}:${n}`),
    );
    expect(rows.map((row) => row.model)).toEqual(
      harness.decisions.get(decisionId)?.ranked.map((a) => a.model),
    );
    expect(rows.map((row) => row.errorClass)).toEqual([
      'server_error',
      'rate_limited',
      'timeout',
      null,
    ]);
    expect(rows.every((row) => row.quality === null && row.tenant === 'acme')).toBe(true);
    expect(rows[2]?.latencyMs).toBeGreaterThanOrEqual(350);
    const last = rows[3];
    expect(last).toMatchObject({ inputTokens: 12, outputTokens: 3 });
    const model = catalog.get(answered);
    expect(model).toBeDefined();
    if (model !== undefined) {
      expect(last?.costUsd).toBeCloseTo(
        estimateCost(model, { inputTokens: 12, outputTokens: 3 }),
        12,
      );
    }

    // The 429's retry-after keeps its model out of the next decisions.
    const cooled = harness.decisions.get(decisionId)?.ranked[1]?.model ?? '';
    fake.play({ kind: 'json', body: completion('again') });
    const next = await chat(harness, { model: FOUR });
    expect(next.statusCode).toBe(200);
    const nextDecision = harness.decisions.get(String(next.headers['x-arbiter-decision-id']));
    expect(nextDecision?.ranked.map((arm) => arm.model)).not.toContain(cooled);
    expect(nextDecision?.ranked).toHaveLength(3);
  });

  it('routes over every model with an upstream for model "auto", counting tokens when usage is absent', async () => {
    const harness = await start();
    fake.play({ kind: 'json', body: completion('four words right here') });
    const response = await chat(harness, { model: 'auto', arbiter: { tradeoff: 2 } });
    expect(response.statusCode).toBe(200);
    const decisionId = String(response.headers['x-arbiter-decision-id']);
    const decision = harness.decisions.get(decisionId);
    const providers = new Set(decision?.ranked.map((arm) => catalog.get(arm.model)?.provider));
    expect(providers.has('anthropic')).toBe(false);
    expect(decision?.ranked.length).toBeGreaterThan(10);
    const [row] = await outcomes(harness, decisionId, 1);
    const model = catalog.get(decision?.model ?? '');
    expect(row?.inputTokens).toBe(decision?.ranked[0]?.inputTokens);
    expect(row?.outputTokens).toBe(countTokens('four words right here', model?.tokenizer));
  });

  it('passes client errors back as they are, without failing over or recording', async () => {
    const harness = await start();
    const upstreamError = {
      error: { message: 'max_tokens is too large', type: 'invalid_request_error' },
    };
    fake.play(
      { kind: 'status', status: 400, body: upstreamError },
      { kind: 'json', body: completion('no') },
    );
    const response = await chat(harness, { model: FOUR });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(upstreamError);
    expect(response.headers['x-arbiter-attempts']).toBe('1');
    expect(fake.seen).toHaveLength(1);
    const decisionId = String(response.headers['x-arbiter-decision-id']);
    await harness.app.close(); // drains pending outcome writes
    forget(harness);
    expect(await harness.store.outcomes.listForDecision(decisionId).catch(() => [])).toEqual([]);
  });

  it('answers 502 UPSTREAM_FAILED after max attempts, with retry-after from the upstream', async () => {
    const harness = await start({ settings: { maxAttempts: 2 } });
    fake.play(
      { kind: 'status', status: 503, headers: { 'retry-after': '7' } },
      { kind: 'status', status: 502 },
      { kind: 'json', body: completion('never asked') },
    );
    const response = await chat(harness, { model: FOUR });
    expect(response.statusCode).toBe(502);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('UPSTREAM_FAILED');
    expect(response.headers['x-arbiter-attempts']).toBe('2');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(fake.seen).toHaveLength(2);
    const rows = await outcomes(harness, String(response.headers['x-arbiter-decision-id']), 2);
    expect(rows.map((row) => row.errorClass)).toEqual(['server_error', 'server_error']);
  });

  it('answers 503 UPSTREAM_UNAVAILABLE with retry-after while every candidate is cooling down', async () => {
    const harness = await start();
    fake.play({ kind: 'status', status: 429, headers: { 'retry-after-ms': '20000' } });
    const limited = await chat(harness, { model: 'openai/gpt-3.5-turbo-1106' });
    expect(limited.statusCode).toBe(502);
    fake.play({ kind: 'json', body: completion('too early') });
    const cooling = await chat(harness, { model: 'gpt-3.5-turbo-1106' });
    expect(cooling.statusCode).toBe(503);
    expect(cooling.json<{ error: { code: string } }>().error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(Number(cooling.headers['retry-after'])).toBe(20);
    expect(fake.seen).toHaveLength(0);
  });

  it('stops at the total deadline', async () => {
    const harness = await start({ settings: { attemptTimeoutMs: 300, deadlineMs: 450 } });
    fake.play({ kind: 'hang' }, { kind: 'hang' }, { kind: 'json', body: completion('late') });
    const response = await chat(harness, { model: FOUR });
    expect(response.statusCode).toBe(502);
    expect(fake.seen).toHaveLength(2);
    const rows = await outcomes(harness, String(response.headers['x-arbiter-decision-id']), 2);
    expect(rows.map((row) => row.errorClass)).toEqual(['timeout', 'timeout']);
    expect(rows[1]?.latencyMs).toBeLessThan(300);
  });

  describe('streaming', () => {
    it('fails over on streams that break before the first event, then passes SSE through', async () => {
      const harness = await start();
      fake.play(
        { kind: 'sse', data: [], then: 'drop' },
        { kind: 'sse', data: [JSON.stringify({ error: { message: 'overloaded' } })], then: 'end' },
        { kind: 'sse', data: [chunk('Hel'), chunk('lo'), '[DONE]'], then: 'end' },
      );
      const response = await chat(harness, { model: FOUR, stream: true });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('text/event-stream');
      expect(response.headers['x-arbiter-attempts']).toBe('3');
      expect(response.body).toBe(
        `data: ${chunk('Hel')}\n\ndata: ${chunk('lo')}\n\ndata: [DONE]\n\n`,
      );
      const decisionId = String(response.headers['x-arbiter-decision-id']);
      expect(fake.models()).toEqual(upstreamOrder(harness, decisionId).slice(0, 3));
      expect(fake.seen[0]?.body['stream']).toBe(true);
      const rows = await outcomes(harness, decisionId, 3);
      expect(rows.map((row) => row.errorClass)).toEqual(['connection_error', 'server_error', null]);
      const answered = catalog.get(String(response.headers['x-arbiter-model']));
      expect(rows[2]?.outputTokens).toBe(countTokens('Hello', answered?.tokenizer));
      expect(rows[2]?.costUsd).toBeGreaterThan(0);
    });

    it('ends the stream with an error event when the upstream fails after the first event', async () => {
      const harness = await start();
      fake.play(
        { kind: 'sse', data: [chunk('Par'), chunk('tial')], then: 'drop' },
        { kind: 'json', body: completion('must not be used') },
      );
      const response = await chat(harness, { model: FOUR, stream: true });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-arbiter-attempts']).toBe('1');
      const events = response.body.split('\n\n').filter((event) => event.length > 0);
      expect(events.slice(0, 2)).toEqual([`data: ${chunk('Par')}`, `data: ${chunk('tial')}`]);
      expect(events[2]).toMatch(/^event: error\ndata: /u);
      expect(JSON.parse(events[2]?.split('data: ')[1] ?? '{}')).toMatchObject({
        error: { code: 'UPSTREAM_FAILED', error_class: 'connection_error' },
      });
      expect(fake.seen).toHaveLength(1);
      const [row] = await outcomes(harness, String(response.headers['x-arbiter-decision-id']), 1);
      expect(row?.errorClass).toBe('connection_error');
      expect(row?.outputTokens).toBeGreaterThan(0);
    });

    it('records a stream that ends cleanly without [DONE] as an answer', async () => {
      const harness = await start();
      fake.play({ kind: 'sse', data: [chunk('Hi')], then: 'end' });
      const clean = await chat(harness, { model: FOUR, stream: true });
      expect(clean.body).toBe(`data: ${chunk('Hi')}\n\n`);
      const [row] = await outcomes(harness, String(clean.headers['x-arbiter-decision-id']), 1);
      expect(row?.errorClass).toBeNull();
      expect(row?.latencyMs).toBeGreaterThanOrEqual(0);
    });

    it('fails over a stream silent before its first event, times out one silent after it', async () => {
      const harness = await start();
      fake.play(
        { kind: 'sse', data: [], then: 'hang' },
        { kind: 'sse', data: [chunk('Hi')], then: 'hang' },
        { kind: 'json', body: completion('must not be used') },
      );
      const response = await chat(harness, { model: FOUR, stream: true });
      expect(response.headers['x-arbiter-attempts']).toBe('2');
      const events = response.body.split('\n\n').filter((event) => event.length > 0);
      expect(events[0]).toBe(`data: ${chunk('Hi')}`);
      expect(events[1]).toContain('"error_class":"timeout"');
      expect(fake.seen).toHaveLength(2);
      const rows = await outcomes(harness, String(response.headers['x-arbiter-decision-id']), 2);
      expect(rows.map((row) => row.errorClass)).toEqual(['timeout', 'timeout']);
    });
  });

  describe('eligibility, auth and validation', () => {
    it('leaves out providers without an upstream, and answers 422 with every reason when none is left', async () => {
      const harness = await start();
      const response = await chat(harness, { model: 'anthropic/*' });
      expect(response.statusCode).toBe(422);
      const body = response.json<{
        error: { code: string; details: { excluded: { model: string; reason: string }[] } };
      }>();
      expect(body.error.code).toBe('NO_ELIGIBLE_ARM');
      expect(body.error.details.excluded).toHaveLength(
        catalog.models.filter((model) => model.provider === 'anthropic').length,
      );
      expect(body.error.details.excluded.every((entry) => entry.reason === 'NO_UPSTREAM')).toBe(
        true,
      );
      expect(fake.seen).toHaveLength(0);
    });

    it('merges the router exclusions with the proxy ones', async () => {
      const harness = await start();
      const response = await chat(harness, {
        model: ['claude-v2', 'openai/gpt-3.5-turbo-1106'],
        arbiter: { max_cost_usd: 1e-12 },
      });
      expect(response.statusCode).toBe(422);
      const excluded = response.json<{ error: { details: { excluded: { reason: string }[] } } }>()
        .error.details.excluded;
      expect(excluded.map((entry) => entry.reason).sort()).toEqual([
        'NO_UPSTREAM',
        'OVER_COST_CAP',
      ]);
    });

    it('answers 503 when no upstream is configured, 400 for an unknown model', async () => {
      const harness = await start({ providers: [] });
      const none = await chat(harness, {});
      expect(none.statusCode).toBe(503);
      expect(none.json<{ error: { code: string } }>().error.code).toBe('UPSTREAM_UNAVAILABLE');
      const unknown = await chat(harness, { model: 'nope/model' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json<{ error: { code: string } }>().error.code).toBe('MODEL_UNKNOWN');
    });

    it('requires a key when anonymous routing is off, and keeps tenants apart', async () => {
      const harness = await start({ allowAnonymous: false });
      expect((await chat(harness, {}, {})).statusCode).toBe(401);
      const forbidden = await chat(harness, { arbiter: { tenant: 'globex' } });
      expect(forbidden.statusCode).toBe(403);
      expect(fake.seen).toHaveLength(0);
    });

    it.each([
      ['an unknown field', { best_of: 2 }],
      ['temperature above 2', { temperature: 3 }],
      ['an unknown arbiter option', { arbiter: { budget: 1 } }],
      ['no messages', { messages: [] }],
      ['a blank model list', { model: ' , ' }],
    ])('answers 400 INPUT_INVALID for %s', async (_name, body) => {
      const harness = await start();
      const response = await chat(harness, body);
      expect(response.statusCode).toBe(400);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('INPUT_INVALID');
      expect(fake.seen).toHaveLength(0);
    });
  });
});
