/**
 * Committed results must describe the tree they are committed with. A result records what it was
 * produced from (the served artifact, the catalog, the prompt file, the `everyday` rows it trained
 * on); when one of those changes and the result is not rerun, this test names the result and the
 * command that refreshes it. Reads repository files only (no shared data).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../artifact/index.js';
import { DEFAULT_CATALOG_PATH } from '../catalog/index.js';
import { sha256Hex } from '../core/index.js';
import { EVERYDAY_FILE, everydaySha256 } from '../data/everyday.js';
import { artifactVersion } from '../retrain/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const results = join(root, 'benchmarks', 'results');
const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('committed results describe the shipped tree', () => {
  it('default behaviour was routed with the shipped artifact, catalog and prompts', () => {
    const manifestPath = join(root, 'models', 'default', 'manifest.json');
    const manifest = parseManifest(readJson(manifestPath), manifestPath);
    const folder = join(root, 'benchmarks', 'default-behaviour');
    const expected = {
      artifact: artifactVersion(manifest),
      catalogSha256: sha256Hex(readFileSync(DEFAULT_CATALOG_PATH, 'utf8')),
      promptsSha256: sha256Hex(readFileSync(join(folder, 'prompts.jsonl'), 'utf8')),
    };
    // Each committed run of the benchmark: its folder, the flags it ran with, and what they add to
    // the provenance.
    const runs: { out: string; flags: string; provenance: Record<string, string> }[] = [
      { out: 'default-behaviour', flags: '', provenance: {} },
      {
        out: 'default-behaviour-system',
        flags: ' --system benchmarks/default-behaviour/system-prompt.txt',
        provenance: {
          systemSha256: sha256Hex(readFileSync(join(folder, 'system-prompt.txt'), 'utf8')),
        },
      },
      {
        out: 'default-behaviour-conversations',
        flags: ' --prompts benchmarks/default-behaviour/conversations.jsonl',
        provenance: {
          promptsSha256: sha256Hex(readFileSync(join(folder, 'conversations.jsonl'), 'utf8')),
        },
      },
      {
        out: 'default-behaviour-pasted',
        flags: ' --prompts benchmarks/default-behaviour/pasted.jsonl',
        provenance: {
          promptsSha256: sha256Hex(readFileSync(join(folder, 'pasted.jsonl'), 'utf8')),
        },
      },
    ];
    for (const run of runs) {
      const out = run.out === 'default-behaviour' ? '' : ` --out benchmarks/results/${run.out}`;
      expect(
        readJson(join(results, run.out, 'results.json')).provenance,
        `benchmarks/results/${run.out} is stale: rerun \`npx tsx benchmarks/suite/default-behaviour.ts${run.flags}${out}\``,
      ).toEqual({ ...expected, ...run.provenance });
    }
  });

  it('results trained on the everyday rows were trained on the rows shipped now', () => {
    const current = everydaySha256();
    const everydayKey = EVERYDAY_FILE.split(/[\\/]/u).join('/');
    const checked: string[] = [];
    const stale: string[] = [];
    // Bench reports: results.json records a hash per data file it read.
    for (const name of readdirSync(results)) {
      const dir = join(results, name);
      if (!statSync(dir).isDirectory()) continue;
      let report: Record<string, unknown>;
      try {
        report = readJson(join(dir, 'results.json'));
      } catch {
        continue;
      }
      const hashes = (report['dataHashes'] ?? {}) as Record<string, string>;
      for (const [file, hash] of Object.entries(hashes)) {
        if (!file.replaceAll('\\', '/').endsWith(everydayKey)) continue;
        checked.push(name);
        if (hash !== current) stale.push(`benchmarks/results/${name} (arbiter bench)`);
      }
    }
    // Learning streams (arbiter replay learning): the hash of the rows their artifacts trained on.
    const bandit = join(results, 'bandit');
    for (const file of readdirSync(bandit).filter((f) => /^learning-.*\.json$/u.test(f))) {
      const stream = readJson(join(bandit, file));
      if (!(stream['trainedOn'] as string[] | undefined)?.includes('everyday')) continue;
      checked.push(file);
      if (stream['everydaySha256'] !== current)
        stale.push(
          `benchmarks/results/bandit/${file} (arbiter replay learning --policy residual,thompson --runs 9 --tradeoff 5)`,
        );
    }
    expect(checked.length).toBeGreaterThanOrEqual(6);
    expect(stale, `trained on other everyday rows than ${EVERYDAY_FILE}; rerun them`).toEqual([]);
  });
});
