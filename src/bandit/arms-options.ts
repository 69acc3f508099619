/** Hyperparameters of the per-arm bandit models (linear-arms.ts), their defaults and validation. */
import { RouterError } from '../core/index.js';

/** Hyperparameters of the per-arm models (all policies share them). */
export interface LinearArmsOptions {
  /** Projected embedding coordinates k; features have k + 1 entries. @default 16 */
  readonly projectionDimension?: number;
  /** Seed of the random projection. @default 1 */
  readonly projectionSeed?: number;
  /** Reward noise standard deviation s, quality units (0/1 labels: at most 0.5). @default 0.5 */
  readonly noiseScale?: number;
  /** Prior std of the intercept of δ_a (how far the offline estimate may be off), quality units. @default 0.15 */
  readonly interceptPriorStd?: number;
  /** Prior std of the contextual part of δ_a over a typical prompt, quality units. @default 0.15 */
  readonly contextPriorStd?: number;
  /** Prior std multiplier for an arm whose offline estimate is only the catalog tier prior. @default 2 */
  readonly unseenPriorScale?: number;
  /** Discount per observed outcome, γ in (0, 1]; 1 keeps all history. @default 0.998 */
  readonly discount?: number;
  /** Pseudo-observations behind a cost ratio of 1. @default 5 */
  readonly costPriorWeight?: number;
}

/** Resolved options (every field set). */
export type ResolvedArmsOptions = Required<LinearArmsOptions>;

/** Defaults of {@link LinearArmsOptions}. */
export const DEFAULT_ARMS_OPTIONS: ResolvedArmsOptions = {
  projectionDimension: 16,
  projectionSeed: 1,
  noiseScale: 0.5,
  interceptPriorStd: 0.15,
  contextPriorStd: 0.15,
  unseenPriorScale: 2,
  discount: 0.998,
  costPriorWeight: 5,
};

/** INPUT_INVALID naming the first option out of range. */
export function validateOptions(o: ResolvedArmsOptions): void {
  const bad = (field: string): never => {
    throw new RouterError('INPUT_INVALID', `invalid bandit option ${field}`, {
      details: { field },
    });
  };
  if (
    !Number.isInteger(o.projectionDimension) ||
    o.projectionDimension < 0 ||
    o.projectionDimension > 256
  )
    bad('projectionDimension');
  if (!Number.isInteger(o.projectionSeed)) bad('projectionSeed');
  if (!(o.noiseScale > 0)) bad('noiseScale');
  if (!(o.interceptPriorStd > 0)) bad('interceptPriorStd');
  if (!(o.contextPriorStd > 0)) bad('contextPriorStd');
  if (!(o.unseenPriorScale > 0)) bad('unseenPriorScale');
  if (!(o.discount > 0 && o.discount <= 1)) bad('discount');
  if (!(o.costPriorWeight >= 0)) bad('costPriorWeight');
}
