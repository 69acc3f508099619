import { get_encoding, type Tiktoken, type TiktokenEncoding } from 'tiktoken';
import type { TokenizerFamily } from '../catalog/index.js';

/**
 * Non-OpenAI tokenizers are approximated as `ceil(cl100k_base count x ratio)`. The ratios are the
 * typical token-count ratio on English prose and code against cl100k_base (100k BPE vocabulary):
 * SentencePiece 32k vocabularies (Llama 2, Mistral/Mixtral, Yi) split about 20-25% more finely;
 * Llama 3's 128k tiktoken vocabulary is nearly identical to cl100k; Gemma's 256k and Qwen's 151k
 * vocabularies are slightly coarser; Anthropic's Claude 1/2 tokenizer (65k) about 10% finer.
 * They are estimates for cost prediction, not exact counts; errors of ±15% are expected on
 * non-English text.
 */
export const APPROXIMATION_RATIO: Readonly<
  Record<Exclude<TokenizerFamily, 'o200k_base' | 'cl100k_base'>, number>
> = {
  llama2: 1.22,
  mistral: 1.2,
  llama3: 1.0,
  anthropic: 1.1,
  gemma: 0.97,
  qwen: 1.0,
  other: 1.1,
};

const encoders = new Map<TiktokenEncoding, Tiktoken>();

function encoder(name: TiktokenEncoding): Tiktoken {
  let found = encoders.get(name);
  if (found === undefined) {
    found = get_encoding(name);
    encoders.set(name, found);
  }
  return found;
}

/**
 * Count tokens of `text` for a tokenizer family: exact for OpenAI encodings (tiktoken), otherwise
 * the cl100k_base count scaled by {@link APPROXIMATION_RATIO}. Special-token text (`<|endoftext|>`)
 * is counted as ordinary text, never rejected.
 */
export function countTokens(text: string, family: TokenizerFamily = 'cl100k_base'): number {
  if (text.length === 0) return 0;
  switch (family) {
    case 'o200k_base':
    case 'cl100k_base':
      return encoder(family).encode_ordinary(text).length;
    case 'llama2':
    case 'llama3':
    case 'mistral':
    case 'anthropic':
    case 'gemma':
    case 'qwen':
    case 'other':
      return fromCl100kCount(encoder('cl100k_base').encode_ordinary(text).length, family);
  }
}

/**
 * A family's count from a cl100k_base count (OpenAI encodings: the same count, as o200k_base counts
 * English about like cl100k_base; others scaled by {@link APPROXIMATION_RATIO}).
 */
export function fromCl100kCount(count: number, family: TokenizerFamily): number {
  return family === 'cl100k_base' || family === 'o200k_base'
    ? count
    : Math.ceil(count * APPROXIMATION_RATIO[family]);
}

/**
 * Token counts of one text for any family, each underlying encoding run at most once (the router
 * asks for every candidate's family; approximated families share the cl100k_base count).
 */
export function createTokenCounter(text: string): (family: TokenizerFamily) => number {
  let cl100k: number | undefined;
  let o200k: number | undefined;
  return (family) => {
    if (family === 'o200k_base') return (o200k ??= countTokens(text, 'o200k_base'));
    cl100k ??= countTokens(text, 'cl100k_base');
    return family === 'cl100k_base' ? cl100k : Math.ceil(cl100k * APPROXIMATION_RATIO[family]);
  };
}

/** Free the tiktoken WASM encoders (they are recreated on next use). */
export function freeTokenizers(): void {
  for (const value of encoders.values()) value.free();
  encoders.clear();
}
