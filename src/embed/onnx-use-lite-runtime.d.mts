/** Types of onnx-use-lite-runtime.mjs (plain JavaScript so worker threads load it without a TypeScript loader). */

/** Positions USE-Lite reads; later tokens are dropped. */
export declare const MAX_TOKENS: number;

/** USE-Lite's own SentencePiece tokenizer (from @energetic-ai/embeddings). */
export interface UseLiteTokenizer {
  encode(text: string): number[];
}

/** Load the package's tokenizer with its shipped vocabulary (no tfjs loaded). */
export declare function loadUseLiteTokenizer(): Promise<UseLiteTokenizer>;

/** @energetic-ai/embeddings evaluated without @energetic-ai/core (tfjs); only its tokenizer is usable. */
export declare function embeddingsPackageWithoutTfjs(): {
  EmbeddingsModel: new (data: { vocabulary: unknown; model: undefined }) => {
    tokenizer: UseLiteTokenizer;
  };
};

/** Row indices grouped by similar token length (bounded padding), each group at most `maxBatch` rows. */
export declare function groupByLength(
  rows: readonly (readonly number[])[],
  maxBatch: number,
): number[][];

/** The ids the graph reads: all when they fit, else the first `headTokens` and the last MAX_TOKENS - headTokens. */
export declare function clipTokens(ids: readonly number[], headTokens?: number): number[];

/** Options for {@link createUseLiteRuntime}. */
export interface UseLiteRuntimeOptions {
  /** The USE-Lite ONNX graph file (see onnx-use-lite-cache.ts). */
  readonly modelPath: string;
  /** onnxruntime intra-op threads. @default 1 */
  readonly intraOpThreads?: number;
  /** Rows per session run. @default 64 */
  readonly maxBatch?: number;
  /** Of a text longer than MAX_TOKENS, the leading tokens kept; the rest of the window is its end. @default MAX_TOKENS */
  readonly headTokens?: number;
}

/** A loaded session. */
export interface UseLiteRuntime {
  /** Token ids the graph sees for a text (clipped to MAX_TOKENS). */
  tokenize(text: string): number[];
  /** L2-normalised 512-d rows, in input order. Texts must be non-empty (see prepareText). */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Load the graph into an onnxruntime-node session. */
export declare function createUseLiteRuntime(
  options: UseLiteRuntimeOptions,
): Promise<UseLiteRuntime>;
