import { describe, expect, it } from 'vitest';
import { isRouterError } from '../core/index.js';
import { APPROXIMATION_RATIO, countTokens, createTokenCounter, estimateCost } from './index.js';

describe('countTokens', () => {
  it('counts cl100k_base and o200k_base exactly', () => {
    // "hello world" is 2 tokens in both encodings; "" is 0.
    expect(countTokens('hello world', 'cl100k_base')).toBe(2);
    expect(countTokens('hello world', 'o200k_base')).toBe(2);
    expect(countTokens('', 'cl100k_base')).toBe(0);
  });

  it('treats special-token text as ordinary text', () => {
    expect(countTokens('<|endoftext|>', 'cl100k_base')).toBeGreaterThan(1);
  });

  it('approximates other families from cl100k_base with the documented ratio', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    const base = countTokens(text, 'cl100k_base');
    expect(countTokens(text, 'llama2')).toBe(Math.ceil(base * APPROXIMATION_RATIO.llama2));
    expect(countTokens(text, 'gemma')).toBe(Math.ceil(base * APPROXIMATION_RATIO.gemma));
  });

  it('shares one count across families in createTokenCounter', () => {
    const text = 'Route this prompt to the cheapest model that answers it well.';
    const count = createTokenCounter(text);
    for (const family of ['cl100k_base', 'o200k_base', 'llama2', 'anthropic'] as const) {
      expect(count(family)).toBe(countTokens(text, family));
    }
  });

  it('counts a 100k-character prompt', () => {
    expect(countTokens('a '.repeat(50_000), 'cl100k_base')).toBeGreaterThan(10_000);
  });
});

describe('estimateCost', () => {
  const gpt4 = {
    id: 'openai/gpt-4-1106-preview',
    pricing: { input_per_million: 10, output_per_million: 30 },
  };

  it('matches hand-computed costs', () => {
    // 1,000 in x $10/M = $0.01; 500 out x $30/M = $0.015; total $0.025.
    expect(estimateCost(gpt4, { inputTokens: 1000, outputTokens: 500 })).toBeCloseTo(0.025, 12);
    // 1M in + 1M out at $0.2/$0.2 = $0.40
    const mistral = { id: 'm/x', pricing: { input_per_million: 0.2, output_per_million: 0.2 } };
    expect(estimateCost(mistral, { inputTokens: 1e6, outputTokens: 1e6 })).toBeCloseTo(0.4, 12);
    expect(estimateCost(gpt4, { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it('rejects negative and non-finite token counts with INPUT_INVALID', () => {
    for (const usage of [
      { inputTokens: -1, outputTokens: 0 },
      { inputTokens: 0, outputTokens: Number.NaN },
      { inputTokens: Infinity, outputTokens: 0 },
    ]) {
      let caught: unknown;
      try {
        estimateCost(gpt4, usage);
      } catch (error: unknown) {
        caught = error;
      }
      expect(isRouterError(caught, 'INPUT_INVALID')).toBe(true);
    }
  });
});
