import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/index.js';
import type { Clock } from '../core/index.js';
import { openDatabase } from './db.js';
import { MEMORY_PATH, openStore } from './index.js';
import type { ObservationRecord } from './index.js';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import { storedForm } from './decision-codec.js';

const temps: string[] = [];
function tempPath(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-store-'));
  temps.push(dir);
  return join(dir, 'nested', name);
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const fixedClock: Clock = { now: () => Date.UTC(2025, 2, 3, 4, 5, 6) };

function observation(overrides: Partial<ObservationRecord>): ObservationRecord {
  return {
    dataset: 'mmlu',
    promptHash: sha256Hex('q1'),
    promptId: 'mmlu/x/1',
    promptGroup: 'x',
    model: 'm1',
    quality: 1,
    inputTokens: 10,
    outputTokens: 2,
    costUsd: 0.001,
    latencyMs: null,
    tenant: null,
    observedAtMs: null,
    sourceFile: 'mmlu.jsonl',
    sourceLine: 1,
    ...overrides,
  };
}

describe('openStore', () => {
  it('persists buffered decisions and recorded feedback across a reopen', async () => {
    const path = tempPath('arbiter.duckdb');
    const store = await openStore({ path, storePromptText: true, flushIntervalMs: 60_000 });
    const decision = decisionFixture();
    await store.recordDecisions([decision, decisionFixture({ id: 'd-2' })]);
    expect(await store.recordFeedback(outcomeFixture())).toEqual({ recorded: true });
    expect(await store.recordFeedback(outcomeFixture())).toEqual({
      recorded: false,
      duplicate: true,
      storedFingerprint: null,
    });
    await store.close();
    await store.close();

    const reopened = await openStore({ path, storePromptText: true });
    try {
      expect(await reopened.decisions.get({ id: 'd-1', tenant: 'acme' })).toEqual({
        ok: true,
        value: storedForm(decision),
      });
      expect((await reopened.decisions.get({ id: 'd-2' })).ok).toBe(true);
      expect(await reopened.outcomes.listForDecision('d-1')).toEqual([outcomeFixture()]);
    } finally {
      await reopened.close();
    }
  });

  it('merges outcomes left in the staging table by a crash on the next open', async () => {
    const path = tempPath('staged.duckdb');
    const store = await openStore({ path });
    store.outcomes.enqueue(outcomeFixture({ idempotencyKey: 'staged' }));
    await store.close();
    // A staged row that never got merged, as if the process died between append and merge.
    const db = await openDatabase({ path });
    await db.use((s) =>
      s.run(`INSERT INTO outcomes_staging SELECT * REPLACE ('orphan' AS idempotency_key)
        FROM outcomes WHERE idempotency_key = 'staged'`),
    );
    await db.close();
    const reopened = await openStore({ path });
    try {
      expect((await reopened.outcomes.getByIdempotencyKey('orphan'))?.decisionId).toBe('d-1');
    } finally {
      await reopened.close();
    }
  });

  it('saves and loads policy state and meta values', async () => {
    const store = await openStore({ path: MEMORY_PATH, clock: fixedClock });
    try {
      expect(await store.loadPolicyState('linucb')).toBeUndefined();
      const state = {
        policy: 'linucb',
        version: 1,
        dimension: 2,
        a: [
          [1, 0],
          [0, 1],
        ],
      };
      await store.policyState.save({ name: 'linucb', version: 1, state });
      await store.policyState.save({ name: 'linucb', version: 2, state: { ...state, version: 2 } });
      expect(await store.loadPolicyState('linucb')).toEqual({
        name: 'linucb',
        version: 2,
        state: { ...state, version: 2 },
        updatedAtMs: fixedClock.now(),
      });
      expect(await store.policyState.names()).toEqual(['linucb']);

      expect(await store.meta.get('embedder')).toBeUndefined();
      await store.meta.set('embedder', 'use-lite@0.2.0');
      await store.meta.set('embedder', 'hash@1');
      expect(await store.meta.get('embedder')).toBe('hash@1');
    } finally {
      await store.close();
    }
  });

  it('caches embeddings per embedder with bit-exact vectors', async () => {
    const store = await openStore({ path: MEMORY_PATH, clock: fixedClock });
    try {
      const v1 = Float32Array.from([0.123456789, -1e-30, 3.4e38, 0]);
      const v2 = Float32Array.from([1, 2, 3, 4]);
      const items = [
        { textHash: 'h1', embedding: v1 },
        { textHash: 'h2', embedding: v2 },
        { textHash: 'h1', embedding: v2 },
      ];
      expect(await store.embeddings.put({ embedderId: 'e1', items })).toBe(2);
      expect(await store.embeddings.put({ embedderId: 'e1', items })).toBe(0);
      const found = await store.embeddings.getMany({
        embedderId: 'e1',
        textHashes: ['h1', 'h2', 'h3'],
      });
      expect([...found.keys()].sort()).toEqual(['h1', 'h2']);
      expect(found.get('h1')).toEqual(v1);
      expect(found.get('h2')).toEqual(v2);
      expect((await store.embeddings.getMany({ embedderId: 'e2', textHashes: ['h1'] })).size).toBe(
        0,
      );
      expect(await store.embeddings.count('e1')).toBe(2);
      await expect(
        store.embeddings.put({
          embedderId: 'e1',
          items: [
            { textHash: 'a', embedding: new Float32Array(3) },
            { textHash: 'b', embedding: new Float32Array(4) },
          ],
        }),
      ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    } finally {
      await store.close();
    }
  });

  it('ingests prompts and observations and lists a dataset with text', async () => {
    const store = await openStore({ path: MEMORY_PATH, clock: fixedClock });
    try {
      const prompts = ['q1', 'q2'].map((text) => ({ hash: sha256Hex(text), text }));
      expect(await store.prompts.put([...prompts, { hash: sha256Hex('q1'), text: 'q1' }])).toBe(2);
      expect(await store.prompts.put(prompts)).toBe(0);
      expect((await store.prompts.getMany([sha256Hex('q2')])).get(sha256Hex('q2'))).toBe('q2');

      store.observations.enqueue(observation({ model: 'm1' }));
      store.observations.enqueue(observation({ model: 'm2', quality: 0, observedAtMs: 1234 }));
      await store.observations.writeNow([
        observation({ dataset: 'other', promptHash: sha256Hex('q2'), model: 'm1' }),
      ]);
      expect(await store.observations.listDatasets()).toEqual([
        { dataset: 'mmlu', observations: 2, prompts: 1, models: 2 },
        { dataset: 'other', observations: 1, prompts: 1, models: 1 },
      ]);
      const rows = await store.observations.list('mmlu');
      expect(rows).toEqual([
        { ...observation({ model: 'm1' }), promptText: 'q1' },
        { ...observation({ model: 'm2', quality: 0, observedAtMs: 1234 }), promptText: 'q1' },
      ]);
      expect(await store.observations.deleteDataset('mmlu')).toBe(2);
      expect((await store.observations.listDatasets()).map((d) => d.dataset)).toEqual(['other']);
    } finally {
      await store.close();
    }
  });
});
