/**
 * Socket-level limits over a real port on 127.0.0.1 (issue 13, items 2 and 10): a client that sends
 * half its headers, or its headers and half its body, is answered 408 and disconnected; an oversized
 * request line gets the `{error:{code}}` shape; slow answers are not cut by the request timeout.
 */
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogRegistry, loadCatalog, DEFAULT_CATALOG_PATH } from '../../src/catalog/index.js';
import { buildApp } from '../../src/server/app.js';
import { loadServerTimeouts } from '../../src/server/timeouts.js';

const HEADERS_MS = 200;
const REQUEST_MS = 400;

let app: FastifyInstance;
let port = 0;

beforeAll(async () => {
  app = await buildApp({
    registry: new CatalogRegistry(loadCatalog(DEFAULT_CATALOG_PATH)),
    service: () => undefined,
    rateLimitPerMinute: 0,
    timeouts: { headersMs: HEADERS_MS, requestMs: REQUEST_MS, keepAliveMs: 5_000 },
  });
  // An answer that takes longer than the request timeout: only receiving the request is bounded.
  app.get('/test/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, REQUEST_MS * 2));
    return { ok: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app.close();
});

/** Write `text` on a fresh connection and collect everything until the server closes it. */
function exchange(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

function errorCode(response: string): string | undefined {
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
}

describe('server timeouts and client errors', () => {
  it('answers 408 and closes a connection that sent half its headers', async () => {
    const response = await exchange('POST /v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty');
    expect(response).toMatch(/^HTTP\/1\.1 408 /u);
    expect(errorCode(response)).toBe('REQUEST_TIMEOUT');
  });

  it('answers 408 and closes a connection that sent its headers and half its body', async () => {
    const response = await exchange(
      'POST /v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"prompt":"hal',
    );
    expect(response).toMatch(/^HTTP\/1\.1 408 /u);
    expect(errorCode(response)).toBe('REQUEST_TIMEOUT');
  });

  it('answers an oversized request line (64 KB model id) with the error shape', async () => {
    const id = 'x'.repeat(64 * 1024);
    const response = await exchange(
      `PUT /v1/admin/models/openai/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(response).toMatch(/^HTTP\/1\.1 431 /u);
    expect(errorCode(response)).toBe('HEADERS_TOO_LARGE');
  });

  it('does not cut an answer that takes longer than the request timeout', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/test/slow`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('reads the timeouts from the environment, naming a bad variable', () => {
    expect(
      loadServerTimeouts({ ARBITER_HEADERS_TIMEOUT_MS: '500', ARBITER_REQUEST_TIMEOUT_MS: '900' }),
    ).toMatchObject({ headersMs: 500, requestMs: 900 });
    expect(() => loadServerTimeouts({ ARBITER_REQUEST_TIMEOUT_MS: '0' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() =>
      loadServerTimeouts({ ARBITER_HEADERS_TIMEOUT_MS: '900', ARBITER_REQUEST_TIMEOUT_MS: '500' }),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
