import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { readJsonFile } from '../config/index.js';
import { sha256Hex, systemClock, type Clock } from '../core/index.js';

/** What a key may do: `tenant` keys route and send feedback for their tenant; `admin` keys also manage models. */
export type KeyRole = 'tenant' | 'admin';

/** A resolved API key. */
export interface Principal {
  readonly tenant: string;
  readonly role: KeyRole;
}

/** The keys file: only SHA-256 hashes of keys are stored, never the keys. */
export const KeysFileSchema = Type.Object(
  {
    keys: Type.Array(
      Type.Object(
        {
          sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
          tenant: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }),
          role: Type.Enum(['tenant', 'admin']),
          name: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: 100_000 },
    ),
  },
  { additionalProperties: false },
);

/** The keys file's shape. */
export type KeysFile = Static<typeof KeysFileSchema>;

/** Resolves raw API keys to principals by their hash. */
export interface KeyRegistry {
  resolve(rawKey: string): Principal | undefined;
  readonly size: number;
}

/** Build a registry from a parsed keys file. */
export function createKeyRegistry(file: KeysFile): KeyRegistry {
  const byHash = new Map(
    file.keys.map((key) => [key.sha256, { tenant: key.tenant, role: key.role }]),
  );
  return {
    resolve: (rawKey) => byHash.get(sha256Hex(rawKey)),
    size: byHash.size,
  };
}

/** Options for {@link loadKeyRegistry}. */
export interface KeyFileOptions {
  /** Time source for the reload interval. @default systemClock */
  readonly clock?: Clock;
  /** Least time between two looks at the file (one `stat`), ms. @default 1000 */
  readonly reloadIntervalMs?: number;
  /** A missing file is an empty registry (the default `<state dir>/keys.json`). @default false */
  readonly allowMissing?: boolean;
  /** Called after the file changed and was loaded again. */
  readonly onReload?: (size: number) => void;
  /** Called when a changed file cannot be used; the keys loaded before stay in force. */
  readonly onError?: (error: unknown) => void;
}

/** What identifies one version of the file: a rename (`arbiter keys add`) changes the inode. */
function fileSignature(path: string): string | undefined {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Load and validate a keys file (CONFIG_INVALID naming the file otherwise) into a registry that
 * follows the file: at most once per `reloadIntervalMs`, a lookup checks the file's inode, size and
 * mtime and, when they changed, loads it again. Keys added with `arbiter keys add` (or removed from
 * the file) take effect within a second, without a restart. A changed file that is invalid is
 * reported through `onError` and the keys loaded before stay in force.
 */
export function loadKeyRegistry(path: string, options: KeyFileOptions = {}): KeyRegistry {
  const clock = options.clock ?? systemClock;
  const interval = options.reloadIntervalMs ?? 1000;
  const read = (): { registry: KeyRegistry; signature: string | undefined } => {
    const signature = fileSignature(path);
    if (signature === undefined && options.allowMissing === true) {
      return { registry: createKeyRegistry({ keys: [] }), signature };
    }
    return {
      registry: createKeyRegistry(readJsonFile(path, KeysFileSchema, 'keys file')),
      signature,
    };
  };
  let current = read();
  let checkedAt = clock.now();
  const refresh = (): void => {
    const now = clock.now();
    if (now - checkedAt < interval) return;
    checkedAt = now;
    try {
      if (fileSignature(path) === current.signature) return;
      current = read();
      options.onReload?.(current.registry.size);
    } catch (error: unknown) {
      options.onError?.(error);
    }
  };
  return {
    resolve(rawKey) {
      refresh();
      return current.registry.resolve(rawKey);
    },
    get size() {
      return current.registry.size;
    },
  };
}

/** A new random API key (`arb_` + 32 random bytes, base64url) and its stored hash. */
export function generateApiKey(): { key: string; sha256: string } {
  const key = `arb_${randomBytes(32).toString('base64url')}`;
  return { key, sha256: sha256Hex(key) };
}

/** The raw key from `Authorization: Bearer <key>` or `x-api-key`, if any. */
export function extractApiKey(headers: Readonly<Record<string, unknown>>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)$/iu.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}
