/** Options for one embed call. */
export interface EmbedOptions {
  /** Abort the call (checked between batches). */
  readonly signal?: AbortSignal;
}

/**
 * Turns texts into fixed-size, L2-normalised vectors. Implementations are created once at start-up by
 * an async factory (model loading is never lazy inside a request) and are safe to call concurrently.
 */
export interface Embedder {
  /** Stable id of the model, recorded with every stored embedding (e.g. `use-lite@0.2.0`). */
  readonly modelId: string;
  /** Length of every returned vector. */
  readonly dimension: number;
  /**
   * Embed a batch. Returns one L2-normalised row per input, in order. Empty or whitespace-only
   * texts are valid input and map to a fixed placeholder text, never an exception.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /** Release native resources. Idempotent. */
  close(): Promise<void>;
}

/**
 * Longest prompt, in characters, that reaches an encoder. Longer prompts keep their first
 * 3/4 and last 1/4 of this budget (instructions usually open a prompt, the question often ends it).
 * USE-Lite's cost grows super-linearly with length: 100k characters took 28 s on this machine.
 * @default 4000
 */
export const DEFAULT_MAX_CHARS = 4000;

/** Text used in place of empty or whitespace-only input (USE-Lite throws on the empty string). */
export const EMPTY_TEXT_PLACEHOLDER = '[empty]';

/** Normalise text before embedding: trim, replace empty input, truncate head+tail to `maxChars`. */
export function prepareText(text: string, maxChars: number = DEFAULT_MAX_CHARS): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return EMPTY_TEXT_PLACEHOLDER;
  if (trimmed.length <= maxChars) return trimmed;
  const head = Math.floor(maxChars * 0.75);
  const tail = maxChars - head - 1;
  return `${trimmed.slice(0, head)}\n${trimmed.slice(trimmed.length - tail)}`;
}

/** Scale a vector in place to unit L2 norm (zero vectors stay zero). Returns the same array. */
export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}
