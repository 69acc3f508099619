/**
 * Proxy mode through a database outage (issue 16, part 3): while the store is unavailable a chat
 * completion is still routed from memory and forwarded; it is answered with
 * `x-arbiter-decision-recorded: false` and no decision id, nothing is written for it, and once the
 * store is back the next request is recorded as usual.
 */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/index.js';
import {
  chat,
  completion,
  fake,
  outcomes,
  start,
  useProxyHarness,
} from '../support/proxy-harness.js';

useProxyHarness();

describe('POST /v1/chat/completions while the store is unavailable', () => {
  it('forwards from memory unrecorded, then records again when the store is back', async () => {
    const harness = await start();
    const decisions = harness.store.decisions as {
      persist: typeof harness.store.decisions.persist;
    };
    const persist = decisions.persist.bind(harness.store.decisions);
    let down = true;
    let refused = 0;
    decisions.persist = (decision) => {
      if (!down) return persist(decision);
      refused += 1;
      return Promise.reject(
        new StoreError('query failed: Connection terminated', { details: { unavailable: true } }),
      );
    };

    fake.play({ kind: 'json', body: completion('from memory', { prompt: 5, completion: 2 }) });
    const during = await chat(harness, { model: 'qwen/qwen2.5-7b-instruct' });
    expect(during.statusCode).toBe(200);
    expect(during.json()).toEqual(completion('from memory', { prompt: 5, completion: 2 }));
    expect(during.headers['x-arbiter-decision-recorded']).toBe('false');
    expect(during.headers['x-arbiter-decision-id']).toBeUndefined();
    expect(refused).toBe(1);
    const metrics = await harness.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/arbiter_decisions_unrecorded_total 1\b/u);
    // The unrecorded decision's id was never stored, nor any outcome for it.
    const [unrecordedId] = [...harness.decisions.keys()];
    expect((await harness.store.decisions.get({ id: unrecordedId ?? '' })).ok).toBe(false);
    expect(await harness.store.outcomes.listForDecision(unrecordedId ?? '')).toHaveLength(0);

    down = false;
    fake.play({ kind: 'json', body: completion('recorded', { prompt: 5, completion: 1 }) });
    const after = await chat(harness, { model: 'qwen/qwen2.5-7b-instruct' });
    expect(after.statusCode).toBe(200);
    expect(after.headers['x-arbiter-decision-recorded']).toBe('true');
    const decisionId = String(after.headers['x-arbiter-decision-id']);
    expect(decisionId).not.toBe(unrecordedId);
    const rows = await outcomes(harness, decisionId, 1);
    expect(rows[0]).toMatchObject({ outputTokens: 1, errorClass: null });
  });
});
