/**
 * Hugging Face `tokenizer.json` / `tokenizer_config.json` for a SentencePiece-unigram vocabulary, in the
 * form transformers.js (and the Rust `tokenizers` library) load: NFKC normaliser, Metaspace ("▁")
 * pre-tokenizer with a prepended space, Unigram model. This reproduces USE-Lite's own tokenizer
 * (@energetic-ai/embeddings: NFKC, spaces → "▁", leading "▁", Viterbi over piece log-probabilities).
 */

/** Token id 0: unknown characters. Also used as the padding token (padding is masked out). */
export const UNK_TOKEN = '<unk>';

/** Options for {@link tokenizerFiles}. */
export interface TokenizerFilesOptions {
  /** `[piece, logProbability]` in id order; id 0 must be {@link UNK_TOKEN}. */
  readonly vocab: readonly (readonly [string, number])[];
  /** Longest input, in tokens, the tokenizer keeps when truncating. */
  readonly modelMaxLength: number;
}

/** The two JSON documents, ready to stringify. */
export function tokenizerFiles(options: TokenizerFilesOptions): {
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
} {
  if (options.vocab[0]?.[0] !== UNK_TOKEN) throw new Error(`vocab[0] must be ${UNK_TOKEN}`);
  const metaspace = {
    type: 'Metaspace',
    replacement: '\u2581',
    prepend_scheme: 'always',
    split: false,
  };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      {
        id: 0,
        content: UNK_TOKEN,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      },
    ],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: metaspace,
    post_processor: null,
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 0, vocab: options.vocab, byte_fallback: false },
  };
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizer',
    model_max_length: options.modelMaxLength,
    unk_token: UNK_TOKEN,
    pad_token: UNK_TOKEN,
    clean_up_tokenization_spaces: false,
  };
  return { tokenizer, tokenizerConfig };
}
