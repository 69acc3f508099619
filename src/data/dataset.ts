/**
 * The in-memory shape of routing-outcome data, shared by loaders, trainers and the benchmark suite.
 * One row per prompt; per-model arrays are indexed like `RoutingDataset.models`.
 */
export interface RoutingPrompt {
  /** Stable id within the dataset (e.g. `mmlu/marketing/17`). */
  readonly id: string;
  /** The text the router sees (first user turn for multi-turn data). */
  readonly text: string;
  /** Subject, task or cluster, for held-out-by-group splits. */
  readonly group: string;
  /** Observed quality in [0, 1] per model; NaN where the model has no label. */
  readonly quality: Float64Array;
  /** Real per-call cost in USD per model when the data has it; NaN where unknown. */
  readonly costUsd?: Float64Array;
  /** Output tokens per model when the data has response text or counts; NaN where unknown. */
  readonly outputTokens?: Float64Array;
  /**
   * Quality on the source's own scale when it differs from [0, 1] (MT-Bench: GPT-4 judge score 1-10,
   * mean of the two turns); NaN where unknown. Metrics that the source defines on this scale use it.
   */
  readonly rawScore?: Float64Array;
}

/** A routing dataset: prompts x models outcome matrix. */
export interface RoutingDataset {
  /** Short name, e.g. `mmlu`, `routerbench/arc_challenge`. */
  readonly name: string;
  /** Catalog model ids, the columns of every per-model array. */
  readonly models: readonly string[];
  readonly prompts: readonly RoutingPrompt[];
  /** Absolute paths of the files the dataset was read from (hashed into benchmark results). */
  readonly sources?: readonly string[];
  /**
   * A label every model of a merged training set gets on every prompt (a set that states one fact
   * about all models, like `everyday`); such a dataset has no model columns of its own.
   */
  readonly everyModelLabel?: number;
}
