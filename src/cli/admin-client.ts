/**
 * A small client for the running service's admin endpoints (`arbiter promote`, `rollback`,
 * `snapshot`): the service's error answers come back as RouterErrors with the same code.
 */
import {
  ROUTER_ERROR_CODES,
  RouterError,
  errorMessage,
  type RouterErrorCode,
} from '../core/index.js';

/** Flags every admin verb takes. */
export const ADMIN_FLAGS = {
  url: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Help text of those flags. */
export const ADMIN_FLAGS_HELP = `  --url URL     the running service (default http://$HOST:$PORT, i.e. http://127.0.0.1:8080)
  --key KEY     an admin API key (default $ARBITER_ADMIN_KEY); see arbiter keys add --role admin
  -h, --help    show this help
`;

/** Where the service listens and the admin key, from flags or the environment. */
export function adminTarget(
  values: { readonly url?: string | undefined; readonly key?: string | undefined },
  env: Readonly<Record<string, string | undefined>> = process.env,
): { url: string; key: string } {
  const key = values.key ?? env['ARBITER_ADMIN_KEY'];
  if (key === undefined || key.length === 0) {
    throw new RouterError(
      'INPUT_INVALID',
      'an admin API key is required: --key arb_... or ARBITER_ADMIN_KEY (arbiter keys add --role admin)',
    );
  }
  const url = values.url ?? `http://${env['HOST'] ?? '127.0.0.1'}:${env['PORT'] ?? '8080'}`;
  return { url: url.replace(/\/+$/u, ''), key };
}

function asCode(value: unknown): RouterErrorCode {
  return (ROUTER_ERROR_CODES as readonly unknown[]).includes(value)
    ? (value as RouterErrorCode)
    : 'INTERNAL';
}

/** POST `body` to `path` with the admin key; the JSON answer, or the service's error rethrown. */
export async function adminPost(options: {
  readonly url: string;
  readonly key: string;
  readonly path: string;
  readonly body?: unknown;
}): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${options.url}${options.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(options.body ?? {}),
    });
  } catch (error: unknown) {
    throw new RouterError(
      'UPSTREAM_UNAVAILABLE',
      `no Arbiter service answers at ${options.url} (${errorMessage(error)}): start it with arbiter serve, or pass --url`,
      { cause: error },
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } })
      ?.error;
    throw new RouterError(
      asCode(error?.code),
      typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
      error?.details === undefined ? {} : { details: error.details as Record<string, unknown> },
    );
  }
  return parsed;
}
