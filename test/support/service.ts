import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { composeService } from '../../src/cli/bootstrap.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import { generateApiKey } from '../../src/server/auth.js';

/** API keys written to the test service's keys file. */
export interface TestKeys {
  readonly tenantA: string;
  readonly tenantB: string;
  readonly admin: string;
}

/** A temp state dir with a keys file for tenants `acme`, `globex` and an admin. */
export function makeStateDir(): { dir: string; keys: TestKeys } {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-test-'));
  const a = generateApiKey();
  const b = generateApiKey();
  const admin = generateApiKey();
  writeFileSync(
    join(dir, 'keys.json'),
    JSON.stringify({
      keys: [
        { sha256: a.sha256, tenant: 'acme', role: 'tenant' },
        { sha256: b.sha256, tenant: 'globex', role: 'tenant' },
        { sha256: admin.sha256, tenant: 'ops', role: 'admin' },
      ],
    }),
  );
  return { dir, keys: { tenantA: a.key, tenantB: b.key, admin: admin.key } };
}

/** Start the composed service (HashEmbedder, in-memory DuckDB unless overridden) and wait until ready. */
export async function startTestService(
  dir: string,
  overrides: Partial<Config> = {},
): Promise<FastifyInstance> {
  const config = loadConfig({
    env: {},
    overrides: {
      stateDir: dir,
      dbPath: ':memory:',
      embedder: 'hash',
      artifactDir: join(dir, 'no-artifact'),
      ...overrides,
    },
  });
  const service = await composeService(config, { embedder: new HashEmbedder(), logger: false });
  await service.ready;
  return service.app;
}

/** `Authorization: Bearer <key>` headers. */
export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}
