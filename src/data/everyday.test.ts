import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labelScales, trainingSetFromDatasets } from '../predict/training-set.js';
import { loadEveryday } from './everyday.js';
import { loadDataset } from './registry.js';

const normalise = (text: string): string => text.toLowerCase().replace(/\s+/gu, ' ').trim();

describe('the everyday training set', () => {
  const everyday = loadEveryday();

  it('ships with the project and loads by name without the shared data', () => {
    expect(everyday.prompts.length).toBeGreaterThanOrEqual(150);
    expect(everyday.everyModelLabel).toBe(1);
    expect(everyday.models).toEqual([]);
    expect(loadDataset('everyday', { dataDir: '/nonexistent' }).prompts).toHaveLength(
      everyday.prompts.length,
    );
    const texts = everyday.prompts.map((p) => normalise(p.text));
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('never holds a prompt of the default-behaviour benchmark or the dev prompts', () => {
    const devFiles = readdirSync('training/dev')
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => `training/dev/${name}`);
    expect(devFiles).toContain('training/dev/dev-everyday-2.jsonl');
    const held = ['benchmarks/default-behaviour/prompts.jsonl', ...devFiles]
      .flatMap((file) => readFileSync(file, 'utf8').split('\n'))
      .filter((line) => line.trim().length > 0)
      .map((line) => normalise((JSON.parse(line) as { prompt: string }).prompt));
    expect(held.length).toBeGreaterThan(150);
    const texts = new Set(everyday.prompts.map((p) => normalise(p.text)));
    expect(held.filter((text) => texts.has(text))).toEqual([]);
  });

  it('labels every model of the merged set 1, on the served scale (no offset)', () => {
    const outcomes = {
      name: 'mmlu',
      models: ['a', 'b'],
      prompts: [{ group: 'g', quality: Float64Array.from([1, 0]) }],
    };
    const small = { ...everyday, prompts: everyday.prompts.slice(0, 2) };
    const x = new Float32Array([1, 0]);
    const set = trainingSetFromDatasets([
      { dataset: outcomes, embeddings: [x] },
      { dataset: small, embeddings: [x, x] },
    ]);
    expect(set.models).toEqual(['a', 'b']);
    expect(set.quality.map((row) => [...row])).toEqual([
      [1, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(labelScales(set.datasets, set.groups)).toEqual(['mmlu', '', '']);
  });
});
