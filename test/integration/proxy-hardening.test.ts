/**
 * Proxy mode under hostile or broken upstreams (issue 13 items 1 and 9, issue 14 items 7 and 8):
 * upstream credentials never reach a client or a log, streams that start badly fail over, streams
 * that never end are capped, a 502 lists its attempts, and the OpenAI SDK's fields are accepted.
 */
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  FOUR,
  auth,
  chat,
  chunk,
  completion,
  fake,
  outcomes,
  start,
  useProxyHarness,
} from '../support/proxy-harness.js';

useProxyHarness();

/** Long, distinctive upstream keys, so any echo of them is easy to find. */
const keyOf = (provider: string): string => `sk-live-${provider}-Zq81fT0pXy5vW2rK9mB3`;
const ALL_KEYS = ['openai', 'together', 'nvidia'].map(keyOf);

function expectNoKeys(text: string): void {
  for (const key of ALL_KEYS) {
    expect(text).not.toContain(key);
    expect(text).not.toContain(encodeURIComponent(key));
  }
}

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

describe('proxy hardening', () => {
  describe('upstream credentials (issue 13, item 1)', () => {
    it.each([401, 403])(
      'fails over past an upstream %i that quotes the key, passing none of it back or to the log',
      async (status) => {
        const lines: string[] = [];
        const harness = await start({
          apiKey: keyOf,
          logger: { level: 'trace', stream: { write: (line: string) => lines.push(line) } },
        });
        fake.play(
          {
            kind: 'status',
            status,
            body: {
              error: {
                message: `Incorrect API key provided: Bearer ${keyOf('openai')} ${keyOf('together')} ${keyOf('nvidia')}`,
                type: 'invalid_request_error',
              },
            },
          },
          { kind: 'json', body: completion('hello') },
        );
        const response = await chat(harness, { model: FOUR });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual(completion('hello'));
        expect(response.headers['x-arbiter-attempts']).toBe('2');
        expectNoKeys(response.body);
        // Only the answer is an outcome: a refused credential says nothing about the model.
        const decisionId = String(response.headers['x-arbiter-decision-id']);
        const rows = await outcomes(harness, decisionId, 1);
        expect(rows[0]?.idempotencyKey).toBe(`#proxy:${decisionId}:2`);
        await harness.app.close();
        expect(lines.join('\n')).toContain('refused Arbiter');
        expectNoKeys(lines.join('\n'));
      },
    );

    it('fails over past a 407 (fetch reports it as a network error) without its body', async () => {
      const harness = await start({ apiKey: keyOf });
      fake.play(
        { kind: 'status', status: 407, body: { error: { message: `key ${keyOf('openai')}` } } },
        { kind: 'json', body: completion('hello') },
      );
      const response = await chat(harness, { model: FOUR });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-arbiter-attempts']).toBe('2');
      expectNoKeys(response.body);
    });

    it('answers 502 with auth_error attempts when every upstream refuses the credentials', async () => {
      const harness = await start({ apiKey: keyOf, settings: { maxAttempts: 2 } });
      const refused = {
        kind: 'status',
        status: 401,
        body: { error: { message: `bad key ${keyOf('openai')}` } },
      } as const;
      fake.play(refused, refused);
      const response = await chat(harness, { model: FOUR });
      expect(response.statusCode).toBe(502);
      expectNoKeys(response.body);
      const body = response.json<ErrorBody>();
      expect(body.error.code).toBe('UPSTREAM_FAILED');
      expect(body.error.details?.['attempts']).toEqual([
        expect.objectContaining({ error_class: 'auth_error', status: 401 }),
        expect.objectContaining({ error_class: 'auth_error', status: 401 }),
      ]);
    });

    it('scrubs the key from a client error body that is passed back', async () => {
      const harness = await start({ apiKey: keyOf });
      fake.play({
        kind: 'status',
        status: 400,
        body: { error: { message: `max_tokens too large (key ${keyOf('openai')})` } },
      });
      const response = await chat(harness, { model: 'openai/gpt-3.5-turbo-1106' });
      expect(response.statusCode).toBe(400);
      expectNoKeys(response.body);
      expect(response.body).toContain('[REDACTED]');
    });
  });

  describe('streams (issue 13, item 9)', () => {
    it.each([
      ['a first data event that is not JSON', 'data: not json at all\n\n'],
      ['an error event', 'event: error\ndata: {"message":"overloaded"}\n\n'],
      ['a malformed line', 'garbage-without-a-field\n\n'],
      ['[DONE] before any chunk', 'data: [DONE]\n\n'],
    ])('fails over a stream that begins with %s', async (_name, first) => {
      const harness = await start();
      fake.play(
        {
          kind: 'custom',
          respond: (response) => {
            response.writeHead(200, { 'content-type': 'text/event-stream' });
            response.end(`${first}data: ${chunk('never forwarded')}\n\n`);
          },
        },
        { kind: 'sse', data: [chunk('Hi'), '[DONE]'], then: 'end' },
      );
      const response = await chat(harness, { model: FOUR, stream: true });
      expect(response.statusCode).toBe(200);
      expect(response.headers['x-arbiter-attempts']).toBe('2');
      expect(response.body).toBe(`data: ${chunk('Hi')}\n\ndata: [DONE]\n\n`);
      const rows = await outcomes(harness, String(response.headers['x-arbiter-decision-id']), 2);
      expect(rows.map((row) => row.errorClass)).toEqual(['server_error', null]);
    });

    it('ends a stream that trickles forever at its total cap', async () => {
      const harness = await start({
        settings: { streamIdleTimeoutMs: 5_000, streamMaxMs: 300, attemptTimeoutMs: 5_000 },
      });
      const trickle = (response: ServerResponse): void => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => response.write(`data: ${chunk('.')}\n\n`), 20);
        response.on('close', () => clearInterval(timer));
      };
      fake.play({ kind: 'custom', respond: trickle });
      const response = await chat(harness, { model: FOUR, stream: true });
      expect(response.statusCode).toBe(200);
      const events = response.body.split('\n\n').filter((event) => event.length > 0);
      expect(events.length).toBeGreaterThan(1);
      const last = events.at(-1) ?? '';
      expect(last).toMatch(/^event: error\ndata: /u);
      expect(JSON.parse(last.split('data: ')[1] ?? '{}')).toMatchObject({
        error: { code: 'UPSTREAM_FAILED', error_class: 'timeout' },
      });
      const [row] = await outcomes(harness, String(response.headers['x-arbiter-decision-id']), 1);
      expect(row?.errorClass).toBe('timeout');
    });
  });

  it('lists every attempt (model, status or class, ms) in a 502 (issue 14, item 7)', async () => {
    const harness = await start({ settings: { maxAttempts: 3, attemptTimeoutMs: 200 } });
    fake.play({ kind: 'status', status: 500 }, { kind: 'status', status: 429 }, { kind: 'hang' });
    const response = await chat(harness, { model: FOUR });
    expect(response.statusCode).toBe(502);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('UPSTREAM_FAILED');
    const attempts = body.error.details?.['attempts'] as {
      model: string;
      error_class: string;
      status?: number;
      ms: number;
    }[];
    expect(attempts.map((attempt) => [attempt.error_class, attempt.status])).toEqual([
      ['server_error', 500],
      ['rate_limited', 429],
      ['timeout', undefined],
    ]);
    for (const attempt of attempts) {
      expect(FOUR).toContain(attempt.model);
      expect(Number.isInteger(attempt.ms) && attempt.ms >= 0).toBe(true);
      expect(body.error.message).toContain(attempt.model);
    }
    expect(body.error.message).toMatch(/server_error in \d+ ms/u);
  });

  describe('OpenAI SDK fields (issue 14, item 8)', () => {
    it.each([
      ['best_of', { best_of: 2 }],
      ['arbiter.budget', { arbiter: { budget: 1 } }],
      ['messages[0].colour', { messages: [{ role: 'user', content: 'x', colour: 'red' }] }],
    ])('refuses the unknown field %s by name', async (field, body) => {
      const harness = await start();
      const response = await chat(harness, body);
      expect(response.statusCode).toBe(400);
      const error = response.json<ErrorBody>().error;
      expect(error.code).toBe('INPUT_INVALID');
      expect(error.details?.['field']).toBe(field);
      expect(error.message).toContain(field);
      expect(fake.seen).toHaveLength(0);
    });

    it('accepts the fields current SDKs send, forwarding all but store', async () => {
      const harness = await start();
      const sdkFields = {
        store: true,
        modalities: ['text'],
        audio: { voice: 'alloy', format: 'mp3' },
        prediction: { type: 'content', content: 'Hello there' },
        service_tier: 'auto',
        web_search_options: { search_context_size: 'low' },
        verbosity: 'low',
        safety_identifier: 'user-hash-1',
        prompt_cache_key: 'cache-1',
        prompt_cache_retention: '24h',
        reasoning_effort: null,
        stream_options: null,
        metadata: { run: '1' },
        functions: [{ name: 'lookup', parameters: { type: 'object', properties: {} } }],
        function_call: 'auto',
      };
      fake.play({ kind: 'json', body: completion('ok') });
      const response = await chat(harness, { model: 'auto', ...sdkFields }, auth);
      expect(response.statusCode).toBe(200);
      const sent = fake.seen[0]?.body ?? {};
      const forwarded: Record<string, unknown> = { ...sdkFields };
      delete forwarded['store'];
      expect(sent).toMatchObject(forwarded);
      expect(sent).not.toHaveProperty('store');
    });
  });
});
