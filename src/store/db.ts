/**
 * The DuckDB handle: one DuckDBInstance and one long-lived connection per database file, with
 * every statement serialised through a queue (DuckDB runs one statement at a time per connection
 * anyway, and an explicit transaction must not interleave with other callers' statements).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type {
  DuckDBConnection,
  DuckDBPreparedStatement,
  DuckDBType,
  DuckDBValue,
  JS,
} from '@duckdb/node-api';
import { StoreError } from '../core/index.js';
import { wrapStoreError } from './store-error.js';

/** The in-memory database path, for tests. */
export const MEMORY_PATH = ':memory:';

/**
 * Rows per row group of a database file (DuckDB's default is 122,880). A checkpoint rewrites every
 * row group that gained rows since the last one, and the blocks the old copy held stay in the file
 * as free blocks until a later checkpoint reuses them. With the default, a row group of decisions
 * is up to ~135 MB, and files of 20k and 100k decisions grew by 2,097 and 2,375 bytes per decision
 * for about 1,500 in use (benchmarks/replicas/bytes-per-decision.ts, docs/storage.md). With 8,192
 * rows the rewritten tail is at most ~9 MB (at 16,384, 20k decisions still grew 2,097). DuckDB does
 * not record the size in the file: it is an option of ATTACH, so a file is attached to an in-memory
 * instance and made its default database (USE). Files written with another row-group size open
 * unchanged; their rows stay in the row groups they were written in, new rows fill groups of this
 * size.
 */
export const ROW_GROUP_SIZE = 8192;
/** The catalog name a database file is attached under (what `current_database()` answers). */
const ATTACHED_NAME = 'arbiter';

/** A string as a SQL literal (ATTACH takes no parameters). */
function sqlString(value: string): string {
  return `'${value.replace(/'/gu, "''")}'`;
}

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Database file, or `':memory:'`. Parent folders are created when missing. */
  readonly path: string;
  /**
   * DuckDB worker threads (the DuckDB `threads` setting).
   * @default '2'
   */
  readonly threads?: string;
  /**
   * DuckDB's buffer-pool cap (the `memory_limit` setting). DuckDB's own default is 80% of RAM, which
   * let a 5-minute soak grow the service's RSS by ~400 MB as the file grew. Under a cap DuckDB keeps
   * every block it wrote or read cached (the file's size) plus the rows written since the last
   * checkpoint (~45 MB at the 16 MiB WAL threshold): 81-83 MB after 21k decisions. A 64MB cap held
   * that at <= 54 MB in a soak, but query results are held inside the cap too: reading every
   * decision (`DecisionRepo.list`, used by the promotion gate and `replay --logged`) failed with an
   * out-of-memory error at 18k decisions under 64MB and passed under 128MB
   * (benchmarks/results/reliability.md, run 4), so the default stays high.
   * @default DEFAULT_MEMORY_LIMIT ('512MB')
   */
  readonly memoryLimit?: string;
  /**
   * How often a file database trims DuckDB's memory, ms; 0 never. DuckDB keeps every block it wrote
   * or read cached up to `memory_limit` (the file's size, in a service that appends all day) and
   * keeps memory its allocator freed. A trim lowers the limit to `trimTo` for a moment and
   * puts it back, both on the connection's queue (no query runs in between, so none can fail for
   * the lower limit): DuckDB evicts clean cached blocks first (they are on disk already), and the
   * allocator hands memory back. Takes a few ms of the queue (benchmarks/store/memory-trim.ts,
   * benchmarks/results/store.md). In-memory databases never trim.
   * @default DEFAULT_TRIM_INTERVAL_MS
   */
  readonly trimIntervalMs?: number;
  /** What a trim lowers the limit to for a moment. @default TRIM_TARGET */
  readonly trimTo?: string;
}

/** DuckDB's memory cap when {@link OpenDatabaseOptions.memoryLimit} is not given. */
export const DEFAULT_MEMORY_LIMIT = '512MB';

/** How often a file database trims DuckDB's memory when {@link OpenDatabaseOptions.trimIntervalMs} is not given. */
export const DEFAULT_TRIM_INTERVAL_MS = 30_000;

/**
 * What a trim lowers the limit to, for a moment: above the rows a service writes between DuckDB's
 * automatic checkpoints (~45 MB at the 16 MiB WAL threshold), so a trim evicts cached blocks of the
 * file rather than spilling unwritten rows; a 64MB cap held a 300 s soak at <= 54 MB with no errors
 * (benchmarks/results/reliability.md, run 4). When the configured limit is lower, a trim re-applies it.
 */
export const TRIM_TARGET = '64MB';

