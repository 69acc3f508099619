import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/index.js';
import { HashEmbedder } from '../embed/index.js';
import { RoutingService } from '../service/index.js';
import { bearer, makeStateDir, type TestKeys } from '../../test/support/service.js';
import { composeService, type Service } from './bootstrap.js';

// Before /readyz says ready, the service rehearses decisions through the real route path and
// the decision write path (RoutingService.rehearse). Readiness waits for it, and it leaves no trace
// a client, an operator or the learner could see: no decision row, no stats, no metrics.

const services: Service[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const service of services.splice(0)) await service.app.close();
});

let keys: TestKeys;

async function compose(): Promise<Service> {
  const state = makeStateDir();
  const dir = state.dir;
  keys = state.keys;
  const config = loadConfig({
    env: {},
    overrides: {
      stateDir: dir,
      dbPath: ':memory:',
      embedder: 'hash',
      artifactDir: join(dir, 'no-artifact'),
    },
  });
  const service = await composeService(config, { embedder: new HashEmbedder(), logger: false });
  services.push(service);
  return service;
}

describe('warm-up before ready', () => {
  it('keeps /readyz at 503 until the rehearsal has run', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Called below with its own `this`, through apply.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const rehearse = RoutingService.prototype.rehearse;
    let started = false;
    vi.spyOn(RoutingService.prototype, 'rehearse').mockImplementation(async function (
      this: RoutingService,
      ...args
    ) {
      started = true;
      await held;
      return rehearse.apply(this, args);
    });
    const service = await compose();
    await vi.waitFor(() => expect(started).toBe(true), { timeout: 20_000 });
    expect((await service.app.inject({ url: '/readyz' })).statusCode).toBe(503);
    release();
    await service.ready;
    expect((await service.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  it('leaves no decision, no stats and no metrics behind', async () => {
    const rehearse = vi.spyOn(RoutingService.prototype, 'rehearse');
    const service = await compose();
    await service.ready;
    expect(rehearse).toHaveBeenCalled();
    expect(await service.store.decisions.list()).toEqual([]);
    const now = Date.now();
    expect(await service.store.usage.decisionCounts({ sinceMs: 0, untilMs: now + 1 })).toEqual([]);
    const overview = await service.app.inject({
      url: '/v1/stats/overview',
      headers: bearer(keys.admin),
    });
    expect(overview.statusCode).toBe(200);
    expect(JSON.stringify(overview.json())).not.toMatch(/"decisions":[1-9]/u);
    const metrics = (await service.app.inject({ url: '/metrics' })).body;
    expect(metrics).not.toMatch(/^arbiter_decisions_total\{[^}]*\} [1-9]/mu);
    expect(metrics).not.toMatch(/^arbiter_route_overhead_ms_count [1-9]/mu);
    // The first real request is the first decision.
    const routed = await service.app.inject({
      method: 'POST',
      url: '/v1/route',
      headers: bearer(keys.tenantA),
      payload: { prompt: 'the first real question' },
    });
    expect(routed.statusCode).toBe(200);
    expect((await service.store.decisions.list()).map((row) => row.id)).toEqual([
      routed.headers['x-arbiter-decision-id'],
    ]);
    expect((await service.app.inject({ url: '/metrics' })).body).toMatch(
      /^arbiter_decisions_total\{[^}]*\} 1$/mu,
    );
    const after = await service.app.inject({
      url: '/v1/stats/overview',
      headers: bearer(keys.admin),
    });
    expect(JSON.stringify(after.json())).toMatch(/"decisions":1[,}]/u);
  });
});
