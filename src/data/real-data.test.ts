import { describe, expect, it } from 'vitest';
import { hasDataDir, resolveDataDir } from './data-dir.js';
import { loadDataset } from './registry.js';

const present = hasDataDir();
const skipReason = `shared data not found at ${resolveDataDir()} (set ARBITER_DATA_DIR); skipping real-data counts`;
if (!present) console.warn(skipReason);

// Counts from the data README: RouteLLM drops 5 / 12 / 8 contaminated prompts.
describe.skipIf(!present)('real shared data (counts match the README)', () => {
  it.each([
    ['mmlu', 14_042 - 5, 2, 57],
    ['gsm8k', 1_319 - 12, 2, 1],
    ['mt-bench', 72, 2, 8],
    ['routerbench/arc_challenge', 1_039, 11, 1],
    ['routerbench/mbpp', 299, 11, 1],
    ['routerbench/winograde', 887, 11, 1],
    ['llmrouter', 5_608, 9, 14],
  ] as const)('%s has %i prompts, %i models, %i groups', (name, prompts, models, groups) => {
    const dataset = loadDataset(name);
    expect(dataset.prompts).toHaveLength(prompts);
    expect(dataset.models).toHaveLength(models);
    expect(new Set(dataset.prompts.map((p) => p.group)).size).toBe(groups);
    expect(new Set(dataset.prompts.map((p) => p.id)).size).toBe(prompts);
  });

  it('MT-Bench keeps raw judge scores on 1-10', () => {
    const dataset = loadDataset('mt-bench');
    for (const prompt of dataset.prompts) {
      for (const score of prompt.rawScore ?? []) expect(score >= 1 && score <= 10).toBe(true);
    }
  });
});
