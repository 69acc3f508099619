/**
 * Issue 14 ("the first hour") over the composed service: keys added while it runs, usage and traffic
 * share, spend from proxy-recorded cost, admin PUT from the path, upstream env warnings, /docs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeService } from '../../src/cli/bootstrap.js';
import { writeKeysFile } from '../../src/cli/keys.js';
import { loadConfig } from '../../src/config/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import { API_VERSION } from '../../src/server/openapi.js';
import { generateApiKey } from '../../src/server/auth.js';
import { FakeUpstream } from '../support/fake-upstream.js';
import { bearer, makeStateDir, startTestService } from '../support/service.js';

const GPT35 = 'openai/gpt-3.5-turbo-1106';
const GPT4 = 'openai/gpt-4-1106-preview';

/** A pino destination that keeps the log lines (JSON) it is given. */
function captureLog(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('keys added while the service runs', () => {
  afterEach(() => vi.useRealTimers());

  it('work without a restart (the keys file is followed, at most one look a second)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keys-live-'));
    const app = await startTestService(dir);
    try {
      const key = generateApiKey();
      expect((await app.inject({ url: '/v1/usage', headers: bearer(key.key) })).statusCode).toBe(
        401,
      );
      writeKeysFile(join(dir, 'keys.json'), {
        keys: [{ sha256: key.sha256, tenant: 'acme', role: 'tenant' }],
      });
      vi.setSystemTime(Date.now() + 1500);
      const usage = await app.inject({ url: '/v1/usage', headers: bearer(key.key) });
      expect(usage.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('usage and traffic share', () => {
  const { dir, keys } = makeStateDir();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await startTestService(dir);
  });
  afterAll(async () => app.close());

  it('GET /v1/models counts traffic share in decisions, not in outcomes', async () => {
    const ids: string[] = [];
    for (const candidates of [[GPT4], [GPT4], [GPT35], [GPT35]]) {
      const response = await app.inject({
        method: 'POST',
        url: '/v1/route',
        headers: bearer(keys.tenantA),
        payload: { prompt: 'Summarise this memo', candidates },
      });
      ids.push(response.json<{ decision_id: string }>().decision_id);
    }
    // One outcome, for a GPT-3.5 decision: an outcome-based share would give GPT-3.5 1.0.
    await app.inject({
      method: 'POST',
      url: '/v1/feedback',
      headers: bearer(keys.tenantA),
      payload: { decision_id: ids[2], quality: 0.8, cost_usd: 0.25 },
    });
    const models = await app.inject({ url: '/v1/models', headers: bearer(keys.tenantA) });
    const stats = new Map(
      models
        .json<{
          data: {
            id: string;
            stats: { decisions: number; outcomes: number; traffic_share: number };
          }[];
        }>()
        .data.map((model) => [model.id, model.stats]),
    );
    expect(stats.get(GPT4)).toMatchObject({ decisions: 2, outcomes: 0, traffic_share: 0.5 });
    expect(stats.get(GPT35)).toMatchObject({ decisions: 2, outcomes: 1, traffic_share: 0.5 });
  });

  it('GET /v1/usage: a tenant sees its own spend, decisions, by model and by day; admin sees all', async () => {
    const own = await app.inject({ url: '/v1/usage', headers: bearer(keys.tenantA) });
    expect(own.statusCode).toBe(200);
    const body = own.json<{
      since: string;
      until: string;
      tenants: {
        tenant: string;
        decisions: number;
        outcomes: number;
        spend_usd: number;
        by_model: { model: string; decisions: number; spend_usd: number }[];
        by_day: { day: string; decisions: number }[];
      }[];
    }>();
    const today = new Date().toISOString().slice(0, 10);
    expect(body.until).toBe(today);
    expect(body.tenants).toHaveLength(1);
    expect(body.tenants[0]).toMatchObject({
      tenant: 'acme',
      decisions: 4,
      outcomes: 1,
      spend_usd: 0.25,
    });
    expect(body.tenants[0]?.by_model).toEqual([
      { model: GPT35, decisions: 2, outcomes: 1, spend_usd: 0.25 },
      { model: GPT4, decisions: 2, outcomes: 0, spend_usd: 0 },
    ]);
    expect(body.tenants[0]?.by_day).toEqual([
      { day: today, decisions: 4, outcomes: 1, spend_usd: 0.25 },
    ]);

    const other = await app.inject({ url: '/v1/usage', headers: bearer(keys.tenantB) });
    expect(other.json<{ tenants: unknown[] }>().tenants).toEqual([]);
    const all = await app.inject({ url: '/v1/usage?days=7', headers: bearer(keys.admin) });
    expect(all.json<{ tenants: { tenant: string }[] }>().tenants.map((t) => t.tenant)).toEqual([
      'acme',
    ]);
    expect((await app.inject({ url: '/v1/usage' })).statusCode).toBe(401);
    const foreign = await app.inject({
      url: '/v1/usage?tenant=acme',
      headers: bearer(keys.tenantB),
    });
    expect(foreign.statusCode).toBe(403);
    expect(
      (await app.inject({ url: '/v1/usage?days=0', headers: bearer(keys.admin) })).statusCode,
    ).toBe(400);
  });
});

describe('spend from the proxy', () => {
  const upstream = new FakeUpstream();
  afterAll(async () => upstream.close());

  it("counts the proxy's recorded cost in usage and against a hard-stop budget", async () => {
    const base = await upstream.listen();
    const { dir, keys } = makeStateDir();
    const tenants = join(dir, 'tenants.json');
    writeFileSync(
      tenants,
      JSON.stringify({ tenants: { acme: { budget: { daily_usd: 1e-9, hard_stop: true } } } }),
    );
    const config = loadConfig({
      env: {},
      overrides: {
        stateDir: dir,
        dbPath: ':memory:',
        embedder: 'hash',
        artifactDir: join(dir, 'none'),
        tenantsFile: tenants,
      },
    });
    const service = await composeService(config, {
      embedder: new HashEmbedder(),
      logger: false,
      env: { ARBITER_UPSTREAM_OPENAI_URL: `${base}/openai` },
    });
    await service.ready;
    const { app } = service;
    try {
      upstream.play({
        kind: 'json',
        body: {
          id: 'c1',
          object: 'chat.completion',
          model: 'gpt-3.5-turbo-1106',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'Hello!' }, finish_reason: 'stop' },
          ],
          usage: { prompt_tokens: 1000, completion_tokens: 1000, total_tokens: 2000 },
        },
      });
      const chat = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        headers: bearer(keys.tenantA),
        payload: { model: GPT35, messages: [{ role: 'user', content: 'Hi' }] },
      });
      expect(chat.statusCode).toBe(200);
      // The attempt is recorded after the answer has gone out: wait for it to show in usage.
      await expect
        .poll(async () => {
          const usage = await app.inject({ url: '/v1/usage', headers: bearer(keys.tenantA) });
          return usage.json<{ tenants: { outcomes: number }[] }>().tenants[0]?.outcomes ?? 0;
        })
        .toBe(1);
      const usage = await app.inject({ url: '/v1/usage', headers: bearer(keys.tenantA) });
      expect(
        usage.json<{ tenants: { spend_usd: number }[] }>().tenants[0]?.spend_usd,
      ).toBeGreaterThan(0);
      const route = await app.inject({
        method: 'POST',
        url: '/v1/route',
        headers: bearer(keys.tenantA),
        payload: { prompt: 'again' },
      });
      expect(route.statusCode).toBe(402);
      expect(route.json<{ error: { code: string; message: string } }>().error).toMatchObject({
        code: 'BUDGET_EXCEEDED',
        message: 'the daily budget of tenant acme is spent',
      });
    } finally {
      await app.close();
    }
  });
});

