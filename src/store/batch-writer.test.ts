import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StoreError } from '../core/index.js';
import { createBatchWriter } from './batch-writer.js';
import type { Database } from './db.js';
import { MEMORY_PATH, openDatabase } from './db.js';

interface Item {
  readonly id: number;
  readonly name: string;
  readonly vector: Float32Array;
  readonly at: Date;
}

function item(id: number): Item {
  return { id, name: `n${id}`, vector: Float32Array.from([id, id / 3]), at: new Date(id * 1000) };
}

async function tableDb(path = MEMORY_PATH): Promise<Database> {
  const db = await openDatabase({ path });
  await db.use((s) =>
    s.run(
      'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name VARCHAR, vector FLOAT[], seen_at TIMESTAMP)',
    ),
  );
  return db;
}

function writer(
  db: Database,
  extra: { maxRows?: number; flushIntervalMs?: number; onError?: (e: StoreError) => void } = {},
) {
  return createBatchWriter<Item>({
    db,
    table: 'items',
    toRow: (row) => [row.id, row.name, Array.from(row.vector), row.at],
    flushIntervalMs: 0,
    ...extra,
  });
}

async function count(db: Database): Promise<number> {
  const rows = await db.use((s) => s.all('SELECT count(*)::INTEGER AS n FROM items'));
  return Number(rows[0]?.['n']);
}

/** Occupy the connection until `release()` (resolves once the hold has begun). */
async function holdConnection(db: Database): Promise<{ release: () => Promise<void> }> {
  let release = (): void => undefined;
  let held: Promise<void> = Promise.resolve();
  await new Promise<void>((started) => {
    held = db.use(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
          started();
        }),
    );
  });
  return {
    release: () => {
      release();
      return held;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batch writer', () => {
  it('flushes when the size threshold is reached', async () => {
    const db = await tableDb();
    try {
      const w = writer(db, { maxRows: 3 });
      w.enqueue(item(1));
      w.enqueue(item(2));
      expect(w.pending).toBe(2);
      expect(await count(db)).toBe(0);
      w.enqueue(item(3));
      expect(w.pending).toBe(0);
      // The size flush is queued ahead of this read on the same connection.
      expect(await count(db)).toBe(3);
    } finally {
      await db.close();
    }
  });

  it('flushes on the timer', async () => {
    vi.useFakeTimers();
    const db = await tableDb();
    try {
      const w = writer(db, { flushIntervalMs: 500 });
      w.enqueue(item(1));
      vi.advanceTimersByTime(499);
      expect(w.pending).toBe(1);
      vi.advanceTimersByTime(1);
      expect(w.pending).toBe(0);
      expect(await count(db)).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('writeNow resolves with the rows stored, across chunks larger than 2,048 rows', async () => {
    const db = await tableDb();
    try {
      const w = writer(db);
      await w.writeNow(Array.from({ length: 5000 }, (_, i) => item(i)));
      expect(await count(db)).toBe(5000);
      const rows = await db.use((s) =>
        s.all(
          'SELECT id, name, vector, epoch_ms(seen_at)::DOUBLE AS at FROM items WHERE id = 4999',
        ),
      );
      expect(rows).toEqual([
        { id: 4999, name: 'n4999', vector: [4999, Math.fround(4999 / 3)], at: 4_999_000 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('rejects flush with a StoreError and drops the failed batch', async () => {
    const db = await tableDb();
    try {
      const w = writer(db);
      await w.writeNow([item(1)]);
      w.enqueue(item(2));
      w.enqueue(item(1));
      await expect(w.flush()).rejects.toMatchObject({ code: 'STORE_FAILED', name: 'StoreError' });
      expect(w.pending).toBe(0);
      await w.writeNow([item(3)]);
      const ids = await db.use((s) => s.all('SELECT id FROM items ORDER BY id'));
      expect(ids).toEqual([{ id: 1 }, { id: 3 }]);
    } finally {
      await db.close();
    }
  });

  it('reports background failures to onError, or to the next flush', async () => {
    const db = await tableDb();
    try {
      const seen: StoreError[] = [];
      const reported = writer(db, { maxRows: 2, onError: (e) => seen.push(e) });
      reported.enqueue(item(1));
      reported.enqueue(item(1));
      await db.use(() => Promise.resolve());
      await Promise.resolve();
      expect(seen.map((e) => e.code)).toEqual(['STORE_FAILED']);

      const deferred = writer(db, { maxRows: 2 });
      deferred.enqueue(item(7));
      deferred.enqueue(item(7));
      await expect(deferred.flush()).rejects.toMatchObject({ code: 'STORE_FAILED' });
      await expect(deferred.flush()).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it('flushes on close, so buffered rows survive a reopen of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-batch-'));
    const path = join(dir, 'batch.duckdb');
    try {
      const db = await tableDb(path);
      const w = writer(db, { flushIntervalMs: 60_000 });
      for (let i = 0; i < 10; i++) w.enqueue(item(i));
      await db.close();
      expect(() => w.enqueue(item(99))).toThrow(/closed/);

      const reopened = await tableDb(path);
      try {
        expect(await count(reopened)).toBe(10);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets flushes that wait for the connection share one append, and one failure', async () => {
    const db = await tableDb();
    try {
      let appends = 0;
      const w = createBatchWriter<Item>({
        db,
        table: 'items',
        toRow: (row) => [row.id, row.name, Array.from(row.vector), row.at],
        flushIntervalMs: 0,
        afterAppend: () => {
          appends++;
          return Promise.resolve();
        },
      });
      // Hold the connection, as an in-flight commit would, while three callers write and flush.
      const busy = await holdConnection(db);
      const flushes = [1, 2, 3].map((id) => w.writeNow([item(id)]));
      await busy.release();
      await Promise.all(flushes);
      expect(appends).toBe(1);
      expect(await count(db)).toBe(3);

      // A failed shared batch fails every caller that joined it (none is told it is durable).
      const busyAgain = await holdConnection(db);
      const joined = [4, 1].map((id) => w.writeNow([item(id)]));
      await busyAgain.release();
      const settled = await Promise.allSettled(joined);
      expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
      expect(await count(db)).toBe(3);
    } finally {
      await db.close();
    }
  });

  it('writes a batch and its hooks in one transaction when asked, rolled back as a unit', async () => {
    const db = await tableDb();
    try {
      await db.use((s) => s.run('CREATE TABLE notes (id INTEGER)'));
      const written: number[][] = [];
      const w = createBatchWriter<Item>({
        db,
        table: 'items',
        toRow: (row) => [row.id, row.name, Array.from(row.vector), row.at],
        flushIntervalMs: 0,
        transaction: true,
        beforeAppend: (session, rows) =>
          session.run(`INSERT INTO notes VALUES ${rows.map((row) => `(${row.id})`).join(', ')}`),
        onWritten: (rows) => written.push(rows.map((row) => row.id)),
      });
      await w.writeNow([item(1), item(2)]);
      // A duplicate key fails the append: the hook's insert of the same batch is rolled back too.
      await expect(w.writeNow([item(3), item(1)])).rejects.toMatchObject({ code: 'STORE_FAILED' });
      await w.writeNow([item(4)]);
      const notes = await db.use((s) => s.all('SELECT id FROM notes ORDER BY id'));
      expect(notes).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
      expect(await count(db)).toBe(3);
      expect(written).toEqual([[1, 2], [4]]);
    } finally {
      await db.close();
    }
  });

  it('refuses a batch size above 2,048 rows', async () => {
    const db = await tableDb();
    try {
      expect(() => writer(db, { maxRows: 4096 })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error,
      );
    } finally {
      await db.close();
    }
  });
});
