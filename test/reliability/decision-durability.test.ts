/**
 * Every decision id the service hands out accepts its feedback, even when the process is killed
 * (SIGKILL) right after the answer (issue 13, item 6: decisions are durable before their id goes out;
 * with a DuckDB file they are in the decision journal then, and reach the table on the next start).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, makeStateDir } from '../support/service.js';
import { freePort, startServer, waitReady, type ServerProcess } from '../support/server-process.js';

const started: ServerProcess[] = [];
afterAll(() => {
  for (const server of started) server.child.kill('SIGKILL');
});

describe('decision durability', () => {
  it('accepts feedback for every id handed out before a SIGKILL', { timeout: 90_000 }, async () => {
    const { dir, keys } = makeStateDir();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = startServer(dir, port);
    started.push(first);
    await waitReady(port, first);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${base}/v1/route`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(keys.tenantA) },
        body: JSON.stringify({ prompt: `durability probe ${i}` }),
      });
      expect(response.status).toBe(200);
      ids.push(((await response.json()) as { decision_id: string }).decision_id);
    }
    // Concurrent decisions share journal syncs (decision-journal.ts); each id still survives.
    const concurrent = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const response = await fetch(`${base}/v1/route`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(keys.tenantA) },
          body: JSON.stringify({ prompt: `concurrent durability probe ${i}` }),
        });
        expect(response.status).toBe(200);
        return ((await response.json()) as { decision_id: string }).decision_id;
      }),
    );
    ids.push(...concurrent);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startServer(dir, port);
    started.push(second);
    await waitReady(port, second);
    const statuses: number[] = [];
    for (const id of ids) {
      const response = await fetch(`${base}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(keys.tenantA) },
        body: JSON.stringify({ decision_id: id, quality: 0.7 }),
      });
      statuses.push(response.status);
    }
    second.child.kill('SIGTERM');
    await second.exited;
    expect(statuses).toEqual(ids.map(() => 200));
  });
});
