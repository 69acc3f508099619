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
    expect(response.json()).toMatchObject({ error: { code: 'STORE_FAILED' } });
  });

  it('sends no retry-after for other store failures', async () => {
    const app = appThrowing(new StoreError('query failed', { details: { unavailable: false } }));
    const response = await app.inject({ method: 'POST', url: '/x' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeUndefined();
  });
});
