import { RouterError } from '../core/index.js';

/** One provider's OpenAI-compatible chat-completions API. */
export interface Upstream {
  /** The catalog `provider` this upstream serves (lower case, as written in the catalog). */
  readonly provider: string;
  /** Base URL; requests go to `<baseUrl>/chat/completions` (e.g. `https://api.openai.com/v1`). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omitted for keyless gateways. Never logged. */
  readonly apiKey?: string;
}

/** Failover limits of proxy mode. */
export interface ProxySettings {
  /**
   * Per attempt, ms: time to the whole response (JSON) or to the first complete SSE event (stream).
   * @default 60000
   */
  readonly attemptTimeoutMs: number;
  /** From the request's arrival, ms: no attempt starts or keeps waiting for its answer after it. @default 120000 */
  readonly deadlineMs: number;
  /** Upstream calls per request, the first included. @default 3 */
  readonly maxAttempts: number;
  /** Longest silence between SSE events once a stream is being forwarded, ms. @default 60000 */
  readonly streamIdleTimeoutMs: number;
  /**
   * Longest a stream may run from its attempt's start, however steadily it trickles, ms; then it
   * ends with an error event (`timeout`). @default 600000
   */
  readonly streamMaxMs: number;
  /** Longest `retry-after` honoured (longer values are capped), ms. @default 600000 */
  readonly maxCooldownMs: number;
  /** Largest upstream response body read (JSON or one error body), bytes. @default 16777216 */
  readonly maxResponseBytes: number;
}

/** Upstreams by normalized provider name, plus the failover limits. */
export interface UpstreamConfig {
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly settings: ProxySettings;
}

/** Defaults of {@link ProxySettings}. */
export const DEFAULT_PROXY_SETTINGS: ProxySettings = Object.freeze({
  attemptTimeoutMs: 60_000,
  deadlineMs: 120_000,
  maxAttempts: 3,
  streamIdleTimeoutMs: 60_000,
  streamMaxMs: 600_000,
  maxCooldownMs: 600_000,
  maxResponseBytes: 16 * 1024 * 1024,
});

/** Env variable of each setting, with its bounds. */
const SETTING_ENV = {
  attemptTimeoutMs: { env: 'ARBITER_PROXY_ATTEMPT_TIMEOUT_MS', min: 1, max: 3_600_000 },
  deadlineMs: { env: 'ARBITER_PROXY_DEADLINE_MS', min: 1, max: 3_600_000 },
  maxAttempts: { env: 'ARBITER_PROXY_MAX_ATTEMPTS', min: 1, max: 20 },
  streamIdleTimeoutMs: { env: 'ARBITER_PROXY_STREAM_IDLE_TIMEOUT_MS', min: 1, max: 3_600_000 },
  streamMaxMs: { env: 'ARBITER_PROXY_STREAM_MAX_MS', min: 1, max: 86_400_000 },
  maxCooldownMs: { env: 'ARBITER_PROXY_MAX_COOLDOWN_MS', min: 0, max: 86_400_000 },
  maxResponseBytes: { env: 'ARBITER_PROXY_MAX_RESPONSE_BYTES', min: 1024, max: 1_073_741_824 },
} as const satisfies Record<keyof ProxySettings, { env: string; min: number; max: number }>;

const UPSTREAM_ENV = /^ARBITER_UPSTREAM_([A-Z0-9_]+)_(URL|KEY)$/u;

/** The env-name form of a catalog provider: upper case, other characters as `_` (`mistral-ai` → `MISTRAL_AI`). */
export function providerEnvName(provider: string): string {
  return provider.toUpperCase().replace(/[^A-Z0-9]/gu, '_');
}

/** The upstream serving a catalog provider, if one is configured. */
export function upstreamFor(config: UpstreamConfig, provider: string): Upstream | undefined {
  return config.upstreams.get(providerEnvName(provider));
}

