import { RouterError } from '../core/index.js';

/**
 * How long the HTTP server waits for a client to send its request. They bound what a slow or
 * stalled client can hold (a socket, a parser, a body buffer); answers, proxied streams included,
 * are not limited by them.
 */
export interface ServerTimeouts {
  /** From connection (or the previous answer) to the end of the request headers, ms. @default 10000 */
  readonly headersMs: number;
  /** From connection (or the previous answer) to the end of the request body, ms. @default 30000 */
  readonly requestMs: number;
  /** Idle keep-alive connections are closed after this, ms. @default 72000 */
  readonly keepAliveMs: number;
}

/** Defaults of {@link ServerTimeouts}. */
export const DEFAULT_SERVER_TIMEOUTS: ServerTimeouts = Object.freeze({
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 72_000,
});

const TIMEOUT_ENV = {
  headersMs: 'ARBITER_HEADERS_TIMEOUT_MS',
  requestMs: 'ARBITER_REQUEST_TIMEOUT_MS',
  keepAliveMs: 'ARBITER_KEEP_ALIVE_TIMEOUT_MS',
} as const satisfies Record<keyof ServerTimeouts, string>;

const MAX_TIMEOUT_MS = 3_600_000;

/**
 * Read the timeouts from `ARBITER_HEADERS_TIMEOUT_MS`, `ARBITER_REQUEST_TIMEOUT_MS` and
 * `ARBITER_KEEP_ALIVE_TIMEOUT_MS` over the defaults; CONFIG_INVALID naming the variable for a value
 * that is not an integer in [1, 3600000], or a headers timeout above the request timeout.
 */
export function loadServerTimeouts(
  env: Readonly<Record<string, string | undefined>>,
): ServerTimeouts {
  const values: Record<keyof ServerTimeouts, number> = { ...DEFAULT_SERVER_TIMEOUTS };
  for (const [field, name] of Object.entries(TIMEOUT_ENV) as [keyof ServerTimeouts, string][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
      throw new RouterError(
        'CONFIG_INVALID',
        `invalid configuration ${name}: expected an integer in [1, ${MAX_TIMEOUT_MS}]`,
        { details: { env: name } },
      );
    }
    values[field] = value;
  }
  return checkServerTimeouts(values);
}

/** Validate a set of timeouts (Node requires headers <= request). */
export function checkServerTimeouts(timeouts: ServerTimeouts): ServerTimeouts {
  if (timeouts.headersMs > timeouts.requestMs) {
    throw new RouterError(
      'CONFIG_INVALID',
      `invalid configuration ${TIMEOUT_ENV.headersMs}: must not exceed ${TIMEOUT_ENV.requestMs}`,
      { details: { env: TIMEOUT_ENV.headersMs } },
    );
  }
  return Object.freeze({ ...timeouts });
}

/**
 * How often Node sweeps connections for expired headers/request timers, ms. Node's default (30 s)
 * would let a stalled client outlive a 10 s headers timeout by up to 30 s.
 */
export function timeoutCheckIntervalMs(timeouts: ServerTimeouts): number {
  return Math.max(5, Math.min(1_000, Math.floor(timeouts.headersMs / 4)));
}
