import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPredictorArtifact } from '../artifact/index.js';
import { run } from './train.js';

const FIXTURES = fileURLToPath(new URL('../data/__fixtures__/shared', import.meta.url));
const FIXTURE_ARGS = [
  '--datasets',
  'mmlu,gsm8k,routerbench,llmrouter',
  '--data-dir',
  FIXTURES,
  '--embedder',
  'hash',
];

describe('arbiter train (fixture data, hash embedder)', () => {
  let work: string;
  const previousCache = process.env.ARBITER_CACHE_DIR;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'arbiter-train-'));
    process.env.ARBITER_CACHE_DIR = join(work, 'cache');
  });
  afterAll(() => {
    if (previousCache === undefined) delete process.env.ARBITER_CACHE_DIR;
    else process.env.ARBITER_CACHE_DIR = previousCache;
    rmSync(work, { recursive: true, force: true });
  });

  it('trains, reports held-out scores and writes a loadable artifact with a full manifest', async () => {
    const out = join(work, 'model');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await run([
      ...FIXTURE_ARGS,
      '--predictor',
      'mf',
      '--seed',
      '3',
      '--holdout',
      '0.3',
      '--out',
      out,
    ]);
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    write.mockRestore();
    expect(code).toBe(0);
    expect(printed).toContain('held-out (all pairs)');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(manifest).toMatchObject({
      id: 'model',
      seed: 3,
      embedder: { id: 'hash-64', dimension: 64 },
    });
    const trainedOn = manifest.trainedOn as { files: { path: string; sha256: string }[] };
    expect(trainedOn.files.length).toBeGreaterThan(3);
    trainedOn.files.forEach((f) => expect(f.sha256).toMatch(/^[0-9a-f]{64}$/u));
    expect(String(manifest.createdBy)).toContain('--predictor mf');
    const artifact = loadPredictorArtifact(out, { embedderId: 'hash-64', dimension: 64 });
    expect(artifact.quality.kind).toBe('mf');
    expect(artifact.quality.models.length).toBeGreaterThan(2);
  });

  it('trains the joint irt model with reference traffic for the knob and loads it back', async () => {
    const out = join(work, 'irt');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await run([
      ...FIXTURE_ARGS,
      '--set',
      'members=2',
      '--max-prompts',
      'mmlu=20',
      '--neighbours',
      'group',
      '--out',
      out,
    ]);
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    write.mockRestore();
    expect(code).toBe(0);
    // Four datasets over different models: the neighbour term is not considered.
    expect(printed).toContain('neighbour term: not considered');
    const artifact = loadPredictorArtifact(out, { embedderId: 'hash-64', dimension: 64 });
    expect(artifact.quality.kind).toBe('irt');
    expect(artifact.reference?.embeddings.length).toBeGreaterThan(0);
    expect(artifact.reference?.inputTokens.length).toBe(artifact.reference?.embeddings.length);
  });

  it('chooses the neighbour weight on folds of a log that labels every model, and serves it', async () => {
    // 240 prompts, 2 models. The weak one fails where exactly one of two words is present (XOR), which
    // no model linear in a bag-of-words embedding represents and the nearest prompts do.
    const log = join(work, 'log.jsonl');
    const lines: string[] = [];
    for (let i = 0; i < 240; i++) {
      const a = i % 2 === 0;
      const b = Math.floor(i / 2) % 2 === 0;
      const prompt = `${a ? 'alpha' : 'omega'} ${b ? 'red' : 'blue'} question ${i}`;
      const group = `g${i % 12}`;
      lines.push(
        JSON.stringify({ prompt, model: 'openai/gpt-4-1106-preview', quality: 1, group }),
        JSON.stringify({
          prompt,
          model: 'mistralai/mixtral-8x7b-instruct-v0.1',
          quality: a !== b ? 0 : 1,
          group,
        }),
      );
    }
    writeFileSync(log, `${lines.join('\n')}\n`);
    const out = join(work, 'irt-log');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await run([
      '--logs',
      log,
      '--embedder',
      'hash',
      '--set',
      'members=2',
      '--neighbours',
      'prompt',
      '--baseline',
      join(work, 'no-artifact'),
      '--out',
      out,
    ]);
    const printed = write.mock.calls.map((c) => String(c[0])).join('');
    write.mockRestore();
    expect(code).toBe(0);
    const chosen = /neighbour term: weight ([0-9.]+) \(routing score on random folds/u.exec(
      printed,
    );
    expect(chosen).not.toBeNull();
    const artifact = loadPredictorArtifact(out, { embedderId: 'hash-64', dimension: 64 });
    const state = artifact.quality.toState();
    const weight = Number(chosen?.[1]);
    expect(weight).toBeGreaterThan(0);
    expect(state['neighbours']).toMatchObject({ weight, predictor: { kind: 'knn' } });
  });

  it('refuses to train on evaluation-only (CC BY-NC) data', async () => {
    await expect(
      run(['--datasets', 'alpacaeval/gpt-3.5-turbo-1106', '--out', join(work, 'nc')]),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID', message: /evaluation only/u });
  });

  it('prints help and rejects a bad predictor kind with INPUT_INVALID', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await run(['--help'])).toBe(0);
    write.mockRestore();
    await expect(run(['--predictor', 'tree', '--out', join(work, 'x')])).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
  });
});
