/**
 * Buffered writes for PostgreSQL, with the DuckDB batch writer's contract (../batch-writer.ts):
 * rows collect in memory and are written as one transaction of multi-row INSERTs on a size
 * threshold, on a timer, on `flush()` and on close. Batches are written one after another; rows
 * enqueued while a batch is being written ride in the next one, so concurrent flushes share a
 * commit (group commit). A failed batch rejects the flushes that waited on it; one nobody awaited
 * goes to `onError`, or, without one, rejects the next flush() or close().
 */
import { RouterError, StoreError } from '../../core/index.js';
import type { PgDatabase, PgQueryable } from './pg-database.js';
import { wrapPgError } from './pg-error.js';

/** Options for {@link createPgBatchWriter}. */
export interface PgBatchWriterOptions<Row> {
  readonly db: PgDatabase;
  /** Name for errors (the target table). */
  readonly table: string;
  /** Write `rows` inside the batch's transaction. */
  readonly write: (tx: PgQueryable, rows: readonly Row[]) => Promise<void>;
  /** Flush once this many rows are buffered. @default 2048 */
  readonly maxRows?: number;
  /** Flush this long after the first buffered row, ms; 0 disables. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Failures of flushes nobody awaited. */
  readonly onError?: (error: StoreError) => void;
}

/** A buffered writer for one table. */
export interface PgBatchWriter<Row> {
  /** Buffer a row. */
  enqueue(row: Row): void;
  /** Buffer rows and flush. */
  writeNow(rows: readonly Row[]): Promise<void>;
  /** Write every buffered row; resolves when they (and earlier batches) are committed. */
  flush(): Promise<void>;
  /** Rows buffered and not yet being written. */
  readonly pending: number;
  /** Flush and refuse further rows. Idempotent. */
  close(): Promise<void>;
}

/** Create a writer; it flushes and closes when `db` closes. */
export function createPgBatchWriter<Row>(options: PgBatchWriterOptions<Row>): PgBatchWriter<Row> {
  const maxRows = options.maxRows ?? 2048;
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    throw new RouterError('CONFIG_INVALID', 'batch maxRows must be a positive integer', {
      details: { maxRows },
    });
  }
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  let buffer: Row[] = [];
  /** The batch written next, shared by every flush that asks before its turn comes. */
  let next: { promise: Promise<void>; awaited: boolean } | undefined;
  let tail: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let deferred: StoreError | undefined;
  let closed = false;
  let closePromise: Promise<void> | undefined;

  function stopTimer(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  }

  /** Queue a write of whatever is buffered when its turn comes (after earlier batches). */
  function schedule(): { promise: Promise<void>; awaited: boolean } {
    stopTimer();
    if (next !== undefined) return next;
    const entry = { promise: Promise.resolve(), awaited: false };
    entry.promise = tail.then(async () => {
      if (next === entry) next = undefined;
      const rows = buffer;
      buffer = [];
      if (rows.length === 0) return;
      try {
        await options.db.transaction((tx) => options.write(tx, rows));
      } catch (error: unknown) {
        throw wrapPgError(error, { context: `write ${rows.length} rows to ${options.table}` });
      }
    });
    tail = entry.promise.catch(() => undefined);
    next = entry;
    return entry;
  }

  function background(): void {
    const entry = schedule();
    entry.promise.catch((error: unknown) => {
      if (entry.awaited) return;
      const wrapped = wrapPgError(error, { context: `background flush of ${options.table}` });
      if (options.onError !== undefined) options.onError(wrapped);
      else deferred ??= wrapped;
    });
  }

  async function flush(): Promise<void> {
    const entry = schedule();
    entry.awaited = true;
    await entry.promise;
    const error = deferred;
    deferred = undefined;
    if (error !== undefined) throw error;
  }

  function assertOpen(): void {
    if (closed) {
      throw new StoreError(`batch writer for ${options.table} is closed`, {
        details: { table: options.table },
      });
    }
  }

  const writer: PgBatchWriter<Row> = {
    enqueue(row) {
      assertOpen();
      buffer.push(row);
      if (buffer.length >= maxRows) background();
      else if (timer === undefined && next === undefined && flushIntervalMs > 0) {
        timer = setTimeout(background, flushIntervalMs);
        timer.unref();
      }
    },
    async writeNow(rows) {
      assertOpen();
      buffer.push(...rows);
      await flush();
    },
    flush,
    get pending() {
      return next === undefined ? buffer.length : 0;
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
