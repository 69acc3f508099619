import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
      '--out',
      out,
    ]);
    write.mockRestore();
    expect(code).toBe(0);
    const artifact = loadPredictorArtifact(out, { embedderId: 'hash-64', dimension: 64 });
    expect(artifact.quality.kind).toBe('irt');
    expect(artifact.reference?.embeddings.length).toBeGreaterThan(0);
    expect(artifact.reference?.inputTokens.length).toBe(artifact.reference?.embeddings.length);
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
