/**
 * Adapter from a bandit policy to the benchmark suite's prequential hook (src/bench/prequential.ts:
 * `PrequentialStrategy { name, create(models) }` whose policies take model indices). Declared
 * structurally here, since bandit/ does not import bench/. One willingness to pay per strategy (the
 * bandit's reward depends on it); register one strategy per operating point to sweep.
 */
import type { Rng } from '../../core/index.js';
import { reward } from '../reward.js';
import type { ArmTags, BanditArm, BanditPolicy, BanditSelection } from '../policy.js';

/** What the suite passes to `select` (structurally `PrequentialContext`). */
export interface IndexedContext {
  readonly embedding: Float32Array;
  readonly predictedQuality: ArrayLike<number>;
  readonly estimatedCostUsd: ArrayLike<number>;
  readonly rng: Rng;
}

/** A policy over model indices (structurally the suite's `PrequentialPolicy`). */
export interface IndexedPolicy {
  select(context: IndexedContext): number;
  update(feedback: {
    readonly context: IndexedContext;
    readonly model: number;
    readonly quality: number;
    readonly costUsd: number;
  }): void;
}

/** Wrap `newPolicy()` for the suite at one willingness to pay. */
export function prequentialStrategy(options: {
  readonly name: string;
  readonly newPolicy: () => BanditPolicy;
  /** USD per unit quality. */
  readonly willingnessToPay: number;
  /** Catalog facts per model id. */
  readonly tagsOf?: (model: string) => ArmTags | undefined;
}): { readonly name: string; create(models: readonly string[]): IndexedPolicy } {
  return {
    name: options.name,
    create(models) {
      const policy = options.newPolicy();
      const pending = new WeakMap<
        IndexedContext,
        { offered: number[]; selection: BanditSelection }
      >();
      const wtp = options.willingnessToPay;
      return {
        select(context) {
          const offered = models
            .map((_, m) => m)
            .filter((m) => Number.isFinite(context.predictedQuality[m] as number));
          const score = (m: number): number =>
            reward(
              context.predictedQuality[m] as number,
              context.estimatedCostUsd[m] as number,
              wtp,
            );
          offered.sort((a, b) => score(b) - score(a) || a - b);
          const arms: BanditArm[] = offered.map((m) => ({
            model: models[m] as string,
            predictedQuality: context.predictedQuality[m] as number,
            estimatedCostUsd: context.estimatedCostUsd[m] as number,
            score: score(m),
          }));
          const selection = policy.select({
            arms,
            embedding: context.embedding,
            willingnessToPay: wtp,
            rng: context.rng,
            tags: offered.map((m) => options.tagsOf?.(models[m] as string)),
          });
          pending.set(context, { offered, selection });
          return offered[selection.index] as number;
        },
        update({ context, model, quality, costUsd }) {
          const entry = pending.get(context);
          if (entry === undefined || !Number.isFinite(quality)) return;
          pending.delete(context);
          policy.update({
            model: models[model] as string,
            features: entry.selection.features,
            predictedQuality: context.predictedQuality[model] as number,
            estimatedCostUsd: context.estimatedCostUsd[model] as number,
            quality,
            costUsd,
          });
        },
      };
    },
  };
}
