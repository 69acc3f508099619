import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { composeService } from './bootstrap.js';
import { formatStartupSummary } from './startup-summary.js';
import type { Command } from './main.js';

const HELP = `Usage: arbiter serve [--port N] [--host ADDR] [--state-dir DIR] [--catalog FILE] [--embedder KIND]

Start the routing service on its embedded defaults: a DuckDB file under ./data, the offline
USE-Lite embedder, the shipped catalog (models/catalog.json) and predictor (models/default).

Endpoints: POST /v1/route, POST /v1/feedback, GET /v1/models, GET /v1/usage, /v1/admin/models/...,
POST /v1/chat/completions, GET /healthz, GET /readyz, GET /metrics, GET /docs, GET /openapi.json.

Options (each also has an env var):
  --port N          TCP port (PORT, default 8080)
  --host ADDR       listen address (HOST, default 127.0.0.1)
  --state-dir DIR   data directory, created if missing (ARBITER_STATE_DIR, default ./data)
  --db FILE         DuckDB file or :memory: (ARBITER_DB, default <state-dir>/arbiter.duckdb)
  --catalog FILE    model catalog JSON (ARBITER_CATALOG)
  --artifact DIR    predictor artifact folder (ARBITER_ARTIFACT, default models/default)
  --embedder KIND   use-lite | transformers | hash (ARBITER_EMBEDDER)
  --keys FILE       API keys file (ARBITER_KEYS_FILE, default <state-dir>/keys.json), followed
                    while serving; create keys with: arbiter keys add --tenant NAME [--role admin]
  -h, --help        show this help

Stops gracefully on SIGINT/SIGTERM: in-flight requests finish, buffered decisions are flushed.
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
        db: { type: 'string' },
        catalog: { type: 'string' },
        artifact: { type: 'string' },
        embedder: { type: 'string' },
        keys: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const overrides: Record<string, unknown> = {};
    if (values.port !== undefined) overrides.port = Number(values.port);
    if (values.host !== undefined) overrides.host = values.host;
    if (values['state-dir'] !== undefined) overrides.stateDir = values['state-dir'];
    if (values.db !== undefined) overrides.dbPath = values.db;
    if (values.catalog !== undefined) overrides.catalogPath = values.catalog;
    if (values.artifact !== undefined) overrides.artifactDir = values.artifact;
    if (values.embedder !== undefined) overrides.embedder = values.embedder;
    if (values.keys !== undefined) overrides.keysFile = values.keys;
    const config = loadConfig({ overrides });
    const { app, ready, startupInfo } = await composeService(config);

    let stopping = false;
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        app.log.info({ signal }, 'shutting down: draining requests and flushing the store');
        app.close().then(resolve, (error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          resolve();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    try {
      await app.listen({ port: config.port, host: config.host });
      await ready;
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const info = startupInfo(`http://${host}:${port}`);
      if (info !== undefined) process.stdout.write(formatStartupSummary(info));
    } catch (error: unknown) {
      await app.close();
      throw error;
    }
    await stopped;
    return 0;
  },
};
