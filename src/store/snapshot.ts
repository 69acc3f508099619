/**
 * Snapshots of a live database, written by DuckDB itself on the service's own connection (so the
 * file lock the service holds is no obstacle): a DuckDB file (`COPY FROM DATABASE`) or a folder of
 * Parquet files with the schema (`EXPORT DATABASE ... (FORMAT parquet)`). Offline commands read a
 * snapshot instead of the locked file: a DuckDB snapshot opens like any database, a Parquet folder
 * is imported into memory (`IMPORT DATABASE`).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from '../core/index.js';
import type { Database } from './db.js';
import { asString } from './values.js';

/** Snapshot formats. */
export const SNAPSHOT_FORMATS = ['duckdb', 'parquet'] as const;

/** `duckdb`: one database file; `parquet`: a folder (schema.sql, load.sql, one .parquet a table). */
export type SnapshotFormat = (typeof SNAPSHOT_FORMATS)[number];

/** What a snapshot wrote. */
export interface SnapshotResult {
  /** The file (`duckdb`) or folder (`parquet`) written. */
  readonly path: string;
  readonly format: SnapshotFormat;
}

/**
 * A path as a SQL string literal. ATTACH / EXPORT / IMPORT take no parameters; the paths come from
 * the server's own configuration (never from a request), and quotes are doubled all the same.
 */
function literal(path: string): string {
  return `'${path.replace(/'/gu, "''")}'`;
}

/** Write a snapshot of `db` to `path` (which must not exist yet). */
export async function writeSnapshot(
  db: Database,
  options: { readonly path: string; readonly format: SnapshotFormat },
): Promise<SnapshotResult> {
  if (existsSync(options.path)) {
    throw new StoreError(`snapshot target already exists: ${options.path}`, {
      code: 'INPUT_INVALID',
      details: { path: options.path },
    });
  }
  mkdirSync(dirname(options.path), { recursive: true });
  await db.use(async (session) => {
    if (options.format === 'parquet') {
      await session.run(`EXPORT DATABASE ${literal(options.path)} (FORMAT parquet)`);
      return;
    }
    const [row] = await session.all('SELECT current_database() AS name');
    const source = asString(row?.['name'], 'name');
    await session.run(`ATTACH ${literal(options.path)} AS arbiter_snapshot`);
    try {
      await session.run(`COPY FROM DATABASE "${source.replace(/"/gu, '""')}" TO arbiter_snapshot`);
    } finally {
      await session.run('DETACH arbiter_snapshot');
    }
  });
  return { path: options.path, format: options.format };
}

/** True when `path` is a Parquet snapshot folder (an `EXPORT DATABASE` output). */
export function isParquetSnapshot(path: string): boolean {
  try {
    return statSync(path).isDirectory() && existsSync(join(path, 'schema.sql'));
  } catch {
    return false;
  }
}

/** Load a Parquet snapshot folder into `db` (an empty, in-memory database). */
export async function importSnapshot(db: Database, folder: string): Promise<void> {
  await db.use((session) => session.run(`IMPORT DATABASE ${literal(folder)}`));
}
