import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../core/index.js';
import { installErrorHandler } from './error-handler.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

function appThrowing(error: Error): FastifyInstance {
  const app = Fastify();
  apps.push(app);
  installErrorHandler(app);
  app.post('/x', () => {
    throw error;
  });
  return app;
}

describe('error handler: store failures', () => {
  it('answers 503 with retry-after when the database is unreachable for now', async () => {
    const app = appThrowing(
      new StoreError('query failed: Connection terminated', { details: { unavailable: true } }),
    );
    const response = await app.inject({ method: 'POST', url: '/x' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    const body = response.json<{ error: { code: string; details?: unknown } }>();
    expect(body.error.code).toBe('STORE_FAILED');
    // Only that it is unavailable: no URL, no SQLSTATE.
    expect(body.error.details).toEqual({ unavailable: true });
  });

  it('sends no retry-after for other store failures', async () => {
    const app = appThrowing(new StoreError('query failed', { details: { unavailable: false } }));
    const response = await app.inject({ method: 'POST', url: '/x' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.json()).not.toHaveProperty('error.details');
  });
});
