/** Hyperparameters of the residual learner (residual-memory.ts), their defaults and validation. */
import { RouterError } from '../../core/index.js';

/** Knobs of the residual learner. Quality units are [0, 1]; counts are (discounted) outcomes. */
export interface ResidualOptions {
  /** Projected embedding coordinates the memory stores and searches (cosine). @default 64 */
  readonly projectionDimension?: number;
  /** Seed of the random projection. @default 1 */
  readonly projectionSeed?: number;
  /** Outcomes kept for the neighbour search (oldest dropped first). @default 2000 */
  readonly capacity?: number;
  /** Neighbours per model for the model's local residual. @default 20 */
  readonly neighbours?: number;
  /** Neighbours (any model) for the prompt's shared residual. @default 30 */
  readonly sharedNeighbours?: number;
  /** Similarity temperature: a neighbour weighs exp((cos - 1) / tau). @default 0.05 */
  readonly temperature?: number;
  /**
   * Prior std of each term of the correction, quality units. A term's shrinkage pseudo-count is
   * s² / std² (s: the outcome noise): noisy 0/1 labels need more evidence than graded ones.
   */
  /** Global offset (the stream's label scale). @default 0.2 */
  readonly globalPriorStd?: number;
  /** A model's own offset. @default 0.1 */
  readonly modelPriorStd?: number;
  /** The prompt's shared residual. @default 0.1 */
  readonly sharedPriorStd?: number;
  /** A model's local residual. @default 0.1 */
  readonly localPriorStd?: number;
  /**
   * Prior outcome noise std s, quality units (the pooled residual spread takes over as outcomes
   * arrive): a term with evidence weight n has variance s² / (s² / std² + n). @default 0.4
   */
  readonly noiseScale?: number;
  /** Pseudo-outcomes behind `noiseScale` in the pooled noise estimate. @default 10 */
  readonly noisePriorWeight?: number;
  /** Probability of exploring when another arm is plausible (see residual-policy.ts). @default 0.05 */
  readonly epsilon?: number;
  /**
   * Exploration toward an arm whose offline estimate comes from the trained predictor
   * (`source: 'predictor'`), as a share of `epsilon`, in [0, 1]; arms known only from public facts
   * (`prior`) or without a source are always explored at `epsilon`. 0.2 paid more than 1 and 0 on
   * the prequential replays from trained predictions (see benchmarks/results/bandit/README.md).
   * @default 0.2
   */
  readonly trainedExploration?: number;
  /** Optimism, in stds, that makes an arm plausible. @default 1 */
  readonly optimism?: number;
  /**
   * Discount gamma in (0, 1]: a model's evidence per newer outcome of that model, the global offset
   * per outcome (drift: a model's past fades over about 1 / (1 - gamma) of its own outcomes). 0.996
   * moves traffic off a degraded model within 200 outcomes in the drift scenario (see
   * benchmarks/results/bandit/README.md). @default 0.996
   */
  readonly discount?: number;
  /** Pseudo-observations behind a cost ratio of 1. @default 5 */
  readonly costPriorWeight?: number;
}

/** Every field set. */
export type ResolvedResidualOptions = Required<ResidualOptions>;

/** Defaults of {@link ResidualOptions} (chosen on the prequential replays, see docs/online-learning.md). */
export const DEFAULT_RESIDUAL_OPTIONS: ResolvedResidualOptions = {
  projectionDimension: 64,
  projectionSeed: 1,
  capacity: 2000,
  neighbours: 20,
  sharedNeighbours: 30,
  temperature: 0.05,
  globalPriorStd: 0.2,
  modelPriorStd: 0.1,
  sharedPriorStd: 0.1,
  localPriorStd: 0.1,
  noiseScale: 0.4,
  noisePriorWeight: 10,
  epsilon: 0.05,
  trainedExploration: 0.2,
  optimism: 1,
  discount: 0.996,
  costPriorWeight: 5,
};

/** INPUT_INVALID naming the first option out of range. */
export function validateResidualOptions(o: ResolvedResidualOptions): void {
  const bad = (field: string): never => {
    throw new RouterError('INPUT_INVALID', `invalid residual option ${field}`, {
      details: { field },
    });
  };
  const positiveInt = (value: number, max: number): boolean =>
    Number.isInteger(value) && value >= 1 && value <= max;
  if (!positiveInt(o.projectionDimension, 1024)) bad('projectionDimension');
  if (!Number.isInteger(o.projectionSeed)) bad('projectionSeed');
  if (!positiveInt(o.capacity, 1_000_000)) bad('capacity');
  if (!positiveInt(o.neighbours, 10_000)) bad('neighbours');
  if (!positiveInt(o.sharedNeighbours, 10_000)) bad('sharedNeighbours');
  if (!(o.temperature > 0)) bad('temperature');
  if (!(o.globalPriorStd > 0)) bad('globalPriorStd');
  if (!(o.modelPriorStd > 0)) bad('modelPriorStd');
  if (!(o.sharedPriorStd > 0)) bad('sharedPriorStd');
  if (!(o.localPriorStd > 0)) bad('localPriorStd');
  if (!(o.noiseScale > 0)) bad('noiseScale');
  if (!(o.noisePriorWeight > 0)) bad('noisePriorWeight');
  if (!(o.epsilon >= 0 && o.epsilon <= 1)) bad('epsilon');
  if (!(o.trainedExploration >= 0 && o.trainedExploration <= 1)) bad('trainedExploration');
  if (!(o.optimism >= 0)) bad('optimism');
  if (!(o.discount > 0 && o.discount <= 1)) bad('discount');
  if (!(o.costPriorWeight >= 0)) bad('costPriorWeight');
}
