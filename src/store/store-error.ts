import { StoreError, isRouterError } from '../core/index.js';
import type { RouterErrorCode } from '../core/index.js';

/**
 * DuckDB error classes whose first message line never echoes bound values (they quote SQL text,
 * identifiers or file paths). Others (Constraint, Conversion, Invalid Input, ...) can quote row
 * data, so only their class reaches our message; the full text stays in `cause`.
 */
const SAFE_ERROR_TYPES = new Set([
  'Parser Error',
  'Catalog Error',
  'Binder Error',
  'IO Error',
  'Transaction Error',
  'TransactionContext Error',
  'Connection Error',
]);

const LOCK_PATTERN = /Could not set lock on file/i;
const CORRUPT_PATTERNS = [
  /not a valid DuckDB database file/i,
  /database file .* corrupt/i,
  /Corrupt database file/i,
  /checksum/i,
  /Trying to read a database file with version number/i,
];

/** The `<Type> Error` prefix DuckDB puts on its messages, or 'Error' when absent. */
function duckdbErrorType(message: string): string {
  const match = /^([A-Za-z]+(?: [A-Za-z]+)? Error):/.exec(message);
  return match?.[1] ?? 'Error';
}

/** Options for {@link wrapStoreError}. */
export interface WrapOptions {
  /** What the store was doing, e.g. `insert decision`. */
  readonly context: string;
  /** The SQL text that failed (never the bound values). */
  readonly sql?: string;
  /** The database file, for lock and corruption errors. */
  readonly path?: string;
}

/**
 * Turn anything DuckDB (or the bindings) threw into a StoreError with a code: STORE_LOCKED when
 * another process holds the file, STORE_CORRUPT when the file is not a readable database,
 * STORE_FAILED otherwise. RouterErrors pass through unchanged.
 */
export function wrapStoreError(error: unknown, options: WrapOptions): StoreError {
  if (error instanceof StoreError) return error;
  if (isRouterError(error)) {
    return new StoreError(`${options.context}: ${error.message}`, {
      code: error.code,
      cause: error,
      ...(options.sql === undefined ? {} : { sql: options.sql }),
    });
  }
  const raw = error instanceof Error ? error.message : String(error);
  const type = duckdbErrorType(raw);
  const firstLine = raw.split('\n', 1)[0] ?? raw;
  let code: RouterErrorCode = 'STORE_FAILED';
  if (LOCK_PATTERN.test(raw)) code = 'STORE_LOCKED';
  else if (CORRUPT_PATTERNS.some((pattern) => pattern.test(raw))) code = 'STORE_CORRUPT';
  const summary = SAFE_ERROR_TYPES.has(type) ? firstLine : type;
  return new StoreError(`${options.context}: ${summary}`, {
    code,
    cause: error,
    details: {
      duckdbErrorType: type,
      ...(options.path === undefined ? {} : { path: options.path }),
    },
    ...(options.sql === undefined ? {} : { sql: options.sql }),
  });
}
