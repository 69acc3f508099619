import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decisionFixture, outcomeFixture } from './__fixtures__/records.js';
import { storedForm } from './decision-codec.js';
import { isParquetSnapshot } from './snapshot.js';
import { openStore, openStoreOrSnapshot } from './store.js';

describe('store snapshots', () => {
  it('copies a live, locked database to a DuckDB file and a Parquet folder that --db readers open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-snapshot-'));
    const live = await openStore({ path: join(dir, 'live.duckdb') });
    try {
      await live.recordDecisions([decisionFixture()]);
      await live.recordFeedback(outcomeFixture());
      await expect(openStore({ path: join(dir, 'live.duckdb') })).rejects.toMatchObject({
        code: 'STORE_LOCKED',
      });
      const file = await live.snapshot?.({
        path: join(dir, 'snap', 'copy.duckdb'),
        format: 'duckdb',
      });
      const folder = await live.snapshot?.({ path: join(dir, 'snap', 'copy'), format: 'parquet' });
      expect(isParquetSnapshot(folder?.path ?? '')).toBe(true);
      expect(isParquetSnapshot(file?.path ?? '')).toBe(false);
      await expect(
        live.snapshot?.({ path: join(dir, 'snap', 'copy.duckdb'), format: 'duckdb' }),
      ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
      for (const path of [file?.path, folder?.path]) {
        const copy = await openStoreOrSnapshot({ path: path ?? '' });
        try {
          const [decision] = await copy.decisions.list();
          expect(decision?.id).toBe('d-1');
          expect(decision?.embedding).toEqual(storedForm(decisionFixture()).embedding);
          expect((await copy.outcomes.listSince(0)).map((o) => o.quality)).toEqual([0.9]);
        } finally {
          await copy.close();
        }
      }
    } finally {
      await live.close();
    }
  });
});
