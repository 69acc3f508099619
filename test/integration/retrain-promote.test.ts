/**
 * Issue 11, parts 1-3, over a real port: a user's JSONL log trains an artifact scored on its own
 * held-out groups; it is promoted into the running service with one command; a deliberately worse
 * artifact is refused with the numbers; rollback works; offline reads of the locked database say
 * what to do and work on a snapshot the service writes; and the service answers every request
 * throughout.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeService, type Service } from '../../src/cli/bootstrap.js';
import { promoteCommand, rollbackCommand } from '../../src/cli/promote.js';
import { hintFor } from '../../src/cli/store-hints.js';
import { run as train } from '../../src/cli/train.js';
import { loadConfig } from '../../src/config/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import { openStore, openStoreOrSnapshot } from '../../src/store/index.js';
import { makeStateDir } from '../support/service.js';

const STRONG = 'openai/gpt-4o';
const WEAK = 'openai/gpt-4o-mini';
const GROUPS = ['math', 'code', 'chat', 'law'] as const;
const PROMPTS = Array.from(
  { length: 40 },
  (_, i) => `Question ${i} about ${GROUPS[i % 4]}: explain item ${(i * 7) % 13}`,
);

/** Truth of the synthetic traffic: the strong model answers well except on every tenth prompt. */
function truth(i: number, model: string): number {
  const strongWins = i % 10 !== 0;
  return model === STRONG ? Number(strongWins) : Number(!strongWins);
}

/** A JSONL log (docs/log-format.md) of both models on every prompt; `flip` inverts every label. */
function writeLog(path: string, flip: boolean): string {
  const lines = PROMPTS.flatMap((prompt, i) =>
    [STRONG, WEAK].map((model) =>
      JSON.stringify({
        prompt,
        model,
        quality: flip ? 1 - truth(i, model) : truth(i, model),
        group: GROUPS[i % 4],
        output_tokens: model === STRONG ? 200 : 150,
      }),
    ),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** `arbiter train` in-process, tiny: hash embedder, logistic predictor; returns what it printed. */
async function trainArtifact(args: readonly string[]): Promise<string> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await train(['--embedder', 'hash', '--predictor', 'logistic', ...args]);
    expect(code).toBe(0);
    return write.mock.calls.map((call) => String(call[0])).join('');
  } finally {
    write.mockRestore();
  }
}

/** Run a CLI verb in-process; its printed output. */
async function cli(
  command: { run(argv: string[]): Promise<number> },
  args: string[],
): Promise<string> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    expect(await command.run(args)).toBe(0);
    return write.mock.calls.map((call) => String(call[0])).join('');
  } finally {
    write.mockRestore();
  }
}

