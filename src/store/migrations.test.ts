import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blobValue } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { MEMORY_PATH, openDatabase } from './db.js';
import { decisionFixture } from './__fixtures__/records.js';
import { createDecisionRepo } from './decision-repo.js';
import { MIGRATIONS, runMigrations } from './migrations.js';
import { vectorToBlob } from './values.js';

const TABLES = [
  'candidate_sets',
  'circuit_events',
  'decision_facts',
  'decisions',
  'embeddings',
  'meta',
  'observations',
  'outcomes',
  'outcomes_staging',
  'policy_state',
  'prompts',
  'retention_runs',
  'schema_migrations',
  'stats_hourly_decisions',
  'stats_hourly_errors',
  'stats_hourly_latency',
  'stats_hourly_outcomes',
  'stats_hourly_percentiles',
  'stats_watermarks',
];

describe('runMigrations', () => {
  it('applies every migration once and is a no-op when re-run', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    try {
      expect(await runMigrations(db)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await runMigrations(db)).toEqual([]);
      const tables = await db.use((s) =>
        s.all('SELECT table_name FROM information_schema.tables ORDER BY table_name'),
      );
      expect(tables.map((row) => row['table_name'])).toEqual(TABLES);
      const recorded = await db.use((s) =>
        s.all('SELECT version, name FROM schema_migrations ORDER BY version'),
      );
      expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    } finally {
      await db.close();
    }
  });

  it('keeps versions strictly increasing from 1', () => {
    MIGRATIONS.forEach((migration, index) => expect(migration.version).toBe(index + 1));
  });

  it('is a no-op on reopening a migrated file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-migrate-'));
    const path = join(dir, 'm.duckdb');
    try {
      const first = await openDatabase({ path });
      await runMigrations(first);
      await first.close();
      const second = await openDatabase({ path });
      expect(await runMigrations(second)).toEqual([]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls a failing migration back and does not record it', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    try {
      const broken = [
        { version: 1, name: 'ok', sql: 'CREATE TABLE a (i INTEGER)' },
        { version: 2, name: 'broken', sql: 'CREATE TABLE b (i INTEGER); SELECT * FROM nowhere' },
      ];
      await expect(runMigrations(db, { migrations: broken })).rejects.toMatchObject({
        code: 'STORE_FAILED',
      });
      const tables = await db.use((s) =>
        s.all("SELECT table_name FROM information_schema.tables WHERE table_name IN ('a', 'b')"),
      );
      expect(tables).toEqual([{ table_name: 'a' }]);
      const versions = await db.use((s) => s.all('SELECT version FROM schema_migrations'));
      expect(versions).toEqual([{ version: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('keeps decisions written before the compact format readable, and back-fills their costs', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    try {
      await runMigrations(db, { migrations: MIGRATIONS.filter((m) => m.version <= 5) });
      const old = decisionFixture({ promptText: null });
      await db.use((s) =>
        s.run(
          `INSERT INTO decisions VALUES ($id, epoch_ms(1735787045678), 'acme', $hash, NULL,
            $embedding, 'hash-embedder@1', ['gpt-4o-mini', 'claude-haiku', 'llama-3-8b'],
            'claude-haiku', 0.8, false, 'linucb', 3, 'knn@2', $predicted, $features)`,
          {
            id: old.id,
            hash: old.promptHash,
            embedding: blobValue(vectorToBlob(old.embedding as Float32Array)),
            predicted: JSON.stringify(old.predicted),
            features: JSON.stringify(old.features),
          },
        ),
      );
      expect(await runMigrations(db)).toEqual([6, 7]);
      const found = await createDecisionRepo({ db, flushIntervalMs: 0 }).get({ id: old.id });
      // The old form is lossless: the row reads back exactly as written.
      expect(found).toEqual({ ok: true, value: old });
      const costs = await db.use((s) =>
        s.all('SELECT estimated_cost_usd, best_quality_cost_usd FROM decisions'),
      );
      expect(costs).toEqual([{ estimated_cost_usd: 0.0003, best_quality_cost_usd: 0.0003 }]);
    } finally {
      await db.close();
    }
  });
});
