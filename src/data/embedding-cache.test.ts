import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EmbedOptions, Embedder } from '../embed/index.js';
import { HashEmbedder, requestText } from '../embed/index.js';
import { EmbeddingCache, loadEmbeddings } from './embedding-cache.js';

/** Records every text it embeds. */
class RecordingEmbedder implements Embedder {
  readonly inner = new HashEmbedder({ dimension: 8 });
  readonly modelId = 'recording/hash 8';
  readonly dimension = 8;
  readonly calls: string[][] = [];
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.embed(texts, options);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('EmbeddingCache', () => {
  it('embeds each distinct text once and persists across opens', async () => {
    const dir = tempDir();
    const embedder = new RecordingEmbedder();
    const cache = EmbeddingCache.open(embedder, { dir, quiet: true, batchSize: 2 });
    const rows = await cache.embed(['a b', 'c', 'a b', 'd']);
    expect(embedder.calls).toEqual([['a b', 'c'], ['d']]);
    expect(rows[0]).toBe(rows[2]);
    expect(cache.path).toMatch(/recording_hash_8-8\.f32rec$/u);
    expect(statSync(cache.path).size).toBe(3 * (32 + 4 * 8));

    const again = new RecordingEmbedder();
    const reopened = EmbeddingCache.open(again, { dir, quiet: true });
    expect(reopened.size).toBe(3);
    const cached = await reopened.embed(['d', 'c']);
    expect(again.calls).toEqual([]);
    expect(Array.from(cached[0] ?? [])).toEqual(Array.from(rows[3] ?? []));
  });

  it('embeds what the router embeds: the request of a text that pastes material around it', async () => {
    const embedder = new RecordingEmbedder();
    const cache = EmbeddingCache.open(embedder, { dir: tempDir(), quiet: true });
    const ask = 'Translate the first sentence into French.';
    const pasted = `${'The lamp has a slim aluminium arm and a warm dimmable panel. '.repeat(8)}\n\n${ask}`;
    const [fromPasted, fromAsk] = await cache.embed([pasted, ask]);
    expect(embedder.calls).toEqual([[requestText(pasted)]]);
    expect(requestText(pasted)).toBe(ask);
    expect(fromPasted).toBe(fromAsk);
    expect(cache.has(pasted)).toBe(true);
  });

  it('ignores a torn last record (interrupted write) and reports progress', async () => {
    const dir = tempDir();
    const cache = EmbeddingCache.open(new RecordingEmbedder(), { dir, quiet: true });
    await cache.embed(['x']);
    appendFileSync(cache.path, Buffer.alloc(10));
    const progress: number[] = [];
    const reopened = EmbeddingCache.open(new RecordingEmbedder(), {
      dir,
      batchSize: 1,
      onProgress: (p) => progress.push(p.done),
    });
    expect(reopened.size).toBe(1);
    await reopened.embed(['y', 'z']);
    expect(progress).toEqual([1, 2]);
  });

  it('loads a dataset matrix aligned with its prompts', async () => {
    const dir = tempDir();
    const dataset = {
      name: 't',
      models: ['m'],
      prompts: ['p', 'q', 'p'].map((text, i) => ({ id: String(i), text, group: 'g', quality: new Float64Array([1]) })),
    };
    const matrix = await loadEmbeddings(dataset, new RecordingEmbedder(), { dir, quiet: true });
    expect(matrix).toHaveLength(3);
    expect(matrix[0]).toHaveLength(8);
  });
});
