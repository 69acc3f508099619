/**
 * PostgreSQL failures as coded StoreErrors. node-postgres throws `DatabaseError` with a SQLSTATE
 * `code` for server errors and plain Node errors (ECONNREFUSED, "Connection terminated") for
 * transport failures. Only classes whose primary message never quotes bound values reach our
 * message; the full error stays in `cause`.
 */
import { StoreError, isRouterError } from '../../core/index.js';

/**
 * SQLSTATE classes whose primary message names objects, not row data: 08 connection, 23 integrity
 * (values go to `detail`, not the message), 25 transaction state, 40 rollback, 42 syntax or access,
 * 53 resources, 57 operator intervention. Class 22 (data exception) quotes input: left out.
 */
const SAFE_CLASSES = new Set(['08', '23', '25', '40', '42', '53', '57']);

/** Node-level errors that mean the server is not reachable right now. */
const TRANSPORT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND']);
const TRANSPORT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/** Options for {@link wrapPgError}. */
export interface WrapPgOptions {
  /** What the store was doing, e.g. `insert decision`. */
  readonly context: string;
  /** The SQL text that failed (never the bound values). */
  readonly sql?: string;
  /** The database URL (already redacted). */
  readonly url?: string;
}

/** The URL without its password, for messages and `Store.path`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = error.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when `error` says the server is unreachable, restarting or shutting down: the caller can
 * retry later (the HTTP layer answers 503 with retry-after).
 */
export function isPgUnavailable(error: unknown): boolean {
  const code = sqlState(error);
  if (code !== undefined) {
    if (TRANSPORT_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P') || code === '53300') return true;
  }
  const message = error instanceof Error ? error.message : String(error);
  return TRANSPORT_MESSAGES.some((pattern) => pattern.test(message));
}

/**
 * Turn anything node-postgres threw into a StoreError (code STORE_FAILED) with `details.sqlState`
 * and `details.unavailable` (true when retrying later can succeed). RouterErrors pass through.
 */
export function wrapPgError(error: unknown, options: WrapPgOptions): StoreError {
  if (error instanceof StoreError) return error;
  if (isRouterError(error)) {
    return new StoreError(`${options.context}: ${error.message}`, {
      code: error.code,
      cause: error,
      ...(options.sql === undefined ? {} : { sql: options.sql }),
    });
  }
  const state = sqlState(error);
  const unavailable = isPgUnavailable(error);
  const raw = error instanceof Error ? error.message : String(error);
  const safe =
    unavailable ||
    (state !== undefined && /^[0-9A-Z]{5}$/.test(state) && SAFE_CLASSES.has(state.slice(0, 2)));
  const summary = safe ? (raw.split('\n', 1)[0] ?? raw) : `SQLSTATE ${state ?? 'unknown'}`;
  return new StoreError(`${options.context}: ${summary}`, {
    code: 'STORE_FAILED',
    cause: error,
    details: {
      ...(state === undefined ? {} : { sqlState: state }),
      unavailable,
      ...(options.url === undefined ? {} : { url: options.url }),
    },
    ...(options.sql === undefined ? {} : { sql: options.sql }),
  });
}
