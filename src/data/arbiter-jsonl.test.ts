import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { parseArbiterJsonl } from './arbiter-jsonl.js';

const file = fileURLToPath(new URL('./__fixtures__/log.jsonl', import.meta.url));
const catalog = loadCatalog();

describe('parseArbiterJsonl', () => {
  it('keeps valid rows (aliases resolved) and reports each bad row with its line and reason', () => {
    const parsed = parseArbiterJsonl(readFileSync(file, 'utf8'), {
      file: 'log.jsonl',
      resolveModelId: (name) => catalog.resolveModelId(name),
    });
    expect(parsed.observations.map((o) => [o.line, o.model, o.quality])).toEqual([
      [1, 'openai/gpt-4-1106-preview', 1],
      [2, 'mistralai/mixtral-8x7b-instruct-v0.1', 0],
      [4, 'openai/gpt-4-1106-preview', null],
    ]);
    expect(parsed.observations[0]?.observedAtMs).toBe(Date.parse('2024-05-01T12:00:00Z'));
    expect(parsed.observations[2]?.tenant).toBe('acme');
    expect(parsed.badRows.map((b) => b.line)).toEqual([5, 6, 7, 8, 9]);
    expect(parsed.badRows[1]?.reason).toMatch(/unknown model/u);
    expect(parsed.badRows.every((b) => b.file === 'log.jsonl')).toBe(true);
  });
});
