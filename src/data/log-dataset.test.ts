import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { isRouterError } from '../core/index.js';
import { hasDataDir, resolveDataDir } from './data-dir.js';
import { loadLogDataset } from './log-dataset.js';
import { EVALUATION_ONLY_DATASETS, loadDataset } from './registry.js';

const catalog = loadCatalog();
const resolveModelId = (name: string): string | undefined => catalog.resolveModelId(name);

function file(lines: readonly unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-log-'));
  const path = join(dir, 'test.jsonl');
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

describe('test files in the log format', () => {
  it('groups observations by prompt, one column per model, aliases resolved', () => {
    const dataset = loadLogDataset(
      file([
        { prompt: 'What is 2+2?', model: 'gpt-4o', quality: 1, cost_usd: 0.001, group: 'math' },
        { prompt: 'What is 2+2?', model: 'openai/gpt-4o-mini', quality: 0, output_tokens: 3 },
        { prompt: 'Say hi', model: 'openai/gpt-4o-mini', quality: 1 },
      ]),
      { resolveModelId },
    );
    expect(dataset.name).toBe('file:test.jsonl');
    expect(dataset.models).toEqual(['openai/gpt-4o', 'openai/gpt-4o-mini']);
    expect(dataset.prompts).toHaveLength(2);
    const [math, hi] = dataset.prompts;
    expect([...(math?.quality ?? [])]).toEqual([1, 0]);
    expect(math?.group).toBe('math');
    expect(math?.costUsd?.[0]).toBe(0.001);
    expect(math?.outputTokens?.[1]).toBe(3);
    expect(Number.isNaN(hi?.quality[0])).toBe(true);
    expect(hi?.group).toBe('default');
  });

  it('fails with DATA_INVALID naming the bad lines', () => {
    try {
      loadLogDataset(file([{ prompt: 'x', model: 'nobody/none', quality: 1 }]), { resolveModelId });
      expect.unreachable();
    } catch (error) {
      expect(isRouterError(error, 'DATA_INVALID')).toBe(true);
      expect(String((error as Error).message)).toMatch(/line 1/u);
    }
  });

  it('with onBadRows, skips rows of unknown models and keeps the rest', () => {
    const skipped: { line: number; reason: string }[] = [];
    const dataset = loadLogDataset(
      file([
        { prompt: 'Say hi', model: 'nobody/none', quality: 1 },
        { prompt: 'Say hi', model: 'gpt4_1106_preview', quality: 0.5 },
        { prompt: 'Say hi', model: 'claude-instant-1.2', quality: 0.2 },
        { prompt: 'Say hi', model: 'openai/gpt-4o', quality: 2 },
      ]),
      { resolveModelId, onBadRows: (rows) => skipped.push(...rows) },
    );
    expect(skipped.map((row) => row.line)).toEqual([1, 4]);
    expect(skipped[0]?.reason).toMatch(/unknown model "nobody\/none"/u);
    // AlpacaEval's names of catalog models resolve through catalog aliases.
    expect(dataset.models).toEqual(['anthropic/claude-instant-v1', 'openai/gpt-4-1106-preview']);
    expect([...(dataset.prompts[0]?.quality ?? [])]).toEqual([0.2, 0.5]);
  });
});

const present = hasDataDir();
if (!present)
  console.warn(`shared data not found at ${resolveDataDir()} (set ARBITER_DATA_DIR); skipping AlpacaEval`);

describe.skipIf(!present)('AlpacaEval pairs (evaluation only)', () => {
  it.each(EVALUATION_ONLY_DATASETS)('%s: GPT-4 Turbo at 0.5 against a model in [0, 1]', (name) => {
    const dataset = loadDataset(name);
    expect(dataset.models[0]).toBe('openai/gpt-4-1106-preview');
    expect(dataset.prompts.length).toBeGreaterThan(400);
    for (const prompt of dataset.prompts) {
      expect(prompt.quality[0]).toBe(0.5);
      expect(prompt.quality[1]).toBeGreaterThanOrEqual(0);
      expect(prompt.quality[1]).toBeLessThanOrEqual(1);
      expect(prompt.outputTokens?.[1]).toBeGreaterThan(0);
    }
  });
});
