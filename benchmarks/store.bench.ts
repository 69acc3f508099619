/**
 * Store write throughput: decisions + outcomes through the appender batch path versus one
 * prepared-statement insert per row (each its own autocommit), plus awaited outcome records from
 * concurrent callers sharing commits (outcome-group-commit.ts), into a temp-file database (the production shape: a file,
 * not ':memory:'). Decisions carry a 512-float embedding (USE-Lite's dimension).
 *
 * rows/s = hz x rows per iteration (decisions + outcomes); see benchmarks/results/store.md.
 * Run: npx vitest bench --run benchmarks/store.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bench, describe } from 'vitest';
import { openStore } from '../src/store/index.js';
import type { DecisionRecord, OutcomeRecord, Store } from '../src/store/index.js';

/** Rows of each kind per appender iteration: one full data chunk. */
const BATCH_ROWS = 2048;
/** Rows of each kind per single-insert iteration (smaller, to keep the run short). */
const SINGLE_ROWS = 128;
const DIMENSION = 512;

const embedding = new Float32Array(DIMENSION);
for (let i = 0; i < DIMENSION; i++) embedding[i] = Math.sin(i) / Math.sqrt(DIMENSION);
let sequence = 0;

function decision(id: string): DecisionRecord {
  return {
    id,
    createdAtMs: 1_750_000_000_000 + sequence,
    tenant: 'bench',
    promptHash: 'f'.repeat(64),
    promptText: null,
    embedding,
    embedderId: 'use-lite@0.2.0',
    candidates: ['gpt-4o-mini', 'claude-haiku', 'llama-3-8b'],
    chosenModel: 'claude-haiku',
    propensity: 0.85,
    explored: false,
    policy: 'linucb',
    policyVersion: 1,
    predictorVersion: 'knn@1',
    predicted: [
      { model: 'gpt-4o-mini', quality: 0.7, costUsd: 0.0002 },
      { model: 'claude-haiku', quality: 0.75, costUsd: 0.0003 },
      { model: 'llama-3-8b', quality: 0.5, costUsd: 0.00005 },
    ],
    features: null,
  };
}

function outcome(decisionId: string): OutcomeRecord {
  return {
    decisionId,
    idempotencyKey: `k-${decisionId}`,
    receivedAtMs: 1_750_000_000_500 + sequence,
    tenant: 'bench',
    model: 'claude-haiku',
    quality: 0.8,
    latencyMs: 350,
    inputTokens: 40,
    outputTokens: 120,
    costUsd: 0.0003,
    errorClass: null,
  };
}

/** One temp-file store per benchmark, opened before warm-up and removed after the measured run. */
function storeFixture() {
  let dir: string | undefined;
  let store: Store | undefined;
  return {
    get(): Store {
      if (store === undefined) throw new Error('store not opened: setup hook did not run');
      return store;
    },
    options: {
      iterations: 10,
      time: 1,
      warmupIterations: 1,
      throws: true,
      async setup() {
        if (store !== undefined) return;
        dir = mkdtempSync(join(tmpdir(), 'arbiter-bench-'));
        store = await openStore({ path: join(dir, 'bench.duckdb'), flushIntervalMs: 0 });
      },
      async teardown(_task: unknown, mode: 'warmup' | 'run') {
        if (mode !== 'run' || store === undefined || dir === undefined) return;
        await store.close();
        rmSync(dir, { recursive: true, force: true });
        store = undefined;
      },
    },
  };
}

const appender = storeFixture();
const single = storeFixture();
const grouped = storeFixture();

describe('store inserts (decisions + outcomes)', () => {
  bench(
    `appender batch: ${BATCH_ROWS} decisions + ${BATCH_ROWS} outcomes, then flush`,
    async () => {
      const store = appender.get();
      for (let i = 0; i < BATCH_ROWS; i++) {
        const id = `a${sequence++}`;
        store.decisions.enqueue(decision(id));
        store.outcomes.enqueue(outcome(id));
      }
      await store.flush();
    },
    appender.options,
  );

  bench(
    `prepared single inserts: ${SINGLE_ROWS} decisions + ${SINGLE_ROWS} outcomes`,
    async () => {
      const store = single.get();
      for (let i = 0; i < SINGLE_ROWS; i++) {
        const id = `s${sequence++}`;
        await store.decisions.insert(decision(id));
        await store.outcomes.record(outcome(id));
      }
    },
    single.options,
  );

  bench(
    `record() group commit: ${SINGLE_ROWS} concurrent outcome calls`,
    async () => {
      const store = grouped.get();
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < SINGLE_ROWS; i++)
        calls.push(store.outcomes.record(outcome(`g${sequence++}`)));
      await Promise.all(calls);
    },
    grouped.options,
  );
});