/** Bytes in a DuckDB memory size such as `512MB`, `1GiB` or `64.0 MiB`; NaN when unreadable. */
export function parseMemorySize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b|bytes)?\s*$/iu.exec(text);
  if (match === null) return Number.NaN;
  const unit = (match[2] ?? 'b').toLowerCase();
  const power =
    { b: 0, bytes: 0, kb: 1, mb: 2, gb: 3, tb: 4, kib: 1, mib: 2, gib: 3, tib: 4 }[unit] ?? 0;
  return Number(match[1]) * (unit.includes('i') ? 1024 : 1000) ** power;
}

/** Named parameter values for `$name` placeholders. */
export type SqlValues = Readonly<Record<string, DuckDBValue>>;
/** Explicit parameter types where inference is not enough (NULLs, lists, BIGINT). */
export type SqlTypes = Readonly<Record<string, DuckDBType | undefined>>;
/** A result row converted to plain JS (BIGINT still arrives as bigint; convert at the repo edge). */
export type SqlRow = Record<string, JS>;

/**
 * Exclusive access to the connection, handed to a {@link Database.use} callback. Every method wraps
 * DuckDB failures in a StoreError carrying the SQL text.
 */
export interface Session {
  /** The raw connection, for appenders and {@link withTransaction}. Do not keep it past the callback. */
  readonly connection: DuckDBConnection;
  /** Run one statement (re-prepared each call: use for DDL and rare statements). */
  run(sql: string, values?: SqlValues, types?: SqlTypes): Promise<void>;
  /** Run one statement and read every row. */
  all(sql: string, values?: SqlValues, types?: SqlTypes): Promise<SqlRow[]>;
  /** Bind and run a statement prepared once per database and reused (hot paths). */
  prepared(sql: string, values: SqlValues, types?: SqlTypes): Promise<SqlRow[]>;
}

/** An open database. Create with {@link openDatabase}; close exactly once (close is idempotent). */
export interface Database {
  /** The path it was opened with. */
  readonly path: string;
  /** True once close() has been called. */
  readonly closed: boolean;
  /** Run `fn` with exclusive use of the connection; calls queue in order. Not reentrant. */
  use<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /** {@link use} inside BEGIN/COMMIT, rolled back if `fn` throws. */
  transaction<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  /**
   * Trim DuckDB's memory now (what the periodic trim does; see
   * {@link OpenDatabaseOptions.trimIntervalMs}). Leaves `memory_limit` as it was configured.
   */
  trimMemory(): Promise<void>;
  /** Register work to run at the start of close(), before the connection goes (writer flushes). */
  onClose(hook: () => Promise<void>): void;
  /** Run close hooks, then close prepared statements, the connection and the instance. */
  close(): Promise<void>;
}

/**
 * Files this process holds open. DuckDB's file lock is per process, so a second instance on the
 * same file inside one process would not be refused by DuckDB and could corrupt it.
 */
const openPaths = new Set<string>();

/** Run `fn` between BEGIN and COMMIT on `connection`, rolling back when it throws. */
export async function withTransaction<T>(
  connection: DuckDBConnection,
  fn: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  try {
    await connection.run('BEGIN TRANSACTION');
  } catch (error: unknown) {
    throw wrapStoreError(error, { context: 'begin transaction', sql: 'BEGIN TRANSACTION' });
  }
  let result: T;
  try {
    result = await fn(connection);
  } catch (error: unknown) {
    try {
      await connection.run('ROLLBACK');
    } catch {
      // The transaction may already be aborted by the failure; the original error matters more.
    }
    throw error;
  }
  try {
    await connection.run('COMMIT');
  } catch (error: unknown) {
    throw wrapStoreError(error, { context: 'commit transaction', sql: 'COMMIT' });
  }
  return result;
}

function createSession(
  connection: DuckDBConnection,
  statements: Map<string, DuckDBPreparedStatement>,
): Session {
  return {
    connection,
    async run(sql, values, types) {
      try {
        await connection.run(sql, values === undefined ? undefined : { ...values }, types);
      } catch (error: unknown) {
        throw wrapStoreError(error, { context: 'query failed', sql });
      }
    },
    async all(sql, values, types) {
      try {
        const reader = await connection.runAndReadAll(
          sql,
          values === undefined ? undefined : { ...values },
          types,
        );
        return reader.getRowObjectsJS();
      } catch (error: unknown) {
        throw wrapStoreError(error, { context: 'query failed', sql });
      }
    },
    async prepared(sql, values, types) {
      try {
        let statement = statements.get(sql);
        if (statement === undefined) {
          statement = await connection.prepare(sql);
          statements.set(sql, statement);
        }
        statement.clearBindings();
        statement.bind({ ...values }, types);
        const reader = await statement.runAndReadAll();
        return reader.getRowObjectsJS();
      } catch (error: unknown) {
        throw wrapStoreError(error, { context: 'query failed', sql });
      }
    },
  };
}

