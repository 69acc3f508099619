/**
 * The decision journal: what makes a routed decision durable before its id goes out, without a
 * DuckDB commit per request.
 *
 * Appending a decision to DuckDB costs about 3 ms per batch whatever its size (the appender's
 * flush, synchronous on the event loop, sets up 24 columns of transaction-local storage; the commit
 * merges them), and the service used to pay it for every group of concurrent requests: at 8
 * connections, half the latency of a decision and a third of the event loop went to it
 * (benchmarks/results/http-load.md, K). The journal makes the decision durable instead with one
 * `write` + `fdatasync` of a JSON line (about 0.25 ms here, on the thread pool, shared by every
 * decision that arrives meanwhile: group commit). The same decision is buffered for the table and
 * reaches it in large batches (every second, or 2,048 rows, or sooner when a reader flushes).
 *
 * Files: `<database file>.decisions.<n>.jsonl`, one segment at a time. A segment is closed once it
 * holds {@link SEGMENT_BYTES}, or as soon as every decision in it is in the table, and deleted when
 * both hold. After a crash, {@link readJournal} hands back what the segments hold (a torn last line
 * is ignored: its writer never got its sync, so its id never went out) and the store writes the
 * decisions the table lacks before it serves.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StoreError } from '../core/index.js';
import type { DecisionRecord } from './decision-repo.js';

/** A segment is closed after this many bytes (about 3,000 decisions). */
export const SEGMENT_BYTES = 8 * 1024 * 1024;

/** Typed arrays a record may carry (the embedding; vectors in `features`). */
const TYPED = {
  Float32Array,
  Float64Array,
  Int8Array,
  Uint8Array,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
} as const;
type TypedName = keyof typeof TYPED;

/** One journal line: the record as JSON, typed arrays as base64 of their bytes. */
export function encodeJournalLine(record: DecisionRecord): string {
  return `${JSON.stringify(record, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const name = value.constructor.name;
      if (name in TYPED) {
        const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        return { $typed: name, base64: bytes.toString('base64') };
      }
    }
    return value;
  })}\n`;
}

/** The record of one journal line; throws on a line that is not one (a torn write). */
export function decodeJournalLine(line: string): DecisionRecord {
  const record = JSON.parse(line, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && '$typed' in value && 'base64' in value) {
      const { $typed: name, base64 } = value as { $typed: string; base64: string };
      if (!(name in TYPED) || typeof base64 !== 'string') return value;
      const bytes = Buffer.from(base64, 'base64');
      const Ctor = TYPED[name as TypedName];
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return new Ctor(copy.buffer, 0, copy.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return value;
  }) as DecisionRecord;
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.id !== 'string' ||
    typeof record.createdAtMs !== 'number'
  ) {
    throw new SyntaxError('not a decision record');
  }
  return record;
}

