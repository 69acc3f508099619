import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../catalog/index.js';
import { loadConfig, type Config } from '../config/index.js';
import type { Embedder } from '../embed/index.js';
import { buildApp } from '../server/app.js';
import { createEmbedder } from './create-embedder.js';
import type { Command } from './main.js';

const HELP = `Usage: arbiter serve [--port N] [--host ADDR] [--state-dir DIR] [--catalog FILE] [--embedder KIND]

Start the routing service on its embedded defaults: a DuckDB file under ./data, the offline
USE-Lite embedder, the shipped catalog (models/catalog.json) and predictor (models/default).

Options (each also has an env var):
  --port N          TCP port (PORT, default 8080)
  --host ADDR       listen address (HOST, default 127.0.0.1)
  --state-dir DIR   data directory, created if missing (ARBITER_STATE_DIR, default ./data)
  --catalog FILE    model catalog JSON (ARBITER_CATALOG)
  --embedder KIND   use-lite | transformers | hash (ARBITER_EMBEDDER)
  -h, --help        show this help

Stops gracefully on SIGINT/SIGTERM (in-flight requests finish, buffered writes are flushed).
`;

/** `arbiter serve`. */
export const serveCommand: Command = {
  summary: 'start the HTTP routing service',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'state-dir': { type: 'string' },
        catalog: { type: 'string' },
        embedder: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const overrides: Partial<Record<keyof Config, unknown>> = {};
    if (values.port !== undefined) overrides.port = Number(values.port);
    if (values.host !== undefined) overrides.host = values.host;
    if (values['state-dir'] !== undefined) overrides.stateDir = values['state-dir'];
    if (values.catalog !== undefined) overrides.catalogPath = values.catalog;
    if (values.embedder !== undefined) overrides.embedder = values.embedder;
    const config = loadConfig({ overrides: overrides as Partial<Config> });
    const catalog = loadCatalog(config.catalogPath);
    if (config.dbPath !== ':memory:') mkdirSync(dirname(config.dbPath), { recursive: true });

    const loaded: { embedder?: Embedder } = {};
    const app = await buildApp({
      catalog,
      isReady: () => loaded.embedder !== undefined,
      logger: { level: config.logLevel },
      bodyLimit: config.bodyLimit,
      onClose: async () => loaded.embedder?.close(),
    });
    await app.listen({ port: config.port, host: config.host });
    const embedder = await createEmbedder(config);
    loaded.embedder = embedder;
    app.log.info({ embedder: embedder.modelId, models: catalog.models.length }, 'ready');

    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        app.log.info({ signal }, 'shutting down');
        app.close().then(resolve, resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    return 0;
  },
};
