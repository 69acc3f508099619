import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as bench } from './bench.js';
import { parseHyperparameters, servedHyperparameters } from './hyperparameter-flags.js';

describe('--set KEY=VALUE', () => {
  it('parses numeric keys and clusterBy, and refuses unknown keys and bad values', () => {
    expect(parseHyperparameters(['latentDimension=8', 'clusters=32', 'clusterBy=scale'])).toEqual({
      latentDimension: 8,
      clusters: 32,
      clusterBy: 'scale',
    });
    expect(() => parseHyperparameters(['depth=3'])).toThrow(/--set depth=3/u);
    expect(() => parseHyperparameters(['members=many'])).toThrow(/KEY=NUMBER/u);
    expect(() => parseHyperparameters(['clusterBy=random'])).toThrow(/kmeans or scale/u);
  });
});

describe('servedHyperparameters', () => {
  const manifest = {
    hyperparameters: {
      kind: 'irt',
      calibration: 'none',
      latentDimension: 8,
      members: 4,
      clusters: 32,
    },
    trainedOn: { datasets: ['mmlu', 'gsm8k', 'everyday'] },
  };

  it("takes the served artifact's joint-model hyperparameters for its own recipe, in any order", () => {
    expect(servedHyperparameters(manifest, ['everyday', 'mmlu', 'gsm8k'])).toEqual({
      latentDimension: 8,
      members: 4,
      clusters: 32,
    });
  });

  it('leaves the choice to CV for another recipe or another predictor', () => {
    expect(servedHyperparameters(manifest, ['mmlu', 'gsm8k'])).toBeUndefined();
    expect(servedHyperparameters(manifest, ['mmlu', 'gsm8k', 'llmrouter'])).toBeUndefined();
    expect(
      servedHyperparameters({ ...manifest, hyperparameters: { kind: 'logistic', l2: 1e-4 } }, [
        'mmlu',
        'gsm8k',
        'everyday',
      ]),
    ).toBeUndefined();
  });
});

const FIXTURES = fileURLToPath(new URL('../data/__fixtures__/shared', import.meta.url));

describe('arbiter bench --test-file (fixture data, hash embedder)', () => {
  let work: string;
  let testFile: string;
  let artifact: string;
  const previousCache = process.env.ARBITER_CACHE_DIR;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'arbiter-bench-cli-'));
    process.env.ARBITER_CACHE_DIR = join(work, 'cache');
    testFile = join(work, 'test.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const prompt = `held-out question ${i}: what is ${i} times ${i + 3}?`;
      lines.push(
        JSON.stringify({ prompt, model: 'openai/gpt-4-1106-preview', quality: 1 }),
        JSON.stringify({ prompt, model: 'mistralai/mixtral-8x7b-instruct-v0.1', quality: i % 2 }),
      );
    }
    writeFileSync(testFile, `${lines.join('\n')}\n`);
    artifact = join(work, 'artifact');
    mkdirSync(artifact);
    writeFileSync(
      join(artifact, 'manifest.json'),
      JSON.stringify({
        id: 'artifact',
        version: 1,
        embedder: { id: 'hash-64', dimension: 64 },
        predictor: { file: 'predictor.json', sha256: '0', kind: 'irt', outputLengthKind: 'x' },
        models: ['openai/gpt-4-1106-preview', 'mistralai/mixtral-8x7b-instruct-v0.1'],
        trainedOn: { datasets: ['gsm8k', 'mmlu'], files: [] },
        hyperparameters: {
          kind: 'irt',
          calibration: 'none',
          latentDimension: 0,
          members: 2,
          l2Model: 0.05,
        },
      }),
    );
  });
  afterAll(() => {
    if (previousCache === undefined) delete process.env.ARBITER_CACHE_DIR;
    else process.env.ARBITER_CACHE_DIR = previousCache;
    rmSync(work, { recursive: true, force: true });
  });

  interface BenchResults {
    readonly irtHyperparameters?: unknown;
    readonly baselines: readonly { name: string; shares: Record<string, number> }[];
    readonly routers: readonly { name: string; hyperparameters: unknown[] }[];
  }

  /** `arbiter bench` on the fixtures with the test artifact; `source` names the test prompts. */
  const runBench = async (name: string, source: string[]): Promise<BenchResults> => {
    const out = join(work, name);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await bench([
        ...source,
        '--data-dir',
        FIXTURES,
        '--embedder',
        'hash',
        '--routers',
        'irt',
        '--resamples',
        '20',
        '--artifact',
        artifact,
        '--out',
        out,
      ]);
      expect(code).toBe(0);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
  };

  const irtHyperparameters = (result: BenchResults): unknown[] =>
    result.routers.find((r) => r.name === 'router-irt')?.hyperparameters ?? [];

  /** The test file scored with the shipped recipe of the test artifact, plus `extra` flags. */
  const benchHyperparameters = async (extra: string[]): Promise<unknown[]> =>
    irtHyperparameters(
      await runBench(`out-${extra.join('-').replace(/[^a-z0-9]+/giu, '_')}`, [
        '--test-file',
        testFile,
        '--train',
        'mmlu,gsm8k',
        ...extra,
      ]),
    );

  it("fits the served artifact's hyperparameters when it was trained on the same datasets", async () => {
    const [fitted] = await benchHyperparameters([]);
    expect(fitted).toMatchObject({ latentDimension: 0, members: 2, l2Model: 0.05 });
  });

  it('does the same for a --train/--test transfer suite', async () => {
    const result = await runBench('transfer', ['--train', 'gsm8k,mmlu', '--test', 'routerbench']);
    expect(result.irtHyperparameters).toMatchObject({ latentDimension: 0, l2Model: 0.05 });
    expect(irtHyperparameters(result)[0]).toMatchObject({ members: 2, l2Model: 0.05 });
  });

  it('chooses the best single model by predicted quality when the test file names a model without training labels', async () => {
    const file = join(work, 'current.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 12; i++) {
      const prompt = `prove a hard lemma number ${i} about graphs`;
      lines.push(
        JSON.stringify({ prompt, model: 'openai/gpt-4o', quality: 1 }),
        JSON.stringify({ prompt, model: 'mistralai/mixtral-8x7b-instruct-v0.1', quality: 0 }),
      );
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = await runBench('current', ['--test-file', file, '--train', 'mmlu,gsm8k']);
    // GPT-4o has no label in the training rows; a frontier model's public prior puts it above Mixtral.
    expect(result.baselines.find((b) => b.name === 'best-single')?.shares).toMatchObject({
      'openai/gpt-4o': 1,
    });
  });

  it('--set changes the keys it names and keeps the others; --tune leaves them to CV', async () => {
    const [set] = await benchHyperparameters(['--set', 'l2Model=0.5']);
    // The served artifact's other keys stay (members 2, k 0), not the defaults.
    expect(set).toMatchObject({ l2Model: 0.5, members: 2, latentDimension: 0 });
    const [tuned] = await benchHyperparameters(['--tune']);
    expect(tuned).toMatchObject({ members: 8 });
    expect((tuned as { l2Model?: number }).l2Model).not.toBe(0.05);
  });
});