describe('train on your logs, promote safely, work beside the running service', () => {
  const { dir, keys } = makeStateDir();
  const work = mkdtempSync(join(tmpdir(), 'arbiter-retrain-'));
  const dbPath = join(dir, 'arbiter.duckdb');
  const previousCache = process.env.ARBITER_CACHE_DIR;
  let service: Service;
  let base = '';
  /** Requests routed by the background client while the test promotes and rolls back. */
  const traffic = { stop: false, ok: 0, failed: [] as string[], done: Promise.resolve() };

  const api = async (
    path: string,
    options: { key?: string; body?: unknown; method?: string } = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(`${base}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const route = (i: number) =>
    api('/v1/route', {
      key: keys.tenantA,
      body: { prompt: PROMPTS[i % PROMPTS.length], candidates: [STRONG, WEAK], tradeoff: 10 },
    });

  beforeAll(async () => {
    process.env.ARBITER_CACHE_DIR = join(work, 'cache');
    const config = loadConfig({
      env: {},
      overrides: {
        stateDir: dir,
        dbPath,
        embedder: 'hash',
        artifactDir: join(dir, 'no-artifact'),
        policy: 'greedy',
      },
    });
    service = await composeService(config, { embedder: new HashEmbedder(), logger: false });
    await service.ready;
    await service.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
    // A client that keeps routing (one request at a time) until the test ends.
    traffic.done = (async () => {
      for (let i = 0; !traffic.stop; i++) {
        const answer = await route(i);
        if (answer.status === 200) traffic.ok += 1;
        else traffic.failed.push(`${answer.status} ${JSON.stringify(answer.body)}`);
      }
    })();
  });

  afterAll(async () => {
    traffic.stop = true;
    await traffic.done;
    await service.app.close();
    if (previousCache === undefined) delete process.env.ARBITER_CACHE_DIR;
    else process.env.ARBITER_CACHE_DIR = previousCache;
  });

  const good = join(work, 'good');
  const bad = join(work, 'bad');
  const manifestOf = (artifact: string) =>
    JSON.parse(readFileSync(join(artifact, 'manifest.json'), 'utf8')) as {
      split: { heldOutGroups?: string[]; heldOutRows: number };
      metrics: { heldOutComparison?: { name: string; pairs: number; brier: number }[] };
      trainedOn: { datasets: string[] };
    };

  it('trains on a JSONL log, scored on its own held-out groups beside the deployed artifact', async () => {
    const printed = await trainArtifact([
      '--logs',
      writeLog(join(work, 'good.jsonl'), false),
      '--baseline',
      join(work, 'absent-baseline'),
      '--out',
      good,
    ]);
    expect(printed).toContain('held-out log rows');
    expect(printed).toContain('baseline');
    const manifest = manifestOf(good);
    expect(manifest.trainedOn.datasets).toEqual(['file:good.jsonl']);
    // Whole groups are held out: 10 prompts a group, each with two labels.
    const heldOut = manifest.split.heldOutGroups ?? [];
    expect(heldOut.length).toBeGreaterThan(0);
    expect(heldOut.length).toBeLessThan(GROUPS.length);
    expect(manifest.split.heldOutRows).toBe(10 * heldOut.length);
    const scores = manifest.metrics.heldOutComparison ?? [];
    expect(scores[0]).toMatchObject({ name: 'new', pairs: 20 * heldOut.length });
    expect(scores[0]?.brier).toBeLessThan(0.25);

    await trainArtifact([
      '--logs',
      writeLog(join(work, 'bad.jsonl'), true),
      '--baseline',
      good,
      '--out',
      bad,
    ]);
    // On the flipped log's own held-out rows the artifact trained on it beats the deployed one
    // (trained on the opposite labels), side by side on the same rows.
    const [newScores, deployed] = manifestOf(bad).metrics.heldOutComparison ?? [];
    expect(deployed).toMatchObject({ name: 'deployed', pairs: newScores?.pairs });
    expect(newScores?.brier).toBeLessThan(deployed?.brier ?? 0);
  });

  it('promotes the trained artifact into the running service with one command', async () => {
    const printed = await cli(promoteCommand, [good, '--url', base, '--key', keys.admin]);
    expect(printed).toContain('promoted good@');
    const status = await api('/v1/admin/artifact', { key: keys.admin });
    const current = status.body.current as { version: string };
    expect(current.version).toMatch(/^good@[0-9a-f]{12}$/u);
    // Decisions record the artifact version they used.
    const routed = await route(1);
    expect(routed.body.predictor_version).toBe(current.version);
    expect(routed.body.model).toBe(STRONG);
  });

  it('refuses a deliberately worse artifact with the numbers, and records it', async () => {
    for (let i = 0; i < 40; i++) {
      const decision = await route(i);
      const model = decision.body.model as string;
      const feedback = await api('/v1/feedback', {
        key: keys.tenantA,
        body: { decision_id: decision.body.decision_id, quality: truth(i, model) },
      });
      expect(feedback.status).toBe(200);
    }
    await expect(
      cli(promoteCommand, [bad, '--url', base, '--key', keys.admin]),
    ).rejects.toMatchObject({
      code: 'ARTIFACT_REGRESSION',
      details: {
        gate: {
          verdict: 'regression',
          difference: { high: expect.any(Number) as number },
        },
      },
    });
    const refused = await api('/v1/admin/artifact/promote', {
      key: keys.admin,
      body: { dir: bad },
    });
    expect(refused.status).toBe(409);
    const gate = (refused.body.error as { details: { gate: Record<string, unknown> } }).details
      .gate;
    const difference = gate.difference as { estimate: number; high: number };
    expect(difference.high).toBeLessThan(0);
    expect(gate.decisions).toBeGreaterThanOrEqual(40);
    expect((gate.candidate as { matched: number }).matched).toBeLessThan(
      (gate.current as { matched: number }).matched,
    );
    const status = await api('/v1/admin/artifact', { key: keys.admin });
    expect((status.body.current as { version: string }).version).toMatch(/^good@/u);
    const history = status.body.history as { action: string; actor: string; metrics?: unknown }[];
    expect(history[0]).toMatchObject({
      action: 'refused',
      actor: expect.stringMatching(/^ops\//u) as string,
    });
    expect(history[0]?.metrics).toMatchObject({ verdict: 'regression' });
    // An artifact trained for another embedder cannot serve here: a client error naming why.
    const otherEmbedder = await api('/v1/admin/artifact/promote', {
      key: keys.admin,
      body: { dir: join(process.cwd(), 'models', 'default') },
    });
    expect(otherEmbedder.status).toBe(400);
    expect(otherEmbedder.body.error).toMatchObject({
      code: 'INPUT_INVALID',
      details: { field: 'dir', reason: 'ARTIFACT_INVALID' },
    });
    // Tenant keys cannot promote.
    const tenant = await api('/v1/admin/artifact/promote', {
      key: keys.tenantA,
      body: { dir: good },
    });
    expect(tenant.status).toBe(403);
  });

  it('offline reads of the locked database say what to do; a snapshot works instead', async () => {
    const locked = await openStore({ path: dbPath }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(locked).toMatchObject({ code: 'STORE_LOCKED' });
    expect(hintFor(locked)).toContain('arbiter snapshot');
    await expect(
      train(['--db', dbPath, '--embedder', 'hash', '--out', join(work, 'never')]),
    ).rejects.toMatchObject({ code: 'STORE_LOCKED' });

    const snapshot = await api('/v1/admin/snapshot', { key: keys.admin, body: {} });
    expect(snapshot.status).toBe(201);
    const parquet = await api('/v1/admin/snapshot', {
      key: keys.admin,
      body: { format: 'parquet' },
    });
    expect(parquet.status).toBe(201);
    const copy = await openStoreOrSnapshot({ path: parquet.body.path as string });
    try {
      expect((await copy.outcomes.listSince(0)).length).toBeGreaterThanOrEqual(40);
    } finally {
      await copy.close();
    }
    // The service's own decisions + feedback (from the snapshot) mixed with the log.
    const mixed = join(work, 'mixed');
    await trainArtifact([
      '--db',
      snapshot.body.path as string,
      '--logs',
      join(work, 'good.jsonl'),
      '--baseline',
      good,
      '--out',
      mixed,
    ]);
    expect(manifestOf(mixed).trainedOn.datasets).toEqual(['file:good.jsonl', 'arbiter-db']);
    const promoted = await api('/v1/admin/artifact/promote', {
      key: keys.admin,
      body: { dir: mixed },
    });
    expect(promoted.status).toBe(200);
    expect((promoted.body.gate as { heldOutOnly: boolean }).heldOutOnly).toBe(true);
  });

  it('rolls back with one command, and a forced promotion is recorded as forced', async () => {
    const before = await api('/v1/admin/artifact', { key: keys.admin });
    expect((before.body.current as { version: string }).version).toMatch(/^mixed@/u);
    const printed = await cli(rollbackCommand, ['--url', base, '--key', keys.admin]);
    expect(printed).toMatch(/rolled back to good@/u);
    const routed = await route(2);
    expect(routed.body.predictor_version).toMatch(/^good@/u);

    const forced = await api('/v1/admin/artifact/promote', {
      key: keys.admin,
      body: { dir: bad, force: true },
    });
    expect(forced.status).toBe(200);
    expect(forced.body.forced).toBe(true);
    expect((await route(3)).body.model).toBe(WEAK);
    await cli(rollbackCommand, ['--url', base, '--key', keys.admin]);
    expect((await route(3)).body.model).toBe(STRONG);
    const history = (await api('/v1/admin/artifact', { key: keys.admin })).body.history as {
      action: string;
      forced: boolean;
    }[];
    expect(history.slice(0, 4).map((r) => `${r.action}${r.forced ? '!' : ''}`)).toEqual([
      'rollback',
      'promote!',
      'rollback',
      'promote',
    ]);
  });

  it('kept answering every request throughout', async () => {
    traffic.stop = true;
    await traffic.done;
    expect(traffic.failed).toEqual([]);
    expect(traffic.ok).toBeGreaterThan(0);
  });

  it('serves the last promoted (or rolled-back-to) artifact after a restart', async () => {
    const served = (await api('/v1/admin/artifact', { key: keys.admin })).body.current as {
      version: string;
      dir: string;
    };
    expect(served.dir).toContain(join(dir, 'artifacts'));
    await service.app.close();
    service = await composeService(
      loadConfig({
        env: {},
        overrides: {
          stateDir: dir,
          dbPath,
          embedder: 'hash',
          artifactDir: join(dir, 'no-artifact'),
          policy: 'greedy',
        },
      }),
      { embedder: new HashEmbedder(), logger: false },
    );
    await service.ready;
    const status = await service.app.inject({
      url: '/v1/admin/artifact',
      headers: { authorization: `Bearer ${keys.admin}` },
    });
    expect(status.json<{ current: { version: string } }>().current.version).toBe(served.version);
  });
});
