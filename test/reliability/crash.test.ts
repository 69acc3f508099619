/**
 * Crash consistency: while a client sends route + feedback, the server is killed with SIGKILL at a
 * random point, restarted on the same DuckDB file, and the run goes on. At the end every feedback
 * that got a 2xx must be in DuckDB. CI runs a few rounds; ARBITER_CRASH_ROUNDS=20 is the full run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { openStore } from '../../src/store/index.js';
import { bearer, makeStateDir } from '../support/service.js';

const ROUNDS = Number(process.env.ARBITER_CRASH_ROUNDS ?? 3);
/** The learning policy under test (ARBITER_CRASH_POLICY=residual checks the residual learner). */
const POLICY = process.env.ARBITER_CRASH_POLICY ?? 'thompson';
const BIN = fileURLToPath(new URL('../../bin/arbiter.js', import.meta.url));
const children = new Set<ChildProcess>();

function startServer(
  dir: string,
  port: number,
): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', String(port), '--state-dir', dir],
    {
      env: {
        ...process.env,
        ARBITER_EMBEDDER: 'hash',
        LOG_LEVEL: 'error',
        ARBITER_ARTIFACT: join(dir, 'none'),
        ARBITER_POLICY: POLICY,
        ARBITER_LEARN_CAP: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, exited, stderr: () => stderr };
}

async function waitReady(port: number, exited: Promise<number | null>): Promise<void> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  for (let i = 0; i < 300 && !done; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('server not ready');
}

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

describe('crash consistency', () => {
  it(
    `loses no acknowledged feedback across ${ROUNDS} SIGKILLs`,
    { timeout: 60_000 + ROUNDS * 15_000 },
    async () => {
      const { dir, keys } = makeStateDir();
      const rng = createRng(42);
      const port = 19_000 + Math.floor(rng.next() * 1000);
      const base = `http://127.0.0.1:${port}`;
      const acknowledged: string[] = [];
      let sent = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const server = startServer(dir, port);
        await waitReady(port, server.exited);
        // Kill at a random moment, but only once this round has had two acknowledgements: on a busy
        // machine a fixed delay can pass before anything was acknowledged (readiness, not time).
        const delay = 200 + rng.next() * 1200;
        const ackedBefore = acknowledged.length;
        let killed = false;
        let kill: () => void = () => undefined;
        const killer = new Promise<void>((resolve) => {
          kill = () => {
            if (killed) return;
            killed = true;
            server.child.kill('SIGKILL');
            resolve();
          };
        });
        let delayPassed = false;
        const maybeKill = (): void => {
          if (delayPassed && acknowledged.length - ackedBefore >= 2) kill();
        };
        setTimeout(() => {
          delayPassed = true;
          maybeKill();
        }, delay);
        const clients = Array.from({ length: 4 }, async (_, c) => {
          while (!killed) {
            try {
              const routed = await fetch(`${base}/v1/route`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...bearer(keys.tenantA) },
                body: JSON.stringify({ prompt: `round ${round} client ${c} request ${sent}` }),
              });
              if (!routed.ok) continue;
              const { decision_id: decisionId } = (await routed.json()) as { decision_id: string };
              const key = `r${round}-c${c}-${sent++}`;
              const response = await fetch(`${base}/v1/feedback`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  'idempotency-key': key,
                  ...bearer(keys.tenantA),
                },
                body: JSON.stringify({ decision_id: decisionId, quality: 0.5, latency_ms: 100 }),
              });
              if (response.ok) {
                acknowledged.push(key);
                maybeKill();
              }
            } catch {
              // the server died mid-request: nothing was acknowledged
            }
          }
        });
        await Promise.all([killer, ...clients]);
        await server.exited;
      }
      // A final clean start proves the file is still a valid database after the last kill.
      const server = startServer(dir, port);
      await waitReady(port, server.exited);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);

      const store = await openStore({ path: join(dir, 'arbiter.duckdb') });
      try {
        const missing: string[] = [];
        for (const key of acknowledged) {
          if ((await store.outcomes.getByIdempotencyKey(`acme:${key}`)) === undefined)
            missing.push(key);
        }
        expect(acknowledged.length).toBeGreaterThan(ROUNDS);
        expect(missing).toEqual([]);
        // The bandit learned from every stored outcome exactly once: live updates before each kill
        // plus the catch-up on the next start (every feedback here carries a quality).
        const outcomes = await store.outcomes.listSince(0);
        const state = await store.policyState.load(POLICY);
        expect(state?.version).toBe(outcomes.length);
        if (process.env.ARBITER_RELIABILITY_OUT !== undefined) {
          const summary = {
            kills: ROUNDS,
            acknowledged: acknowledged.length,
            lost: missing.length,
            banditUpdates: state?.version,
            outcomes: outcomes.length,
          };
          writeFileSync(process.env.ARBITER_RELIABILITY_OUT, `${JSON.stringify(summary)}\n`);
        }
      } finally {
        await store.close();
      }
    },
  );

  it(
    'refuses a locked database and a corrupt file with a clear coded error',
    { timeout: 60_000 },
    async () => {
      const { dir } = makeStateDir();
      const first = startServer(dir, 19_990);
      await waitReady(19_990, first.exited);
      const second = startServer(dir, 19_991);
      expect(await second.exited).toBe(1);
      expect(second.stderr()).toContain('STORE_LOCKED');
      first.child.kill('SIGTERM');
      await first.exited;

      const corrupt = makeStateDir();
      writeFileSync(join(corrupt.dir, 'arbiter.duckdb'), Buffer.alloc(8192, 0x5a));
      const third = startServer(corrupt.dir, 19_992);
      expect(await third.exited).toBe(1);
      expect(third.stderr()).toContain('STORE_CORRUPT');
    },
  );
});
