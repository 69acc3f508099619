import { randomBytes } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { readJsonFile } from '../config/index.js';
import { sha256Hex } from '../core/index.js';

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

/** Load and validate a keys file; CONFIG_INVALID naming the file otherwise. */
export function loadKeyRegistry(path: string): KeyRegistry {
  return createKeyRegistry(readJsonFile(path, KeysFileSchema, 'keys file'));
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
