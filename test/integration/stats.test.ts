/**
 * The stats API over a service filled by a seeded traffic replay: numbers add up across
 * breakdowns, tenant keys see only their tenant, bad windows are coded errors, and the dashboard
 * page is served from the service with its assets.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Value } from 'typebox/value';
import {
  StatsOverview,
  type RecentDecisionsBody,
  type StatsOverviewBody,
} from '../../src/stats/index.js';
import { bearer, startTestService } from '../support/service.js';
import { ACME_BUDGET, fillStatsState, type FilledState } from '../support/stats-fill.js';

let state: FilledState;
let app: FastifyInstance;

beforeAll(async () => {
  state = await fillStatsState();
  app = await startTestService(state.dir, {
    dbPath: state.dbPath,
    tenantsFile: state.tenantsFile,
    storePrompts: true,
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
});

async function get<T>(url: string, key?: string): Promise<{ status: number; body: T }> {
  const response = await app.inject({ url, headers: key === undefined ? {} : bearer(key) });
  return { status: response.statusCode, body: response.json<T>() };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

describe('GET /v1/stats/overview', () => {
  it('covers every replayed decision, and the breakdowns add up to the totals', async () => {
    const { status, body } = await get<StatsOverviewBody>(
      '/v1/stats/overview?window=3h',
      state.keys.admin,
    );
    expect(status).toBe(200);
    // The route serialises with JSON.stringify: the answer itself must match its schema.
    expect([...Value.Errors(StatsOverview, body)].slice(0, 3)).toEqual([]);
    expect(body.tenant).toBeNull();
    expect(body.window.bucket).toBe('minute');
    expect(body.totals.decisions).toBe(state.summary.decisions);
    expect(body.totals.outcomes).toBe(state.summary.outcomes);
    expect(body.totals.errors).toBe(state.summary.errors);
    expect(sum(body.by_model.map((m) => m.decisions))).toBe(body.totals.decisions);
    expect(sum(body.by_tenant.map((t) => t.decisions))).toBe(body.totals.decisions);
    expect(body.by_tenant.map((t) => t.tenant)).toEqual(['acme', 'globex']);
    expect(sum(body.series.total.decisions)).toBe(body.totals.decisions);
    expect(sum(body.series.total.estimated_cost_usd)).toBeCloseTo(
      body.totals.estimated_cost_usd,
      9,
    );
    expect(sum(body.by_model.map((m) => m.traffic_share))).toBeCloseTo(1, 9);
    expect(body.totals.savings_usd).toBeCloseTo(
      body.totals.counterfactual_cost_usd - body.totals.estimated_cost_usd,
      12,
    );
    // The highest-predicted-quality candidate never costs less than nothing, and savings are per
    // decision: counterfactual >= 0 and a model's counterfactual covers its own decisions only.
    expect(body.totals.counterfactual_cost_usd).toBeGreaterThan(0);
    for (const model of body.by_model) {
      expect(model.quality_count).toBeLessThanOrEqual(model.outcomes);
      if (model.outcomes > 0)
        expect(model.latency_p95_ms).toBeGreaterThanOrEqual(model.latency_p50_ms ?? 0);
    }
    expect(sum(body.totals.errors_by_class.map((e) => e.count))).toBe(body.totals.errors);
    for (const series of body.series.by_model) {
      expect(series.decisions).toHaveLength(body.series.buckets.length);
    }
    expect(body.series.by_tenant).toEqual([]);
    for (const window of ['3h', '24h']) {
      const withTenants = await get<StatsOverviewBody>(
        `/v1/stats/overview?window=${window}&tenant_series=true`,
        state.keys.admin,
      );
      expect(withTenants.body.series.by_tenant.map((t) => t.tenant)).toEqual(['acme', 'globex']);
      const perTenant = withTenants.body.series.by_tenant.map((t) => sum(t.decisions));
      expect(sum(perTenant), window).toBe(body.totals.decisions);
    }
  });

  it('records the outage as circuit-breaker transitions', async () => {
    const { body } = await get<StatsOverviewBody>('/v1/stats/overview?window=3h', state.keys.admin);
    const outage = body.circuits.events.filter(
      (event) => event.scope === 'model' && event.target === state.summary.outage.model,
    );
    expect(outage[0]).toMatchObject({ from: 'closed', to: 'open' });
    expect(outage.some((event) => event.to === 'half_open')).toBe(true);
  });

  it('shows spend against the budget of the tenants file', async () => {
    const { body } = await get<StatsOverviewBody>('/v1/stats/overview?window=3h', state.keys.admin);
    const acme = body.budgets.find((b) => b.tenant === 'acme');
    expect(acme?.day.budget_usd).toBe(ACME_BUDGET.daily_usd);
    expect(acme?.month.budget_usd).toBe(ACME_BUDGET.monthly_usd);
    expect(acme?.month.spent_usd).toBeGreaterThan(0);
    expect(body.budgets.find((b) => b.tenant === 'globex')?.day.budget_usd).toBeNull();
  });

  it("gives a tenant key its own tenant's numbers only", async () => {
    const admin = await get<StatsOverviewBody>('/v1/stats/overview?window=3h', state.keys.admin);
    const { status, body } = await get<StatsOverviewBody>(
      '/v1/stats/overview?window=3h',
      state.keys.tenantA,
    );
    expect(status).toBe(200);
    expect(body.tenant).toBe('acme');
    expect(body.by_tenant.map((t) => t.tenant)).toEqual(['acme']);
    expect(body.budgets.map((b) => b.tenant)).toEqual(['acme']);
    const acme = admin.body.by_tenant.find((t) => t.tenant === 'acme');
    expect(body.totals.decisions).toBe(acme?.decisions);
    expect(body.totals.decisions).toBeLessThan(admin.body.totals.decisions);
    const named = await get<StatsOverviewBody>(
      '/v1/stats/overview?window=3h&tenant=globex',
      state.keys.admin,
    );
    expect(named.body.tenant).toBe('globex');
    expect(named.body.totals.decisions + body.totals.decisions).toBe(admin.body.totals.decisions);
  });

  it('answers an all-tenant day the same from the hourly rollups as tenant by tenant', async () => {
    const all = await get<StatsOverviewBody>('/v1/stats/overview?window=24h', state.keys.admin);
    expect(all.body.window.bucket).toBe('hour');
    const parts = await Promise.all(
      ['acme', 'globex'].map(
        async (tenant) =>
          (
            await get<StatsOverviewBody>(
              `/v1/stats/overview?window=24h&tenant=${tenant}`,
              state.keys.admin,
            )
          ).body.totals,
      ),
    );
    for (const field of ['decisions', 'explored', 'outcomes', 'errors', 'quality_count'] as const) {
      expect(sum(parts.map((totals) => totals[field])), field).toBe(all.body.totals[field]);
    }
    for (const field of [
      'estimated_cost_usd',
      'counterfactual_cost_usd',
      'reported_cost_usd',
    ] as const) {
      expect(sum(parts.map((totals) => totals[field])), field).toBeCloseTo(
        all.body.totals[field],
        9,
      );
    }
    expect(all.body.totals.decisions).toBe(state.summary.decisions);
  });

  it.each([
    ['', undefined, 401, 'UNAUTHORIZED', undefined],
    ['?tenant=globex', 'tenantA', 403, 'FORBIDDEN', 'tenant'],
    ['?window=0h', 'admin', 400, 'INPUT_INVALID', 'window'],
    ['?window=2m', 'admin', 400, 'INPUT_INVALID', 'window'],
    ['?window=93d', 'admin', 400, 'INPUT_INVALID', 'window'],
    ['?window=soon', 'admin', 400, 'INPUT_INVALID', 'window'],
    ['?window=30d&bucket=minute', 'admin', 400, 'INPUT_INVALID', 'bucket'],
    ['?bucket=week', 'admin', 400, 'INPUT_INVALID', 'bucket'],
    ['?until=yesterday', 'admin', 400, 'INPUT_INVALID', 'until'],
    ['?until=2999-01-01T00:00:00Z', 'admin', 400, 'INPUT_INVALID', 'until'],
    ['?colour=blue', 'admin', 400, 'INPUT_INVALID', 'colour'],
  ] as const)('refuses %s with %i %s', async (query, who, status, code, field) => {
    const key = who === undefined ? undefined : state.keys[who];
    const response = await get<{ error: { code: string; details?: { field?: string } } }>(
      `/v1/stats/overview${query}`,
      key,
    );
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    if (field !== undefined) expect(response.body.error.details?.field).toBe(field);
  });
});

describe('GET /v1/stats/decisions', () => {
  it('lists the newest decisions with ranking, exclusions and prompt text (prompt storage on)', async () => {
    const { status, body } = await get<RecentDecisionsBody>(
      '/v1/stats/decisions?limit=20',
      state.keys.admin,
    );
    expect(status).toBe(200);
    expect(body.prompt_storage).toBe(true);
    expect(body.data).toHaveLength(20);
    const times = body.data.map((d) => Date.parse(d.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const decision of body.data) {
      if (!decision.explored) expect(decision.ranking[0]?.model).toBe(decision.model);
      expect(decision.ranking.map((arm) => arm.model)).toContain(decision.model);
      expect(typeof decision.prompt).toBe('string');
    }
  });

  it("names the outage model's open circuit among the exclusions of decisions in the outage", async () => {
    const until = new Date(state.summary.outage.untilMs).toISOString();
    const { body } = await get<RecentDecisionsBody>(
      `/v1/stats/decisions?limit=60&until=${until}`,
      state.keys.admin,
    );
    expect(body.data.every((d) => Date.parse(d.created_at) < state.summary.outage.untilMs)).toBe(
      true,
    );
    const excluded = body.data.flatMap((d) => d.excluded);
    expect(excluded).toContainEqual({ model: state.summary.outage.model, reason: 'CIRCUIT_OPEN' });
  });

  it('shows a tenant key its own decisions only, and bounds the limit', async () => {
    const { body } = await get<RecentDecisionsBody>(
      '/v1/stats/decisions?limit=50',
      state.keys.tenantB,
    );
    expect(body.data.length).toBeGreaterThan(0);
    expect(new Set(body.data.map((d) => d.tenant))).toEqual(new Set(['globex']));
    const tooMany = await get<{ error: { code: string; details: { field: string } } }>(
      '/v1/stats/decisions?limit=500',
      state.keys.admin,
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatchObject({
      code: 'INPUT_INVALID',
      details: { field: 'limit' },
    });
  });
});

describe('GET /dashboard', () => {
  it('serves the page with a same-origin content security policy, and uPlot from node_modules', async () => {
    const page = await app.inject({ url: '/dashboard' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/u);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).not.toMatch(/https?:\/\//u);
    const uplot = await app.inject({ url: '/dashboard/vendor/uPlot.iife.min.js' });
    expect(uplot.statusCode).toBe(200);
    expect(uplot.body).toContain('uPlot');
  });

  it('documents the stats endpoints in OpenAPI', async () => {
    const spec = (await app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    }>();
    expect(Object.keys(spec.paths['/v1/stats/overview']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403']),
    );
    expect(spec.paths['/v1/stats/decisions']?.get).toBeDefined();
    expect(spec.paths['/dashboard']).toBeUndefined();
  });
});
