/** What to do instead, printed under a coded error the user can act on. */
import { isRouterError } from '../core/index.js';

/**
 * A hint for STORE_LOCKED: the DuckDB file is held by another process, almost always a running
 * `arbiter serve`; offline commands work on a snapshot the service writes itself.
 */
export function hintFor(error: unknown): string | undefined {
  if (!isRouterError(error, 'STORE_LOCKED')) return undefined;
  return [
    'hint: another process holds this DuckDB file, usually a running `arbiter serve`. Without stopping it:',
    '  - reads (arbiter train --db, arbiter replay ope|retrain --db): take a snapshot with',
    '    `arbiter snapshot --key <admin key>` (POST /v1/admin/snapshot) and pass the printed path to --db;',
    '  - writes (arbiter ingest): ingest into another file (--db other.duckdb), or train on the log',
    '    directly with `arbiter train --logs FILE.jsonl`;',
    '  - or stop the service first.',
  ].join('\n');
}
