import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRouterError } from '../core/index.js';
import { loadDataset } from './registry.js';
import { resolveDataDir } from './data-dir.js';

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error: unknown) {
    if (isRouterError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a failure');
}

describe('data directory', () => {
  it('defaults to ../shared/data and follows ARBITER_DATA_DIR', () => {
    expect(resolveDataDir({})).toMatch(/shared[/\\]data$/u);
    expect(resolveDataDir({ ARBITER_DATA_DIR: '/srv/data' })).toBe('/srv/data');
  });

  it('a missing data directory is DATA_MISSING naming --data-dir, ARBITER_DATA_DIR and the sources', () => {
    const missing = join(tmpdir(), 'arbiter-no-such-data-dir');
    const { code, message } = failure(() => loadDataset('routerbench', { dataDir: missing }));
    expect(code).toBe('DATA_MISSING');
    expect(message).toContain('--data-dir');
    expect(message).toContain('ARBITER_DATA_DIR');
    expect(message).toContain('RouterDC');
    expect(message).toContain(missing);
  });

  it('a data directory without the dataset names the missing folder', () => {
    const empty = mkdtempSync(join(tmpdir(), 'arbiter-data-'));
    const { code, message } = failure(() => loadDataset('mmlu', { dataDir: empty }));
    expect(code).toBe('DATA_MISSING');
    expect(message).toContain(join(empty, 'RouteLLM'));
    expect(message).toContain('lm-sys/RouteLLM');
  });
});
