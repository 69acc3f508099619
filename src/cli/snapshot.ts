/** `arbiter snapshot`: have the running service write a copy of its database for offline commands. */
import { parseArgs } from 'node:util';
import { RouterError } from '../core/index.js';
import { ADMIN_FLAGS, ADMIN_FLAGS_HELP, adminPost, adminTarget } from './admin-client.js';
import type { Command } from './main.js';

const HELP = `Usage: arbiter snapshot [--format duckdb|parquet] [--url URL] [--key KEY]

While arbiter serve holds its DuckDB file, offline commands cannot open it (STORE_LOCKED). The
running service writes a snapshot instead (DuckDB itself copies the live database) under
<state dir>/snapshots/ and prints its path; pass it to --db:
  arbiter train --db PATH ...    arbiter replay ope --db PATH    arbiter replay retrain --db PATH

Options:
  --format F    duckdb (one file, default) | parquet (a folder: schema.sql, load.sql, one .parquet
                per table; --db accepts the folder too)
${ADMIN_FLAGS_HELP}`;

/** `arbiter snapshot`. */
export const snapshotCommand: Command = {
  summary: 'have the running service write a database snapshot for offline commands',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...ADMIN_FLAGS, format: { type: 'string', default: 'duckdb' } },
      strict: true,
    });
    if (values.help || positionals.length > 0) {
      process.stdout.write(HELP);
      return values.help ? 0 : 2;
    }
    if (values.format !== 'duckdb' && values.format !== 'parquet')
      throw new RouterError('INPUT_INVALID', '--format must be duckdb or parquet');
    const answer = (await adminPost({
      ...adminTarget(values),
      path: '/v1/admin/snapshot',
      body: { format: values.format },
    })) as { path: string };
    process.stdout.write(`${answer.path}\n`);
    return 0;
  },
};
