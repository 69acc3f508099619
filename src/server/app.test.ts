import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { buildApp } from './app.js';

describe('app (foundation routes)', () => {
  let ready = false;
  const appPromise = buildApp({ catalog: loadCatalog(), isReady: () => ready });
  afterAll(async () => (await appPromise).close());

  it('answers /healthz and gates /readyz on model loading', async () => {
    const app = await appPromise;
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ error: { code: 'NOT_READY' } });
    ready = true;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('serves the catalog', async () => {
    const app = await appPromise;
    const response = await app.inject({ method: 'GET', url: '/v1/models' });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ data: { id: string }[] }>();
    expect(body.data.map((model) => model.id)).toContain('openai/gpt-4-1106-preview');
  });

  it('answers unknown routes with a coded 404', async () => {
    const app = await appPromise;
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});
