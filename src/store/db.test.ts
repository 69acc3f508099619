import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../core/index.js';
import type { Database, Session } from './db.js';
import {
  DEFAULT_MEMORY_LIMIT,
  MEMORY_PATH,
  ROW_GROUP_SIZE,
  openDatabase,
  parseMemorySize,
  withTransaction,
} from './db.js';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-db-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function captureError(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a rejection');
}

/** Start a child process that opens `path` with DuckDB and keeps it open until killed. */
async function holdLock(path: string): Promise<ChildProcess> {
  const script = `import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(${JSON.stringify(path)});
await instance.connect();
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${String(code)}`)));
  });
  return child;
}

describe('openDatabase', () => {
  it('wraps a failing statement in a StoreError with the SQL and no bound values', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    try {
      const badSql = 'SELECT * FROM no_such_table WHERE x = $x';
      const error = await captureError(db.use((s) => s.all(badSql, { x: 'secret-value-42' })));
      expect(error.code).toBe('STORE_FAILED');
      expect(error.sql).toBe(badSql);
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).not.toContain('secret-value-42');

      // Constraint errors quote the row; only the error class reaches our message.
      await db.use((s) => s.run('CREATE TABLE t (k VARCHAR PRIMARY KEY)'));
      await db.use((s) => s.run('INSERT INTO t VALUES ($k)', { k: 'secret-key-7' }));
      const duplicate = await captureError(
        db.use((s) => s.prepared('INSERT INTO t VALUES ($k)', { k: 'secret-key-7' })),
      );
      expect(duplicate.code).toBe('STORE_FAILED');
      expect(duplicate.sql).toBe('INSERT INTO t VALUES ($k)');
      expect(duplicate.message).not.toContain('secret-key-7');
      expect(JSON.stringify(duplicate.details)).not.toContain('secret-key-7');
    } finally {
      await db.close();
    }
  });

  it('reports a garbage file as STORE_CORRUPT naming the file', async () => {
    const path = join(tempDir(), 'garbage.duckdb');
    writeFileSync(path, Buffer.alloc(16_384, 0x5a));
    const error = await captureError(openDatabase({ path }));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.details?.['path']).toBe(path);
    // The failed open must not leave the path marked as held.
    rmSync(path);
    const db = await openDatabase({ path });
    await db.close();
  });

  it('reports a file held by another process as STORE_LOCKED', async () => {
    const path = join(tempDir(), 'held.duckdb');
    const child = await holdLock(path);
    try {
      const error = await captureError(openDatabase({ path }));
      expect(error.code).toBe('STORE_LOCKED');
      expect(error.details?.['path']).toBe(path);
    } finally {
      child.kill();
    }
  });

  it('refuses a second open of the same file in this process', async () => {
    const path = join(tempDir(), 'twice.duckdb');
    const db = await openDatabase({ path });
    try {
      const error = await captureError(openDatabase({ path }));
      expect(error.code).toBe('STORE_LOCKED');
    } finally {
      await db.close();
    }
    const again = await openDatabase({ path });
    await again.close();
  });

  it('caps DuckDB memory at DEFAULT_MEMORY_LIMIT unless told otherwise', async () => {
    const limit = async (options: { memoryLimit?: string }): Promise<unknown> => {
      const db = await openDatabase({ path: join(tempDir(), 'arbiter.duckdb'), ...options });
      const rows = await db.use((s) =>
        s.all("SELECT current_setting('memory_limit')::VARCHAR AS memory_limit"),
      );
      await db.close();
      return rows[0]?.memory_limit;
    };
    // DuckDB reports the limit in binary units (128MB = 122.0 MiB).
    expect(await limit({})).toBe(await limit({ memoryLimit: DEFAULT_MEMORY_LIMIT }));
    expect(await limit({ memoryLimit: '64MiB' })).toBe('64.0 MiB');
  });

  it('trims cached blocks on demand and on a timer, and keeps the configured limit', async () => {
    const db = await openDatabase({
      path: join(tempDir(), 'arbiter.duckdb'),
      memoryLimit: '256MiB',
      trimTo: '4MB',
      trimIntervalMs: 1,
    });
    const current = (s: Session): Promise<unknown> =>
      s.all("SELECT current_setting('memory_limit')::VARCHAR AS m").then((rows) => rows[0]?.m);
    const duckdbMb = async (): Promise<number> =>
      Number(
        (
          await db.use((s) =>
            s.all('SELECT sum(memory_usage_bytes)::DOUBLE AS m FROM duckdb_memory()'),
          )
        )[0]?.m,
      ) /
      2 ** 20;
    // ~30 MB of blocks, written by a checkpoint and read back: all cached, all clean.
    const cached = await db.use(async (s) => {
      await s.run(
        'CREATE TABLE t AS SELECT random() AS x, md5(range::VARCHAR) AS y FROM range(1000000)',
      );
      await s.run('CHECKPOINT');
      await s.all('SELECT sum(x), max(y) FROM t');
      return (
        Number(
          (await s.all('SELECT sum(memory_usage_bytes)::DOUBLE AS m FROM duckdb_memory()'))[0]?.m,
        ) /
        2 ** 20
      );
    });
    expect(cached).toBeGreaterThan(16);
    await db.trimMemory();
    expect(await duckdbMb()).toBeLessThan(8);
    expect(await db.use(current)).toBe('256.0 MiB');
    // Something else moved the limit: the periodic trim puts the configured one back.
    const moved = await db.use(async (s) => {
      await s.run("SET memory_limit = '100MiB'");
      return current(s);
    });
    expect(moved).toBe('100.0 MiB');
    while ((await db.use(current)) !== '256.0 MiB') await new Promise((r) => setTimeout(r, 5));
    // The data is still there (read back from the file).
    expect(await db.use((s) => s.all('SELECT count(*)::INTEGER AS n FROM t'))).toEqual([
      { n: 1000000 },
    ]);
    await db.close();
    // A limit below the trim target is re-applied as it is; in memory, on demand only.
    const small = await openDatabase({ path: MEMORY_PATH, memoryLimit: '2MiB', trimTo: '4MB' });
    await small.trimMemory();
    expect(await small.use(current)).toBe('2.0 MiB');
    await small.close();
  });

  it('reads DuckDB memory sizes', () => {
    expect(parseMemorySize('512MB')).toBe(512e6);
    expect(parseMemorySize('64.0 MiB')).toBe(64 * 2 ** 20);
    expect(parseMemorySize('1GiB')).toBe(2 ** 30);
    expect(parseMemorySize('100 bytes')).toBe(100);
    expect(parseMemorySize('lots')).toBeNaN();
  });

  it('creates missing parent folders', async () => {
    const path = join(tempDir(), 'a', 'b', 'arbiter.duckdb');
    const db = await openDatabase({ path, threads: '1' });
    await db.close();
    expect(existsSync(path)).toBe(true);
  });

  it('writes a file in ROW_GROUP_SIZE-row row groups, also one written with the default size', async () => {
    const path = join(tempDir(), 'rows.duckdb');
    // A file written by a plain DuckDB open (122,880-row row groups), as before ROW_GROUP_SIZE.
    const plain = await DuckDBInstance.create(path);
    const connection = await plain.connect();
    await connection.run('CREATE TABLE t (k VARCHAR PRIMARY KEY, x BIGINT)');
    await connection.run("INSERT INTO t SELECT 'k' || range, range FROM range(20000)");
    connection.closeSync();
    plain.closeSync();

    const db = await openDatabase({ path });
    await db.use((s) => s.run("INSERT INTO t SELECT 'k' || range, range FROM range(20000, 40000)"));
    await db.close();
    const reopened = await openDatabase({ path });
    try {
      const groups = await reopened.use((s) =>
        s.all(`SELECT sum(count)::INTEGER AS n FROM pragma_storage_info('t')
          WHERE column_name = 'x' AND segment_type = 'BIGINT'
          GROUP BY row_group_id ORDER BY row_group_id`),
      );
      const sizes = groups.map((row) => Number(row['n']));
      expect(sizes[0]).toBe(20_000);
      expect(sizes.slice(1).every((n) => n <= ROW_GROUP_SIZE)).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(40_000);
      const [row] = await reopened.use((s) =>
        s.all(
          'SELECT count(*)::INTEGER AS n, sum(x)::DOUBLE AS total, current_database() AS name FROM t',
        ),
      );
      expect(row).toEqual({ n: 40_000, total: (39_999 * 40_000) / 2, name: 'arbiter' });
    } finally {
      await reopened.close();
    }
  });

  it('closes idempotently and refuses work afterwards', async () => {
    const db: Database = await openDatabase({ path: MEMORY_PATH });
    await Promise.all([db.close(), db.close()]);
    await db.close();
    expect(db.closed).toBe(true);
    const error = await captureError(db.use((s) => s.all('SELECT 1')));
    expect(error.code).toBe('STORE_FAILED');
  });

  it('serialises callers so a transaction never interleaves with other statements', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    try {
      await db.use((s) => s.run('CREATE TABLE t (i INTEGER)'));
      const failing = db.transaction(async (s) => {
        await s.run('INSERT INTO t VALUES (1)');
        throw new Error('boom');
      });
      const outside = db.use((s) => s.run('INSERT INTO t VALUES (2)'));
      await expect(failing).rejects.toThrow('boom');
      await outside;
      const rows = await db.use((s) => s.all('SELECT i FROM t ORDER BY i'));
      expect(rows).toEqual([{ i: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('withTransaction commits on success and rolls back on failure', async () => {
    const db = await openDatabase({ path: MEMORY_PATH });
    try {
      await db.use(async (s) => {
        await s.run('CREATE TABLE t (i INTEGER)');
        await withTransaction(s.connection, () => s.run('INSERT INTO t VALUES (1)'));
        await expect(
          withTransaction(s.connection, async () => {
            await s.run('INSERT INTO t VALUES (2)');
            await s.run('INSERT INTO missing VALUES (3)');
          }),
        ).rejects.toMatchObject({ code: 'STORE_FAILED' });
        expect(await s.all('SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 1 }]);
      });
    } finally {
      await db.close();
    }
  });
});
