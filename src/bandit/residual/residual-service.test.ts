/** The residual policy as the composed service runs it: every candidate offered, feedback learned, state saved. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeService, exploreOnceLearning } from '../../cli/bootstrap.js';
import { loadConfig } from '../../config/index.js';
import { HashEmbedder } from '../../embed/index.js';
import { generateApiKey } from '../../server/auth.js';
import { splitWatermark } from '../../service/index.js';
import { openStore } from '../../store/index.js';
import { policyFromState } from '../state.js';
import { ResidualPolicy } from './residual-policy.js';

describe('residual policy in the service', () => {
  it('keeps its candidate scope behind the first-outcome gate', () => {
    expect(exploreOnceLearning(new ResidualPolicy()).candidates).toBe('all');
  });

  it('learns from HTTP feedback once per key and restores the saved state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-residual-service-'));
    try {
      const key = generateApiKey();
      writeFileSync(
        join(dir, 'keys.json'),
        JSON.stringify({ keys: [{ sha256: key.sha256, tenant: 'acme', role: 'tenant' }] }),
      );
      const headers = { authorization: `Bearer ${key.key}` };
      const config = loadConfig({
        env: { ARBITER_POLICY: 'residual' },
        overrides: {
          stateDir: dir,
          dbPath: join(dir, 'arbiter.duckdb'),
          embedder: 'hash',
          artifactDir: join(dir, 'none'),
        },
      });
      expect(config.policy).toBe('residual');
      const service = await composeService(config, { embedder: new HashEmbedder(), logger: false });
      await service.ready;
      const routed = await service.app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: { prompt: 'hello there', tradeoff: 5 },
        headers,
      });
      expect(routed.json()).toMatchObject({ policy: 'residual', propensity: 1 });
      const id = routed.json<{ decision_id: string }>().decision_id;
      const feedback = (idempotencyKey: string) =>
        service.app.inject({
          method: 'POST',
          url: '/v1/feedback',
          payload: { decision_id: id, quality: 0.2 },
          headers: { ...headers, 'idempotency-key': idempotencyKey },
        });
      expect((await feedback('one')).json()).toMatchObject({ status: 'recorded' });
      expect((await feedback('one')).json()).toMatchObject({ status: 'duplicate' });
      expect(service.bandit()?.policy.version).toBe(1);
      await service.app.close();
      const store = await openStore({ path: config.dbPath });
      try {
        const saved = await store.policyState.load('residual');
        expect(saved).toMatchObject({ name: 'residual', version: 1 });
        const { state, mark } = splitWatermark(saved?.state);
        expect(mark?.keys).toHaveLength(1);
        const restored = policyFromState(state);
        expect(restored.version).toBe(1);
        expect(restored.name).toBe('residual');
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
