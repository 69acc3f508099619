import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { RouterError } from '../core/index.js';
import { ConfigSchema, DEFAULT_RECENT_DECISIONS, type Config } from './schema.js';

/** Environment variable behind each config field, named in errors. */
export const CONFIG_ENV: Readonly<Record<keyof Config, string>> = {
  port: 'PORT',
  host: 'HOST',
  stateDir: 'ARBITER_STATE_DIR',
  dbPath: 'ARBITER_DB',
  databaseUrl: 'ARBITER_DATABASE_URL',
  replicaId: 'ARBITER_REPLICA_ID',
  catalogPath: 'ARBITER_CATALOG',
  artifactDir: 'ARBITER_ARTIFACT',
  embedder: 'ARBITER_EMBEDDER',
  embedderPath: 'ARBITER_EMBEDDER_PATH',
  logLevel: 'LOG_LEVEL',
  storePrompts: 'ARBITER_STORE_PROMPTS',
  retentionDays: 'ARBITER_RETENTION_DAYS',
  duckdbMemoryLimit: 'ARBITER_DUCKDB_MEMORY_LIMIT',
  allowAnonymousRoute: 'ARBITER_ALLOW_ANONYMOUS_ROUTE',
  keysFile: 'ARBITER_KEYS_FILE',
  bodyLimit: 'ARBITER_BODY_LIMIT',
  seed: 'ARBITER_SEED',
  policy: 'ARBITER_POLICY',
  tenantsFile: 'ARBITER_TENANTS_FILE',
  rateLimitPerMinute: 'ARBITER_RATE_LIMIT',
  learnCapPerHour: 'ARBITER_LEARN_CAP',
  recentDecisions: 'ARBITER_RECENT_DECISIONS',
};

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NUMERIC: ReadonlySet<keyof Config> = new Set([
  'port',
  'bodyLimit',
  'seed',
  'rateLimitPerMinute',
  'learnCapPerHour',
  'recentDecisions',
  'retentionDays',
]);
const BOOLEAN: ReadonlySet<keyof Config> = new Set(['storePrompts', 'allowAnonymousRoute']);

function coerce(key: keyof Config, raw: string): unknown {
  if (NUMERIC.has(key)) return raw.trim() === '' ? raw : Number(raw);
  if (BOOLEAN.has(key)) {
    if (/^(1|true|yes|on)$/iu.test(raw)) return true;
    if (/^(0|false|no|off)$/iu.test(raw)) return false;
    return raw;
  }
  return raw;
}

/**
 * Build the frozen Config from defaults, then environment variables, then explicit overrides
 * (CLI flags). Invalid values fail with CONFIG_INVALID naming the env var.
 */
export function loadConfig(
  options: { env?: NodeJS.ProcessEnv; overrides?: Partial<Config> } = {},
): Readonly<Config> {
  const env = options.env ?? process.env;
  const fromEnv: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(CONFIG_ENV) as [keyof Config, string][]) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') fromEnv[key] = coerce(key, raw);
  }
  const stateDir = (options.overrides?.stateDir ?? fromEnv.stateDir ?? 'data') as string;
  const merged: Record<string, unknown> = {
    port: 8080,
    host: '127.0.0.1',
    stateDir,
    dbPath: join(stateDir, 'arbiter.duckdb'),
    catalogPath: join(REPO_ROOT, 'models', 'catalog.json'),
    artifactDir: join(REPO_ROOT, 'models', 'default'),
    embedder: 'use-lite',
    logLevel: 'info',
    storePrompts: false,
    retentionDays: 0,
    allowAnonymousRoute: true,
    bodyLimit: 262_144,
    seed: 1,
    policy: 'residual',
    rateLimitPerMinute: 12_000,
    learnCapPerHour: 200,
    recentDecisions: DEFAULT_RECENT_DECISIONS,
    ...fromEnv,
    ...options.overrides,
  };
  if (!Value.Check(ConfigSchema, merged)) {
    const first = [...Value.Errors(ConfigSchema, merged)][0];
    const key = (first?.instancePath.replace(/^\//u, '') ?? '') as keyof Config;
    const envName = CONFIG_ENV[key] ?? key;
    throw new RouterError(
      'CONFIG_INVALID',
      `invalid configuration ${envName} (${String(key)}): ${first?.message ?? 'invalid'}`,
      { details: { env: envName, field: key } },
    );
  }
  return Object.freeze(merged);
}