describe('admin PUT', () => {
  const { dir, keys } = makeStateDir();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await startTestService(dir);
  });
  afterAll(async () => app.close());

  const model = {
    pricing: { input_per_million: 0.15, output_per_million: 0.6 },
    context_window: 128000,
    capabilities: { tools: true, vision: true, json: true },
    tags: {
      region: ['us'],
      data_collection: 'deny',
      zero_retention: false,
      sensitive_data: false,
      tier: 'small',
      family: 'gpt-4o',
    },
    tokenizer: 'o200k_base',
  };
  const put = (path: string, body: unknown) =>
    app.inject({
      method: 'PUT',
      url: `/v1/admin/models/${path}`,
      headers: bearer(keys.admin),
      payload: body as object,
    });

  it('takes id and provider from the path', async () => {
    const created = await put('openai/arbiter-test-mini', model);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'openai/arbiter-test-mini', provider: 'openai' });
  });

  it('reports every problem of the body at once', async () => {
    const withoutPricing: Record<string, unknown> = { ...model };
    delete withoutPricing['pricing'];
    const response = await put('openai/arbiter-test-mini', {
      ...withoutPricing,
      id: 'openai/other',
      context_window: 1,
      tags: { ...model.tags, tier: 'huge' },
    });
    expect(response.statusCode).toBe(400);
    const error = response.json<{
      error: { code: string; details: { errors: { field: string }[] } };
    }>().error;
    expect(error.code).toBe('INPUT_INVALID');
    const fields = error.details.errors.map((problem) => problem.field);
    expect(fields).toEqual(expect.arrayContaining(['/id', '/context_window', '/tags/tier']));
    expect(fields.some((field) => field === '/pricing' || field === '')).toBe(true);
  });

  it("refuses a provider that disagrees with the id's provider part", async () => {
    const response = await put('openai/gpt-4o-evil', { ...model, provider: 'together' });
    expect(response.statusCode).toBe(400);
    expect(
      response.json<{ error: { details: { errors: { field: string }[] } } }>().error.details.errors,
    ).toEqual([expect.objectContaining({ field: '/provider' })]);
  });

  it('keeps the provider of a shipped entry served by another provider (meta/... on together)', async () => {
    const models = await app.inject({ url: '/v1/models' });
    const shipped = models
      .json<{ data: { id: string; provider: string }[] }>()
      .data.find((entry) => entry.id.split('/')[0] !== entry.provider);
    expect(shipped).toBeDefined();
    const { id, ...rest } = shipped as { id: string; provider: string };
    expect((await put(id, rest)).statusCode).toBe(200);
    expect((await put(id, { ...rest, provider: 'openai' })).statusCode).toBe(400);
  });
});