/** A config with the given upstreams (keyed by provider) and settings over the defaults (tests, embedding). */
export function createUpstreamConfig(options: {
  readonly upstreams: readonly Upstream[];
  readonly settings?: Partial<ProxySettings>;
}): UpstreamConfig {
  const upstreams = new Map<string, Upstream>();
  for (const upstream of options.upstreams) {
    const name = providerEnvName(upstream.provider);
    checkUrl(upstream.baseUrl, `upstream ${upstream.provider}`);
    upstreams.set(name, Object.freeze({ ...upstream, baseUrl: trimSlash(upstream.baseUrl) }));
  }
  return Object.freeze({
    upstreams,
    settings: Object.freeze({ ...DEFAULT_PROXY_SETTINGS, ...options.settings }),
  });
}

/**
 * Read upstreams from `ARBITER_UPSTREAM_<PROVIDER>_URL` / `_KEY` and the failover limits from
 * `ARBITER_PROXY_*`. A key without a URL, a URL that is not http(s) or a setting out of bounds fails
 * with CONFIG_INVALID naming the variable.
 */
export function loadUpstreamConfig(
  env: Readonly<Record<string, string | undefined>>,
): UpstreamConfig {
  const urls = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    const match = UPSTREAM_ENV.exec(name);
    if (match === null || value === undefined || value.trim() === '') continue;
    const [, provider = '', kind] = match;
    (kind === 'URL' ? urls : keys).set(provider, value.trim());
  }
  for (const provider of keys.keys()) {
    if (!urls.has(provider)) {
      throw new RouterError(
        'CONFIG_INVALID',
        `ARBITER_UPSTREAM_${provider}_KEY is set but ARBITER_UPSTREAM_${provider}_URL is not`,
        { details: { env: `ARBITER_UPSTREAM_${provider}_URL` } },
      );
    }
  }
  const upstreams: Upstream[] = [];
  for (const [provider, url] of urls) {
    checkUrl(url, `ARBITER_UPSTREAM_${provider}_URL`);
    const apiKey = keys.get(provider);
    upstreams.push({
      provider: provider.toLowerCase(),
      baseUrl: url,
      ...(apiKey === undefined ? {} : { apiKey }),
    });
  }
  const settings: Partial<Record<keyof ProxySettings, number>> = {};
  for (const [field, spec] of Object.entries(SETTING_ENV) as [
    keyof ProxySettings,
    (typeof SETTING_ENV)[keyof ProxySettings],
  ][]) {
    const raw = env[spec.env];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new RouterError(
        'CONFIG_INVALID',
        `invalid configuration ${spec.env}: expected an integer in [${spec.min}, ${spec.max}]`,
        { details: { env: spec.env, field } },
      );
    }
    settings[field] = value;
  }
  return createUpstreamConfig({ upstreams, settings });
}

function checkUrl(url: string, name: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error: unknown) {
    throw new RouterError('CONFIG_INVALID', `invalid configuration ${name}: not a URL`, {
      cause: error,
      details: { env: name },
    });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RouterError('CONFIG_INVALID', `invalid configuration ${name}: use http or https`, {
      details: { env: name },
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Credentials belong in _KEY; a URL with them would end up in logs.
    throw new RouterError(
      'CONFIG_INVALID',
      `invalid configuration ${name}: no credentials in the URL`,
      {
        details: { env: name },
      },
    );
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/u, '');
}

/**
 * One warning per `ARBITER_UPSTREAM_<NAME>_URL` / `_KEY` whose NAME is no catalog provider (for
 * instance `ARBITER_UPSTREAM_META_URL` when the catalog's `meta/...` models are served by `together`):
 * such a variable is otherwise silently unused. Each warning lists the valid variable names.
 */
export function unmatchedUpstreamWarnings(
  env: Readonly<Record<string, string | undefined>>,
  providers: readonly string[],
): string[] {
  const known = [...new Set(providers.map(providerEnvName))].sort();
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    const match = UPSTREAM_ENV.exec(name);
    if (match === null || known.includes(match[1] ?? '')) continue;
    warnings.push(
      `${name} matches no catalog provider and is ignored; upstreams are named after the catalog ` +
        `"provider" field (not the model id prefix): ` +
        known.map((provider) => `ARBITER_UPSTREAM_${provider}_URL`).join(', '),
    );
  }
  return warnings;
}
