import { describe, expect, it } from 'vitest';
import type { Embedder } from './embedder.js';

function norm(row: Float32Array): number {
  return Math.sqrt(row.reduce((s, v) => s + v * v, 0));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
}

/**
 * Conformance suite every Embedder implementation runs (Hono's common.case pattern).
 * `create` is called once per suite; the embedder is closed at the end.
 */
export function runEmbedderConformance(name: string, create: () => Promise<Embedder>): void {
  describe(`Embedder conformance: ${name}`, () => {
    let embedder: Embedder;
    const ready = (async () => {
      embedder = await create();
    })();

    it('reports an id and a positive dimension', async () => {
      await ready;
      expect(embedder.modelId.length).toBeGreaterThan(0);
      expect(embedder.dimension).toBeGreaterThan(0);
    });

    it('returns one L2-normalised row of `dimension` per input, in order', async () => {
      await ready;
      const texts = ['What is the capital of France?', 'Write a haiku about rust.', 'x'];
      const rows = await embedder.embed(texts);
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row).toBeInstanceOf(Float32Array);
        expect(row.length).toBe(embedder.dimension);
        expect(norm(row)).toBeCloseTo(1, 4);
        expect(row.every(Number.isFinite)).toBe(true);
      }
      const again = await embedder.embed([texts[1] as string]);
      expect(cosine(again[0] as Float32Array, rows[1] as Float32Array)).toBeCloseTo(1, 4);
    });

    it('accepts an empty batch', async () => {
      await ready;
      expect(await embedder.embed([])).toEqual([]);
    });

    it('accepts empty and whitespace-only text without throwing', async () => {
      await ready;
      const rows = await embedder.embed(['', '   \n\t ']);
      expect(rows).toHaveLength(2);
      for (const row of rows) expect(norm(row)).toBeCloseTo(1, 4);
    });

    it('accepts a 100k-character prompt (truncated, finite)', async () => {
      await ready;
      const long = 'Explain the history of computing in detail. '.repeat(2300).slice(0, 100_000);
      const [row] = await embedder.embed([long]);
      expect(row?.length).toBe(embedder.dimension);
      expect(norm(row as Float32Array)).toBeCloseTo(1, 4);
    });

    it('places related texts closer than unrelated ones', async () => {
      await ready;
      const [a, b, c] = await embedder.embed([
        'How do I bake sourdough bread at home?',
        'What is a good recipe for homemade sourdough bread?',
        'Prove that the square root of two is irrational.',
      ]);
      expect(cosine(a!, b!)).toBeGreaterThan(cosine(a!, c!));
    });

    it('honours an aborted signal', async () => {
      await ready;
      const controller = new AbortController();
      controller.abort();
      await expect(embedder.embed(['hello'], { signal: controller.signal })).rejects.toThrow();
    });

    it('closes', async () => {
      await ready;
      await expect(embedder.close()).resolves.toBeUndefined();
    });
  });
}