describe('start-up warnings', () => {
  it('warns about every ARBITER_UPSTREAM_* that matches no catalog provider, listing the valid names', async () => {
    const { dir } = makeStateDir();
    const log = captureLog();
    const config = loadConfig({
      env: {},
      overrides: {
        stateDir: dir,
        dbPath: ':memory:',
        embedder: 'hash',
        artifactDir: join(dir, 'none'),
      },
    });
    const service = await composeService(config, {
      embedder: new HashEmbedder(),
      logger: { level: 'warn', stream: log.stream },
      env: {
        ARBITER_UPSTREAM_META_URL: 'http://127.0.0.1:9/v1',
        ARBITER_UPSTREAM_TOGETHER_URL: 'http://127.0.0.1:9/v1',
      },
    });
    await service.ready;
    // The start-up summary: no artifact for the hash embedder, so every model runs on its prior.
    const info = service.startupInfo('http://127.0.0.1:1');
    expect(info).toMatchObject({ learnedModels: 0, keys: 3, dbPath: ':memory:' });
    expect(info?.priorModels).toBe(info?.models);
    await service.app.close();
    const warnings = log.lines().map((line) => String(line['msg']));
    const meta = warnings.filter((message) => message.includes('ARBITER_UPSTREAM_META_URL'));
    expect(meta).toHaveLength(1);
    expect(meta[0]).toContain('ARBITER_UPSTREAM_TOGETHER_URL');
    expect(meta[0]).toContain('ARBITER_UPSTREAM_OPENAI_URL');
    expect(warnings.some((message) => message.startsWith('ARBITER_UPSTREAM_TOGETHER_URL'))).toBe(
      false,
    );
  });
});

