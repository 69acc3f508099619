/** Snapshot files of a running service: one new, never-reused path per request. */
import { join, resolve } from 'node:path';
import type { Clock } from '../core/index.js';
import { systemClock } from '../core/index.js';
import type { SnapshotFormat, SnapshotResult, Store } from '../store/index.js';

/**
 * A snapshot writer for `store` under `dir` (`arbiter-<UTC time>-<n>.duckdb`, or a folder of that
 * name for Parquet); undefined when the store cannot write snapshots.
 */
export function snapshotWriter(options: {
  readonly store: Pick<Store, 'snapshot'>;
  readonly dir: string;
  readonly clock?: Clock;
}): ((format: SnapshotFormat) => Promise<SnapshotResult>) | undefined {
  const { store } = options;
  if (store.snapshot === undefined) return undefined;
  let count = 0;
  return (format) => {
    count += 1;
    const stamp = new Date((options.clock ?? systemClock).now())
      .toISOString()
      .replace(/[:.]/gu, '-');
    const name = `arbiter-${stamp}-${count}${format === 'duckdb' ? '.duckdb' : ''}`;
    return store.snapshot?.({
      path: join(resolve(options.dir), name),
      format,
    }) as Promise<SnapshotResult>;
  };
}
