/**
 * One `arbiter serve` process on a throwaway PostgreSQL cluster that is stopped and started again
 * under it (issue 16, part 3): while the database is down, `POST /v1/route` still answers 200 from
 * memory, marked not recorded (no decision id), and feedback answers 503 with retry-after; once the
 * database is back the same process records decisions and takes feedback again, without a restart.
 * Every wait polls its condition against a deadline. Skips with a message where PostgreSQL is not
 * installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findPgBinaries,
  startPgCluster,
  type PgCluster,
} from '../../src/store/pg/__fixtures__/pg-cluster.js';
import {
  startReplica,
  stopReplica,
  writeSharedKeys,
  type Replica,
} from '../support/replica-processes.js';

const binaries = findPgBinaries();

/** How long the database may take to be seen down, then up again, ms. */
const DEADLINE_MS = 60_000;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** Call `attempt` until it returns a value, every 25 ms, failing after `DEADLINE_MS`. */
async function poll<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe.skipIf(!binaries.ok)(
  `routing through a PostgreSQL restart${binaries.ok ? '' : ` (skipped: ${binaries.reason})`}`,
  () => {
    let cluster: PgCluster;
    let replica: Replica;
    const keys = writeSharedKeys('acme');
    const auth = { authorization: `Bearer ${keys.key}`, 'content-type': 'application/json' };

    beforeAll(async () => {
      cluster = await startPgCluster(binaries);
      const databaseUrl = await cluster.createDatabase();
      replica = await startReplica({
        id: 'outage',
        databaseUrl,
        env: { ARBITER_KEYS_FILE: keys.file, LOG_LEVEL: 'info' },
      });
    }, 180_000);

    afterAll(async () => {
      if (replica !== undefined) await stopReplica(replica);
      await cluster?.destroy();
    });

    async function post(path: string, body: unknown, headers = {}): Promise<Answer> {
      const response = await fetch(`${replica.url}${path}`, {
        method: 'POST',
        headers: { ...auth, ...headers },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as Record<string, unknown>,
      };
    }

    let routes = 0;
    /** Route one prompt; every answer, whatever the database's state, must be a 200. */
    async function route(): Promise<Answer> {
      const answer = await post('/v1/route', { prompt: `question number ${routes++}` });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body['model']).toEqual(expect.any(String));
      return answer;
    }

    async function unrecordedMetric(): Promise<number> {
      const text = await (await fetch(`${replica.url}/metrics`)).text();
      const match = /^arbiter_decisions_unrecorded_total (\d+)$/mu.exec(text);
      return Number(match?.[1]);
    }

    it('routes from memory while the database is down, then records again without a restart', async () => {
      const before = await route();
      expect(before.body['recorded']).toBe(true);
      expect(typeof before.body['decision_id']).toBe('string');
      expect(before.headers.get('x-arbiter-decision-recorded')).toBe('true');
      expect(before.headers.get('x-arbiter-decision-id')).toBe(before.body['decision_id']);
      expect(await unrecordedMetric()).toBe(0);

      await cluster.stopServer();
      const down = await poll('an unrecorded decision', async () => {
        const answer = await route();
        return answer.body['recorded'] === false ? answer : undefined;
      });
      expect(down.body['decision_id']).toBeNull();
      expect(down.headers.get('x-arbiter-decision-recorded')).toBe('false');
      expect(down.headers.get('x-arbiter-decision-id')).toBeNull();
      expect((down.body['candidates'] as unknown[]).length).toBeGreaterThan(0);
      // The database stays down: more decisions, all unrecorded, each one counted.
      for (let i = 0; i < 3; i++) {
        expect((await route()).body).toMatchObject({ recorded: false, decision_id: null });
      }
      expect(await unrecordedMetric()).toBeGreaterThanOrEqual(4);

      // Writes answer 503 with retry-after (feedback for a decision recorded before the outage).
      const feedback = { decision_id: before.body['decision_id'], quality: 0.8 };
      const refused = await post('/v1/feedback', feedback, { 'idempotency-key': 'before-1' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(refused.body).toMatchObject({
        error: { code: 'STORE_FAILED', details: { unavailable: true } },
      });

      await cluster.startServer();
      const back = await poll('a recorded decision', async () => {
        const answer = await route();
        return answer.body['recorded'] === true ? answer : undefined;
      });
      expect(typeof back.body['decision_id']).toBe('string');
      expect(back.headers.get('x-arbiter-decision-recorded')).toBe('true');
      const accepted = await post(
        '/v1/feedback',
        { decision_id: back.body['decision_id'], quality: 1 },
        { 'idempotency-key': 'after-1' },
      );
      expect(accepted).toMatchObject({ status: 200, body: { status: 'recorded' } });
      // The feedback refused during the outage is taken when sent again.
      const retried = await post('/v1/feedback', feedback, { 'idempotency-key': 'before-1' });
      expect(retried).toMatchObject({ status: 200, body: { status: 'recorded' } });

      // One outage, logged once when it began and once when it ended, not once per request.
      const log = replica.stdout();
      expect(count(log, 'database unavailable: routing from memory')).toBe(1);
      expect(count(log, 'database available again')).toBe(1);
      // The background feed reader (every 250 ms) reports the outage once too.
      expect(count(log, 'replica sync failed')).toBeLessThanOrEqual(1);
    }, 180_000);
  },
);