describe('/docs', () => {
  const { dir } = makeStateDir();
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await startTestService(dir);
  });
  afterAll(async () => app.close());

  interface Operation {
    responses: Record<
      string,
      { description: string; content?: Record<string, { examples?: unknown; example?: unknown }> }
    >;
    requestBody?: { content: Record<string, { examples?: unknown; example?: unknown }> };
  }
  const spec = async () =>
    (await app.inject({ url: '/openapi.json' })).json<{
      info: { title: string; version: string };
      paths: Record<string, Record<string, Operation>>;
    }>();

  it('serves Swagger UI with its assets from the installed package (try-it-out)', async () => {
    const page = await app.inject({ url: '/docs/' });
    const html =
      page.statusCode === 302 ? await app.inject({ url: String(page.headers.location) }) : page;
    expect(html.statusCode).toBe(200);
    expect(html.body).toContain('swagger-ui');
    const bundle = await app.inject({ url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain('tryItOutEnabled');
  });

  it('has a real title and version, and per-route errors and examples', async () => {
    const doc = await spec();
    expect(doc.info.title).toBe('Arbiter LLM routing API');
    expect(doc.info.version).toBe(API_VERSION);
    const route = doc.paths['/v1/route']?.['post'] as Operation;
    const models = doc.paths['/v1/models']?.['get'] as Operation;
    const chat = doc.paths['/v1/chat/completions']?.['post'] as Operation;
    expect(route.responses['422']?.description).toContain('NO_ELIGIBLE_ARM');
    expect(route.responses['402']?.description).toContain('BUDGET_EXCEEDED');
    expect(Object.keys(models.responses)).not.toContain('422');
    expect(Object.keys(route.responses)).not.toEqual(Object.keys(models.responses));
    expect(chat.responses['200']?.content).toHaveProperty(['text/event-stream']);
    expect(chat.responses['502']?.description).toContain('UPSTREAM_FAILED');
    expect(JSON.stringify(route.requestBody)).toContain('infinitely many primes');
    expect(JSON.stringify(route.responses['200'])).toContain('decision_id');
    expect(doc.paths['/v1/usage']).toBeDefined();
  });
});

describe('arbiter replay ope on a small log', () => {
  it('warns, in the JSON and on stderr, below the minimum effective sample size', async () => {
    const { dir, keys } = makeStateDir();
    const db = join(dir, 'arbiter.duckdb');
    const app = await startTestService(dir, { dbPath: db });
    for (let i = 0; i < 4; i++) {
      const route = await app.inject({
        method: 'POST',
        url: '/v1/route',
        headers: bearer(keys.tenantA),
        payload: { prompt: `question ${i}`, candidates: [GPT35, GPT4] },
      });
      await app.inject({
        method: 'POST',
        url: '/v1/feedback',
        headers: bearer(keys.tenantA),
        payload: { decision_id: route.json<{ decision_id: string }>().decision_id, quality: 0.5 },
      });
    }
    await app.close();
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err.push(String(chunk));
      return true;
    });
    try {
      const { replayCommand } = await import('../../src/cli/replay.js');
      expect(await replayCommand.run(['ope', '--db', db, '--candidate', 'thompson'])).toBe(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    const [report] = JSON.parse(out.join('')) as {
      decisions: number;
      reliable: boolean;
      warning: string;
    }[];
    expect(report).toMatchObject({ decisions: 4, reliable: false });
    expect(report?.warning).toContain('below the minimum of 30');
    expect(err.join('')).toContain('not reliable');
  });
});
