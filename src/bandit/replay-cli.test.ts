/** `arbiter replay` end to end on the small data fixtures (hash embedder; no shared data needed). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { replayCommand } from '../cli/replay.js';
import { REPO_ROOT } from '../data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'arbiter-replay-'));
afterAll(() => {
  vi.unstubAllEnvs();
  rmSync(dir, { recursive: true, force: true });
});

describe('arbiter replay', () => {
  it('writes prequential and scenario reports with SVG plots', async () => {
    vi.stubEnv('ARBITER_DATA_DIR', join(REPO_ROOT, 'src', 'data', '__fixtures__', 'shared'));
    vi.stubEnv('ARBITER_CACHE_DIR', join(dir, 'cache'));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const common = [
        '--dataset',
        'routerbench',
        '--embedder',
        'hash',
        '--runs',
        '1',
        '--out',
        dir,
      ];
      expect(await replayCommand.run(['prequential', '--policy', 'thompson', ...common])).toBe(0);
      expect(
        await replayCommand.run([
          'scenario',
          '--scenario',
          'drift',
          '--policy',
          'linucb',
          '--start',
          'prior',
          ...common,
        ]),
      ).toBe(0);
    } finally {
      stderr.mockRestore();
    }
    expect(readFileSync(join(dir, 'prequential-routerbench.md'), 'utf8')).toContain(
      '| thompson | prior | 5 |',
    );
    expect(readFileSync(join(dir, 'prequential-routerbench-offline-regret.svg'), 'utf8')).toContain(
      '<polyline',
    );
    expect(existsSync(join(dir, 'drift-routerbench-prior-share.svg'))).toBe(true);
  });

  it('rejects an unknown mode with INPUT_INVALID', async () => {
    await expect(replayCommand.run(['sideways'])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
