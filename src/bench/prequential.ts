/**
 * Hook for online learners (the bandit): scored prequentially. Each test prompt is routed before
 * its outcome is revealed, then the policy learns from that one outcome, in a seeded order. Their
 * choices are scored like any fixed strategy, on the same prompts.
 */
import type { Rng } from '../core/index.js';
import { shuffled } from '../core/index.js';

/** What an online policy sees when routing one prompt. */
export interface PrequentialContext {
  readonly embedding: Float32Array;
  /** Offline predictor's quality estimate per model (from training rows only). */
  readonly predictedQuality: ArrayLike<number>;
  /** Estimated cost per model, USD. */
  readonly estimatedCostUsd: ArrayLike<number>;
  readonly rng: Rng;
}

/** An online routing policy under test. */
export interface PrequentialPolicy {
  /** Model index for this prompt. */
  select(context: PrequentialContext): number;
  /** The revealed outcome of the chosen model only (bandit feedback). */
  update(feedback: {
    readonly context: PrequentialContext;
    readonly model: number;
    readonly quality: number;
    readonly costUsd: number;
  }): void;
}

/** A named factory: a fresh policy per benchmark run. */
export interface PrequentialStrategy {
  readonly name: string;
  create(models: readonly string[]): PrequentialPolicy;
}

/** Route every prompt once, in a seeded order, revealing each outcome after its choice. */
export function runPrequential(options: {
  readonly policy: PrequentialPolicy;
  readonly embeddings: readonly Float32Array[];
  readonly predictedQuality: readonly ArrayLike<number>[];
  readonly estimatedCostUsd: readonly ArrayLike<number>[];
  readonly quality: readonly ArrayLike<number>[];
  readonly costUsd: readonly ArrayLike<number>[];
  readonly rng: Rng;
}): Int32Array {
  const n = options.embeddings.length;
  const choices = new Int32Array(n);
  for (const i of shuffled(
    Array.from({ length: n }, (_, k) => k),
    options.rng,
  )) {
    const context: PrequentialContext = {
      embedding: options.embeddings[i] as Float32Array,
      predictedQuality: options.predictedQuality[i] as ArrayLike<number>,
      estimatedCostUsd: options.estimatedCostUsd[i] as ArrayLike<number>,
      rng: options.rng,
    };
    const model = options.policy.select(context);
    choices[i] = model;
    options.policy.update({
      context,
      model,
      quality: (options.quality[i] as ArrayLike<number>)[model] as number,
      costUsd: (options.costUsd[i] as ArrayLike<number>)[model] as number,
    });
  }
  return choices;
}
