/**
 * Buffered bulk writes through DuckDB's appender: rows collect in memory and go to the table in
 * data chunks of at most 2,048 rows (DuckDB's vector size), on a size threshold, on a timer, on
 * `flush()`, and on close. Callers that must not acknowledge before the row is durable use
 * `writeNow` (or `enqueue` then `flush`). A batch is taken when its turn on the connection comes,
 * so concurrent flushes share one append and one commit (group commit).
 *
 * Failure semantics: a batch is appended as a unit; when any row in it fails (a constraint or a
 * conversion error), the batch is dropped and the error is reported: `flush()`/`writeNow()`
 * reject with it; a timer or size-triggered flush passes it to `onError`, or, when none is given,
 * keeps it and rejects the next `flush()` or `close()` with it.
 */
import { DuckDBDataChunkWriter, JSToDuckDBValueConverter } from '@duckdb/node-api';
import type { DuckDBAppender, JS } from '@duckdb/node-api';
import { RouterError, StoreError } from '../core/index.js';
import { withTransaction } from './db.js';
import type { Database, Session } from './db.js';
import { wrapStoreError } from './store-error.js';

/** DuckDB's standard vector size: the most rows one data chunk holds. */
export const MAX_BATCH_ROWS = 2048;

/** One row in table column order, as plain JS (Date for TIMESTAMP, arrays for lists). */
export type AppenderRow = readonly (JS | null)[];

/** Options for {@link createBatchWriter}. */
export interface BatchWriterOptions<Row> {
  readonly db: Database;
  /** Target table (a trusted identifier from this module, never request data). */
  readonly table: string;
  /** Map one record to the table's columns, in table order. */
  readonly toRow: (row: Row) => AppenderRow;
  /**
   * Flush once this many rows are buffered; 1 to 2,048.
   * @default 2048
   */
  readonly maxRows?: number;
  /**
   * Flush this many milliseconds after the first buffered row; 0 disables the timer.
   * @default 1000
   */
  readonly flushIntervalMs?: number;
  /** Runs on the same connection right before each batch is appended (e.g. rows it refers to). */
  readonly beforeAppend?: (session: Session, rows: readonly Row[]) => Promise<void>;
  /** Runs on the same connection right after each appended batch (e.g. merge a staging table). */
  readonly afterAppend?: (session: Session) => Promise<void>;
  /** Receives failures of flushes nobody awaited (timer, size threshold). */
  readonly onError?: (error: StoreError) => void;
  /**
   * Write each batch, `beforeAppend` and `afterAppend` included, in one transaction (neither hook
   * may open its own). The batch then costs one commit, run off the event loop, where the
   * appender alone commits inside its synchronous flush (WAL write and sync on the event loop)
   * and each hook statement commits on its own.
   * @default false
   */
  readonly transaction?: boolean;
  /** Runs once a batch is stored (committed, with `transaction`); not for a failed batch. */
  readonly onWritten?: (rows: readonly Row[]) => void;
}

/** A buffered appender-backed writer for one table. */
export interface BatchWriter<Row> {
  /** Buffer a row; it is written on the next size, timer, explicit or close flush. */
  enqueue(row: Row): void;
  /** Buffer rows and flush, resolving once everything buffered so far is in the table. */
  writeNow(rows: readonly Row[]): Promise<void>;
  /** Write every buffered row; resolves when they (and earlier in-flight batches) are stored. */
  flush(): Promise<void>;
  /** Rows buffered and not yet queued for DuckDB. */
  readonly pending: number;
  /** Flush, stop the timer and refuse further rows. Idempotent. */
  close(): Promise<void>;
}

/** Where {@link appendRows} writes: a table, optionally in another schema or catalog (`temp`). */
export interface AppendTarget {
  readonly table: string;
  readonly schema?: string;
  readonly catalog?: string;
}

/** Rows converted between event-loop yields during an append. */
const YIELD_EVERY_ROWS = 128;

/**
 * Append rows with one appender, in data chunks of at most 2,048 rows, and close it. On failure
 * the appender's unflushed rows are discarded and a StoreError is thrown; rows of chunks already
 * flushed stay (wrap the call in a transaction when all-or-nothing matters).
 */
