/**
 * The project's one error type. Every failure that crosses a module boundary is a RouterError with a
 * stable `code`; tests and HTTP mapping use the code, never the message text.
 */
export const ROUTER_ERROR_CODES = [
  'CONFIG_INVALID',
  'CATALOG_INVALID',
  'MODEL_UNKNOWN',
  'NO_ELIGIBLE_ARM',
  'EMBEDDING_FAILED',
  'EMBEDDER_UNAVAILABLE',
  'INPUT_INVALID',
  'STORE_FAILED',
  'STORE_LOCKED',
  'STORE_CORRUPT',
  'ARTIFACT_INVALID',
  'ARTIFACT_REGRESSION',
  'ROLLBACK_UNAVAILABLE',
  'POLICY_STATE_INVALID',
  'DATA_INVALID',
  'DATA_MISSING',
  'DECISION_UNKNOWN',
  'FEEDBACK_DUPLICATE',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'PII_BLOCKED',
  'BUDGET_EXCEEDED',
  'UPSTREAM_FAILED',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
] as const;

/** A stable, machine-readable error code. */
export type RouterErrorCode = (typeof ROUTER_ERROR_CODES)[number];

/** Options for constructing a {@link RouterError}. */
export interface RouterErrorOptions {
  /** The underlying error (ES2022 cause). */
  readonly cause?: unknown;
  /** Small, JSON-safe context (file, field, model id, ...). Never secrets or bound SQL values. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Base error for everything Arbiter throws on purpose. */
export class RouterError extends Error {
  readonly code: RouterErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: RouterErrorCode, message: string, options: RouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RouterError';
    this.code = code;
    this.details = options.details;
  }
}

/** A store failure; carries the SQL text (never the bound values). */
export class StoreError extends RouterError {
  readonly sql: string | undefined;

  constructor(
    message: string,
    options: RouterErrorOptions & { sql?: string; code?: RouterErrorCode } = {},
  ) {
    super(options.code ?? 'STORE_FAILED', message, options);
    this.name = 'StoreError';
    this.sql = options.sql;
  }
}

/** True when `error` is a RouterError, optionally with the given code. */
export function isRouterError(error: unknown, code?: RouterErrorCode): error is RouterError {
  return error instanceof RouterError && (code === undefined || error.code === code);
}

/** A readable message for any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
