/**
 * The PostgreSQL handle: one `pg.Pool` per store, every query wrapped so failures leave as coded
 * StoreErrors (pg-error.ts). Hot statements carry a `name`, so node-postgres prepares them once per
 * pooled connection and rebinds afterwards. No `pg` type leaves this folder.
 */
import pg from 'pg';
import { StoreError } from '../../core/index.js';
import { redactUrl, wrapPgError } from './pg-error.js';

/** One result row as node-postgres parses it (float8/int4 as number, text as string, bytea as Buffer). */
export type PgRow = Record<string, unknown>;

/** A statement: SQL text with `$1..$n` placeholders, and a name when it is prepared and reused. */
export interface PgStatement {
  /** Reuse key for a server-side prepared statement (one per distinct `text`). */
  readonly name?: string;
  readonly text: string;
}

/** Something that runs statements: the pool, or one client inside a transaction. */
export interface PgQueryable {
  /** Run one statement with bound values and return its rows. */
  query(statement: PgStatement | string, values?: readonly unknown[]): Promise<PgRow[]>;
}

/** Options for {@link openPgDatabase}. */
export interface OpenPgDatabaseOptions {
  /** `postgres://user:password@host:port/database` (credentials never appear in errors). */
  readonly url: string;
  /** Pooled connections. @default 8 */
  readonly maxConnections?: number;
  /** Give up connecting after this long, ms. @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Abort any statement after this long (server `statement_timeout`), ms; 0 disables. @default 30000 */
  readonly statementTimeoutMs?: number;
}

/** An open PostgreSQL database. Close exactly once (close is idempotent). */
export interface PgDatabase extends PgQueryable {
  /** The URL with its password removed. */
  readonly url: string;
  /** True once close() has been called. */
  readonly closed: boolean;
  /** Run `fn` on one client between BEGIN and COMMIT, rolled back when it throws. */
  transaction<T>(fn: (tx: PgQueryable) => Promise<T>): Promise<T>;
  /** Register work to run at the start of close(), before the pool ends (writer flushes). */
  onClose(hook: () => Promise<void>): void;
  /** Run close hooks, then end the pool. */
  close(): Promise<void>;
}

function statementText(statement: PgStatement | string): string {
  return typeof statement === 'string' ? statement : statement.text;
}

async function run(
  client: pg.Pool | pg.PoolClient,
  statement: PgStatement | string,
  values: readonly unknown[] | undefined,
): Promise<PgRow[]> {
  const text = statementText(statement);
  try {
    const config: pg.QueryConfig<unknown[]> = {
      text,
      ...(values === undefined ? {} : { values: [...values] }),
      ...(typeof statement === 'string' || statement.name === undefined
        ? {}
        : { name: statement.name }),
    };
    const result = await client.query<PgRow>(config);
    return result.rows;
  } catch (error: unknown) {
    throw wrapPgError(error, { context: 'query failed', sql: text });
  }
}

/**
 * Create the pool and check one connection. Throws StoreError: STORE_FAILED with
 * `details.unavailable` when the server cannot be reached, `details.url` without the password.
 */
export async function openPgDatabase(options: OpenPgDatabaseOptions): Promise<PgDatabase> {
  const url = redactUrl(options.url);
  const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 8,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    application_name: 'arbiter',
  });
  // An idle client losing its connection (server restart) emits on the pool; without a listener
  // node would crash the process. The next query gets a fresh connection or a wrapped error.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error: unknown) {
    await pool.end().catch(() => undefined);
    throw wrapPgError(error, { context: `cannot connect to ${url}`, url });
  }

  const closeHooks: (() => Promise<void>)[] = [];
  let state: 'open' | 'closing' | 'closed' = 'open';
  let closePromise: Promise<void> | undefined;

  function assertUsable(): void {
    if (state === 'closed')
      throw new StoreError(`database is closed: ${url}`, { details: { url } });
  }

  async function shutdown(): Promise<void> {
    const hookErrors: unknown[] = [];
    for (const hook of closeHooks) {
      try {
        await hook();
      } catch (error: unknown) {
        hookErrors.push(error);
      }
    }
    state = 'closed';
    await pool.end();
    if (hookErrors.length > 0) {
      throw wrapPgError(hookErrors[0], { context: `flush on close of ${url}` });
    }
  }

  return {
    url,
    get closed() {
      return state !== 'open';
    },
    async query(statement, values) {
      assertUsable();
      return run(pool, statement, values);
    },
    async transaction(fn) {
      assertUsable();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error: unknown) {
        throw wrapPgError(error, { context: `cannot connect to ${url}`, url });
      }
      const tx: PgQueryable = { query: (statement, values) => run(client, statement, values) };
      let broken = false;
      try {
        await tx.query('BEGIN');
        const result = await fn(tx);
        await tx.query('COMMIT');
        return result;
      } catch (error: unknown) {
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection itself failed: do not hand it back to the pool.
          broken = true;
        }
        throw wrapPgError(error, { context: 'transaction failed' });
      } finally {
        client.release(broken);
      }
    },
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