export async function appendRows(
  session: Session,
  target: AppendTarget,
  rows: Iterable<AppenderRow>,
): Promise<void> {
  let appender: DuckDBAppender | undefined;
  let count = 0;
  try {
    appender = await session.connection.createAppender(
      target.table,
      target.schema ?? null,
      target.catalog ?? null,
    );
    const writer = DuckDBDataChunkWriter.forAppender(appender, {
      converter: JSToDuckDBValueConverter,
      rowsPerDataChunk: MAX_BATCH_ROWS,
    });
    for (const row of rows) {
      writer.appendRow(row);
      count++;
      // Converting and flushing rows is synchronous: hand them to DuckDB and yield to the event
      // loop every few rows, so a large batch does not stall in-flight HTTP requests (the session
      // still holds the connection meanwhile). One flushSync of 512 decisions held the event loop
      // for 7.3 ms; in pieces of 128, for at most 3.9 ms at a time.
      if (count % YIELD_EVERY_ROWS === 0) {
        writer.flush();
        appender.flushSync();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    writer.flush();
    appender.flushSync();
    appender.closeSync();
    appender = undefined;
  } catch (error: unknown) {
    if (appender !== undefined) {
      appender.clear();
      try {
        appender.closeSync();
      } catch {
        // Already failed; the original error is the one to report.
      }
    }
    throw wrapStoreError(error, {
      context: `append rows to ${target.table} (row ${count})`,
      sql: `APPEND INTO ${target.table}`,
    });
  }
}

async function appendBatch<Row>(
  session: Session,
  options: BatchWriterOptions<Row>,
  rows: readonly Row[],
): Promise<void> {
  if (options.transaction === true) {
    await withTransaction(session.connection, () => appendBatchSteps(session, options, rows));
  } else {
    await appendBatchSteps(session, options, rows);
  }
  options.onWritten?.(rows);
}

async function appendBatchSteps<Row>(
  session: Session,
  options: BatchWriterOptions<Row>,
  rows: readonly Row[],
): Promise<void> {
  if (options.beforeAppend !== undefined) {
    try {
      await options.beforeAppend(session, rows);
    } catch (error: unknown) {
      throw wrapStoreError(error, { context: `prepare rows for ${options.table}` });
    }
  }
  await appendRows(
    session,
    { table: options.table },
    // Lazily mapped, so a throwing toRow is reported like any other append failure.
    (function* mapped() {
      for (const row of rows) yield options.toRow(row);
    })(),
  );
  if (options.afterAppend !== undefined) await options.afterAppend(session);
}

/** Create a batch writer; it registers itself to flush and close when `db` closes. */
export function createBatchWriter<Row>(options: BatchWriterOptions<Row>): BatchWriter<Row> {
  const maxRows = options.maxRows ?? MAX_BATCH_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 1 || maxRows > MAX_BATCH_ROWS) {
    throw new RouterError('CONFIG_INVALID', `batch maxRows must be 1..${MAX_BATCH_ROWS}`, {
      details: { maxRows },
    });
  }
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  /** Rows collect in the open batch; it keeps taking rows until its turn on the connection. */
  interface Batch {
    readonly rows: Row[];
    /** Settles once the batch is in the table; set when the batch is queued. */
    written?: Promise<void>;
    /** A flush() waits on it, so its failure reaches that caller instead of onError. */
    awaited: boolean;
  }
  const newBatch = (): Batch => ({ rows: [], awaited: false });
  let open = newBatch();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deferredError: StoreError | undefined;
  let closed = false;
  let closePromise: Promise<void> | undefined;

  function report(error: unknown): void {
    const wrapped = wrapStoreError(error, { context: `background flush of ${options.table}` });
    if (options.onError !== undefined) options.onError(wrapped);
    else deferredError ??= wrapped;
  }

  function takeDeferred(): void {
    const error = deferredError;
    deferredError = undefined;
    if (error !== undefined) throw error;
  }

  function stopTimer(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  /**
   * Queue the open batch on the connection (once). It is taken only when its turn comes, so rows
   * enqueued meanwhile, by other callers' flushes too, ride in the same append and commit (group
   * commit); every flush that joined it settles with it. The queue is FIFO, so earlier batches
   * finish first, and an empty batch's turn is a wait for them.
   */
  function schedule(): Batch {
    stopTimer();
    const batch = open;
    batch.written ??= options.db.use((session) => {
      if (open === batch) open = newBatch();
      return batch.rows.length === 0
        ? Promise.resolve()
        : appendBatch(session, options, batch.rows);
    });
    return batch;
  }

  function backgroundDrain(): void {
    const batch = schedule();
    batch.written?.catch((error: unknown) => {
      if (!batch.awaited) report(error);
    });
  }

  function assertOpen(): void {
    if (closed) {
      throw new StoreError(`batch writer for ${options.table} is closed`, {
        details: { table: options.table },
      });
    }
  }

  async function flush(): Promise<void> {
    const batch = schedule();
    batch.awaited = true;
    await batch.written;
    takeDeferred();
  }

  const writer: BatchWriter<Row> = {
    enqueue(row) {
      assertOpen();
      open.rows.push(row);
      if (open.rows.length >= maxRows) {
        backgroundDrain();
        // A full batch takes no more rows, even before its turn comes.
        open = newBatch();
      } else if (timer === undefined && open.written === undefined && flushIntervalMs > 0) {
        timer = setTimeout(backgroundDrain, flushIntervalMs);
        // A pending flush must not keep the process alive; close() flushes on shutdown.
        timer.unref();
      }
    },
    async writeNow(rows) {
      assertOpen();
      for (const row of rows) open.rows.push(row);
      await flush();
    },
    flush,
    get pending() {
      // Rows of a queued batch are written before any later turn on the connection (FIFO).
      return open.written === undefined ? open.rows.length : 0;
    },
    close() {
      if (closePromise === undefined) {
        closed = true;
        closePromise = flush();
      }
      return closePromise;
    },
  };
  options.db.onClose(() => writer.close());
  return writer;
}
