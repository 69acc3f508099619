import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { sha256Hex } from '../core/index.js';
import { HashEmbedder, requestText } from '../embed/index.js';
import { openStore } from '../store/index.js';
import { run } from './ingest.js';

const log = fileURLToPath(new URL('../data/__fixtures__/log.jsonl', import.meta.url));
const shared = fileURLToPath(new URL('../data/__fixtures__/shared', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-ingest-'));
  dirs.push(dir);
  return join(dir, 'test.duckdb');
}

describe('arbiter ingest', () => {
  it('writes nothing under --strict when a row is bad', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const db = tempDb();
    expect(
      await run([log, '--format', 'arbiter-jsonl', '--db', db, '--strict', '--no-embed']),
    ).toBe(1);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/bad row .*log\.jsonl:5/u);
  });

  it('stores good rows, skips bad ones, embeds prompts, and re-ingests idempotently', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const db = tempDb();
    expect(await run([log, '--format', 'arbiter-jsonl', '--db', db, '--embedder', 'hash'])).toBe(0);
    expect(await run([log, '--format', 'arbiter-jsonl', '--db', db, '--embedder', 'hash'])).toBe(0);
    expect(
      await run([shared, '--format', 'routellm-gsm8k', '--db', db, '--embedder', 'hash']),
    ).toBe(0);
    const store = await openStore({ path: db });
    try {
      expect(await store.observations.listDatasets()).toEqual([
        { dataset: 'gsm8k', observations: 2, prompts: 1, models: 2 },
        { dataset: 'log', observations: 3, prompts: 2, models: 2 },
      ]);
      expect(await store.embeddings.count('hash-64')).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('stores what /v1/route embeds for a prompt that pastes material around a request', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const db = tempDb();
    const ask = 'Summarize the notes above in one sentence.';
    const prompt = `${'The staging database ran out of disk twice last week. '.repeat(8)}\n\n${ask}`;
    const file = join(db, '..', 'pasted.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ prompt, model: 'openai/gpt-4-1106-preview', quality: 1 })}\n`,
    );
    expect(await run([file, '--format', 'arbiter-jsonl', '--db', db, '--embedder', 'hash'])).toBe(
      0,
    );
    expect(requestText(prompt)).toBe(ask);
    const store = await openStore({ path: db });
    try {
      const rows = await store.embeddings.getMany({
        embedderId: 'hash-64',
        textHashes: [sha256Hex(prompt)],
      });
      const [expected] = await new HashEmbedder({ dimension: 64 }).embed([ask]);
      expect(Array.from(rows.get(sha256Hex(prompt)) ?? [])).toEqual(Array.from(expected ?? []));
    } finally {
      await store.close();
    }
  });
});