/** The journal's segment files of `dbPath`, oldest first, with their sequence numbers. */
function journalSegments(dbPath: string): { seq: number; path: string }[] {
  const dir = dirname(dbPath);
  const prefix = `${basename(dbPath)}.decisions.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      if (!name.startsWith(prefix) || !name.endsWith('.jsonl')) return [];
      const seq = Number(name.slice(prefix.length, -'.jsonl'.length));
      return Number.isSafeInteger(seq) && seq >= 0 ? [{ seq, path: join(dir, name) }] : [];
    })
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Every decision the journal of `dbPath` holds, in write order (a repeated id keeps its first).
 * A segment's reading stops at its first line that does not parse: only a torn last write leaves
 * one, and no id from it was handed out.
 */
export function readJournal(dbPath: string): {
  records: DecisionRecord[];
  segments: { seq: number; path: string }[];
} {
  const segments = journalSegments(dbPath);
  const seen = new Set<string>();
  const records: DecisionRecord[] = [];
  for (const { path } of segments) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error: unknown) {
      // Deleted since the listing: every decision in it was in the table.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    const lines = text.split('\n');
    for (const line of lines) {
      if (line.length === 0) continue;
      let record: DecisionRecord;
      try {
        record = decodeJournalLine(line);
      } catch {
        break;
      }
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      records.push(record);
    }
  }
  return { records, segments };
}

/** Delete segment files (after their decisions are in the table). */
export function removeSegments(paths: readonly string[]): void {
  for (const path of paths) {
    try {
      unlinkSync(path);
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** An open journal; see the module comment. */
export interface DecisionJournal {
  /** Write the decision and sync; resolves once it survives a crash. */
  append(record: DecisionRecord): Promise<void>;
  /** These decisions are committed to the table: their segments may go. */
  stored(records: readonly DecisionRecord[]): void;
  /** Wait for writes in flight, close the segment and delete the segments fully stored. */
  close(): Promise<void>;
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  handle: FileHandle | undefined;
  bytes: number;
  /** Decisions written to it and not yet stored in the table. */
  outstanding: number;
  closed: boolean;
  removed: boolean;
  /** Retire it once the write in flight returns. */
  retireRequested: boolean;
}

interface Waiter {
  readonly record: DecisionRecord;
  readonly line: string;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Sync the directory, so a new segment's name survives a crash too. Windows cannot open a
 * directory for syncing; NTFS journals the name with the file's metadata.
 */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Open the journal of `dbPath`. `firstSeq` must be past every segment on disk (the store reads and
 * removes those first). `onError` receives failures nobody awaits (closing or deleting a segment).
 */
export function openDecisionJournal(options: {
  readonly dbPath: string;
  readonly firstSeq?: number;
  readonly segmentBytes?: number;
  readonly onError?: (error: StoreError) => void;
}): DecisionJournal {
  const dir = dirname(options.dbPath);
  mkdirSync(dir, { recursive: true });
  const limit = options.segmentBytes ?? SEGMENT_BYTES;
  let nextSeq = options.firstSeq ?? 0;
  let current: Segment | undefined;
  const live = new Map<number, Segment>();
  /** Which segment holds each written decision. */
  const segmentOf = new WeakMap<DecisionRecord, Segment>();
  /** Decisions stored in the table before their journal write finished. */
  const storedEarly = new WeakSet<DecisionRecord>();
  let queue: Waiter[] = [];
  let writing: Promise<void> | undefined;
  /** The segment a write is in flight on. */
  let inFlight: Segment | undefined;
  let closed = false;

  function report(error: unknown, context: string): void {
    const wrapped =
      error instanceof StoreError
        ? error
        : new StoreError(`decision journal: ${context}: ${(error as Error).message}`, {
            cause: error,
          });
    options.onError?.(wrapped);
  }

  /**
   * Close the segment (the next write opens a new one); delete it once nothing in it waits for
   * the table. A segment being written is closed when its write returns.
   */
  function retire(segment: Segment): void {
    if (segment === inFlight) {
      segment.retireRequested = true;
      return;
    }
    if (!segment.closed) {
      segment.closed = true;
      if (current === segment) current = undefined;
      const handle = segment.handle;
      segment.handle = undefined;
      handle?.close().catch((error: unknown) => report(error, `close ${segment.path}`));
    }
    if (segment.outstanding === 0 && !segment.removed) {
      segment.removed = true;
      live.delete(segment.seq);
      unlink(segment.path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          report(error, `delete ${segment.path}`);
        }
      });
    }
  }

  async function openSegment(): Promise<Segment> {
    const seq = nextSeq++;
    const path = `${options.dbPath}.decisions.${seq}.jsonl`;
    const handle = await open(path, 'a');
    const segment: Segment = {
      seq,
      path,
      handle,
      bytes: 0,
      outstanding: 0,
      closed: false,
      removed: false,
      retireRequested: false,
    };
    live.set(seq, segment);
    await syncDirectory(dir);
    return segment;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        if (current === undefined || current.bytes >= limit) {
          if (current !== undefined) retire(current);
          current = await openSegment();
        }
        const segment = current;
        const data = Buffer.from(batch.map((w) => w.line).join(''), 'utf8');
        for (const w of batch) {
          segmentOf.set(w.record, segment);
          if (!storedEarly.has(w.record)) segment.outstanding++;
        }
        segment.bytes += data.byteLength;
        inFlight = segment;
        try {
          await (segment.handle as FileHandle).write(data);
          await (segment.handle as FileHandle).datasync();
        } finally {
          inFlight = undefined;
          if (segment.retireRequested) retire(segment);
        }
        for (const w of batch) w.resolve();
      } catch (error: unknown) {
        // The segment may hold a torn line now; later decisions go to a fresh one.
        if (current !== undefined) retire(current);
        const wrapped = new StoreError(
          `decision journal write failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
        for (const w of batch) w.reject(wrapped);
      }
    }
  }

  function kick(): void {
    if (writing !== undefined) return;
    writing = drain().finally(() => {
      writing = undefined;
      if (queue.length > 0) kick();
    });
  }

  return {
    append(record) {
      if (closed) {
        return Promise.reject(new StoreError('decision journal is closed'));
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ record, line: encodeJournalLine(record), resolve, reject });
        kick();
      });
    },
    stored(records) {
      for (const record of records) {
        const segment = segmentOf.get(record);
        if (segment === undefined) {
          storedEarly.add(record);
          continue;
        }
        segmentOf.delete(record);
        segment.outstanding--;
        // Everything in it is in the table: close it (the next write opens a new one) and delete.
        if (segment.outstanding === 0) retire(segment);
      }
    },
    async close() {
      closed = true;
      while (writing !== undefined) await writing;
      for (const segment of [...live.values()]) retire(segment);
    },
  };
}