/**
 * Open (creating when missing) a DuckDB database with explicit settings. Throws StoreError:
 * STORE_LOCKED when another process (or this one) holds the file, STORE_CORRUPT when the file is
 * not a readable DuckDB database, STORE_FAILED otherwise; `details.path` names the file.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const path = options.path;
  const inMemory = path === MEMORY_PATH;
  const key = inMemory ? undefined : resolve(path);
  if (key !== undefined) {
    if (openPaths.has(key)) {
      throw new StoreError(`database file is already open in this process: ${path}`, {
        code: 'STORE_LOCKED',
        details: { path },
      });
    }
    try {
      mkdirSync(dirname(key), { recursive: true });
    } catch (error: unknown) {
      throw new StoreError(`cannot create the folder for ${path}`, {
        cause: error,
        details: { path },
      });
    }
  }

  const memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  let instance: DuckDBInstance;
  try {
    // A file is attached to an in-memory instance (see ROW_GROUP_SIZE) rather than opened as the
    // instance's own database; spills still go beside the file, where DuckDB puts them for a file.
    instance = await DuckDBInstance.create(MEMORY_PATH, {
      threads: options.threads ?? '2',
      memory_limit: memoryLimit,
      ...(inMemory ? {} : { temp_directory: `${path}.tmp` }),
    });
  } catch (error: unknown) {
    throw wrapStoreError(error, { context: `cannot open ${path}`, path });
  }
  let connection: DuckDBConnection;
  try {
    connection = await instance.connect();
  } catch (error: unknown) {
    instance.closeSync();
    throw wrapStoreError(error, { context: `cannot connect to ${path}`, path });
  }
  if (!inMemory) {
    try {
      await connection.run(
        `ATTACH ${sqlString(path)} AS ${ATTACHED_NAME} (ROW_GROUP_SIZE ${ROW_GROUP_SIZE})`,
      );
      await connection.run(`USE ${ATTACHED_NAME}`);
    } catch (error: unknown) {
      connection.closeSync();
      instance.closeSync();
      throw wrapStoreError(error, { context: `cannot open ${path}`, path });
    }
  }
  if (key !== undefined) openPaths.add(key);

  const statements = new Map<string, DuckDBPreparedStatement>();
  const session = createSession(connection, statements);
  const closeHooks: (() => Promise<void>)[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  // 'closing' still accepts work, so close hooks (writer flushes) can use the connection.
  let state: 'open' | 'closing' | 'closed' = 'open';

  function enqueue<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const run = queue.then(() => fn(session));
    queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  function use<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    if (state === 'closed') {
      return Promise.reject(new StoreError(`database is closed: ${path}`, { details: { path } }));
    }
    return enqueue(fn);
  }

  const limitSql = `SET memory_limit = ${sqlString(memoryLimit)}`;
  const trimTo = options.trimTo ?? TRIM_TARGET;
  const trimFirst = parseMemorySize(memoryLimit) > parseMemorySize(trimTo);
  const trimMemory = (): Promise<void> =>
    use(async (s) => {
      if (trimFirst) {
        try {
          await s.run(`SET memory_limit = ${sqlString(trimTo)}`);
        } catch {
          // DuckDB could not evict that far (pinned blocks): it kept what it could not free.
        }
      }
      await s.run(limitSql);
    });
  const trimMs = inMemory ? 0 : (options.trimIntervalMs ?? DEFAULT_TRIM_INTERVAL_MS);
  const trimTimer =
    trimMs > 0
      ? setInterval(() => {
          if (state === 'open') trimMemory().catch(() => undefined);
        }, trimMs).unref()
      : undefined;

  async function shutdown(): Promise<void> {
    clearInterval(trimTimer);
    const hookErrors: unknown[] = [];
    for (const hook of closeHooks) {
      try {
        await hook();
      } catch (error: unknown) {
        hookErrors.push(error);
      }
    }
    // Wait for queued work, then release native handles in dependency order.
    await enqueue(() => Promise.resolve());
    state = 'closed';
    for (const statement of statements.values()) statement.destroySync();
    statements.clear();
    connection.closeSync();
    instance.closeSync();
    if (key !== undefined) openPaths.delete(key);
    if (hookErrors.length > 0) {
      throw wrapStoreError(hookErrors[0], { context: `flush on close of ${path}` });
    }
  }

  let closePromise: Promise<void> | undefined;
  return {
    path,
    get closed() {
      return state !== 'open';
    },
    use,
    transaction: (fn) => use((s) => withTransaction(s.connection, () => fn(s))),
    trimMemory,
    onClose(hook) {
      closeHooks.push(hook);
    },
    close() {
      if (closePromise === undefined) {
        state = 'closing';
        closePromise = shutdown();
      }
      return closePromise;
    },
  };
}
