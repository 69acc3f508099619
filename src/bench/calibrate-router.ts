/**
 * RouteLLM-style calibration inside the suite: on a sample of a fold's training prompts, find the
 * knob value that sends each target share of calls to the strong model, then route the fold's test
 * prompts with it (the share realised there is what a user would see on new traffic).
 */
import type { CatalogModel } from '../catalog/index.js';
import type { RoutingPrompt } from '../data/index.js';
import type { OutputLengthPredictor, QualityPredictor } from '../predict/index.js';
import { calibrateWillingness, routeOffline, shareOf } from '../router/index.js';
import { estimatedCosts, inputTokenMatrix } from './cost.js';

/** One target share's result within one fold. */
export interface FoldCalibration {
  readonly targetShare: number;
  readonly willingnessToPay: number;
  /** Share reached on the calibration prompts. */
  readonly calibrationShare: number;
  /** Strong calls among the fold's test prompts. */
  readonly heldOutStrongCalls: number;
}

/** Inputs of {@link calibrateFold}. */
export interface CalibrateFoldOptions {
  readonly predictor: QualityPredictor;
  readonly lengths: OutputLengthPredictor;
  /** Calibration prompts (training rows) and their embeddings. */
  readonly prompts: readonly RoutingPrompt[];
  readonly embeddings: readonly Float32Array[];
  /** Maps a predictor row (its model order) to the suite's model order. */
  readonly align: (row: ArrayLike<number>, fallback: number) => Float64Array;
  readonly entries: readonly CatalogModel[];
  readonly defaultOutputTokens: number;
  /** Strong model index (suite order). */
  readonly strong: number;
  readonly targets: readonly number[];
  /** The fold's test predictions and cost estimates (suite order). */
  readonly testQuality: readonly Float64Array[];
  readonly testCosts: readonly Float64Array[];
}

/** Calibrate the knob for each target on the training sample; count strong calls on test. */
export function calibrateFold(options: CalibrateFoldOptions): FoldCalibration[] {
  const quality = options.predictor.predict(options.embeddings).map((row) => options.align(row, 0));
  const costs = estimatedCosts({
    models: options.entries,
    inputTokens: inputTokenMatrix(options.prompts, options.entries),
    predictedOutputTokens: options.lengths
      .predict(options.embeddings)
      .map((row) => options.align(row, options.defaultOutputTokens)),
  });
  return options.targets.map((targetShare) => {
    const found = calibrateWillingness({
      predictedQuality: quality,
      estimatedCostUsd: costs,
      model: options.strong,
      targetShare,
    });
    const { choices } = routeOffline({
      predictedQuality: options.testQuality,
      estimatedCostUsd: options.testCosts,
      willingnessToPay: found.willingnessToPay,
    });
    return {
      targetShare,
      willingnessToPay: found.willingnessToPay,
      calibrationShare: found.share,
      heldOutStrongCalls: shareOf(choices, options.strong) * choices.length,
    };
  });
}
