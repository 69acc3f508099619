/** The bandit as the composed service runs it: config, first-outcome gate, DuckDB persistence. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { composeService, exploreOnceLearning } from '../cli/bootstrap.js';
import { runLoggedReplay } from '../cli/replay-logged.js';
import { loadConfig } from '../config/index.js';
import { createRng } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { generateApiKey } from '../server/auth.js';
import { openStore } from '../store/index.js';
import { FIXTURE_ARMS, fixtureEmbedding } from './policy.case.js';
import { createPolicy } from './state.js';

describe('bandit in the service', () => {
  it('reads ARBITER_POLICY and defaults to residual', () => {
    expect(loadConfig({ env: {} }).policy).toBe('residual');
    expect(loadConfig({ env: { ARBITER_POLICY: 'linucb' } }).policy).toBe('linucb');
    let caught: unknown;
    try {
      loadConfig({ env: { ARBITER_POLICY: 'ucb2' } });
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'CONFIG_INVALID', details: { env: 'ARBITER_POLICY' } });
  });

  it('routes like the offline router until the first outcome, then explores', () => {
    const policy = createPolicy('thompson', { explorationScale: 1 });
    const gated = exploreOnceLearning(policy);
    const context = { arms: FIXTURE_ARMS, embedding: fixtureEmbedding(1), willingnessToPay: 0.1 };
    for (let i = 0; i < 20; i++) {
      expect(gated.select({ ...context, rng: createRng(i) })).toMatchObject({
        index: 0,
        propensity: 1,
        explored: false,
      });
    }
    const first = gated.select({ ...context, rng: createRng(0) });
    policy.update({
      model: 'acme/mid',
      features: first.features ?? [],
      predictedQuality: 0.65,
      estimatedCostUsd: 0.002,
      quality: 1,
      costUsd: 0.002,
    });
    const propensities = Array.from(
      { length: 20 },
      (_, i) => gated.select({ ...context, rng: createRng(i) }).propensity,
    );
    expect(propensities.some((p) => p < 1)).toBe(true);
  });

  it('learns from HTTP feedback and saves its state on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-bandit-service-'));
    try {
      const key = generateApiKey();
      writeFileSync(
        join(dir, 'keys.json'),
        JSON.stringify({ keys: [{ sha256: key.sha256, tenant: 'acme', role: 'tenant' }] }),
      );
      const headers = { authorization: `Bearer ${key.key}` };
      const config = loadConfig({
        env: {},
        overrides: {
          stateDir: dir,
          dbPath: join(dir, 'arbiter.duckdb'),
          embedder: 'hash',
          artifactDir: join(dir, 'none'),
          policy: 'linucb',
        },
      });
      const service = await composeService(config, { embedder: new HashEmbedder(), logger: false });
      await service.ready;
      const routed = await service.app.inject({
        method: 'POST',
        url: '/v1/route',
        payload: { prompt: 'hello there', tradeoff: 5 },
        headers,
      });
      expect(routed.json()).toMatchObject({ policy: 'linucb', propensity: 1 });
      const id = routed.json<{ decision_id: string }>().decision_id;
      const feedback = (idempotencyKey: string) =>
        service.app.inject({
          method: 'POST',
          url: '/v1/feedback',
          payload: { decision_id: id, quality: 0.9 },
          headers: { ...headers, 'idempotency-key': idempotencyKey },
        });
      expect((await feedback('one')).json()).toMatchObject({ status: 'recorded' });
      expect((await feedback('one')).json()).toMatchObject({ status: 'duplicate' });
      expect(service.bandit()?.policy.version).toBe(1);
      await service.app.close();
      const store = await openStore({ path: config.dbPath });
      try {
        expect(await store.policyState.load('linucb')).toMatchObject({
          name: 'linucb',
          version: 1,
        });
      } finally {
        await store.close();
      }
      // The logged decision and outcome replay into a fresh state and an off-policy estimate.
      const out: string[] = [];
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        out.push(String(chunk));
        return true;
      });
      try {
        const print = (): void => undefined;
        const db = config.dbPath;
        await runLoggedReplay({
          mode: 'retrain',
          db,
          candidates: ['linucb', 'thompson', 'residual'],
          seed: 1,
          print,
        });
        await runLoggedReplay({ mode: 'ope', db, candidates: ['thompson'], seed: 1, print });
      } finally {
        stdout.mockRestore();
      }
      const [retrained, evaluated] = out.map((text) => JSON.parse(text) as unknown);
      expect(retrained).toMatchObject([
        { policy: 'linucb', applied: 1, version: 1 },
        { policy: 'thompson', applied: 1, version: 1 },
        // The residual learner's features (64 projected coordinates) are not linucb's (17): a
        // decision logged under another policy is skipped, with the reason, not misread.
        { policy: 'residual', applied: 0, version: 0, skipped: { features_mismatch: 1 } },
      ]);
      expect(evaluated).toMatchObject([{ candidate: 'thompson', decisions: 1 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
