/**
 * K-fold cross-validation to choose hyperparameters on training data only. Deterministic given the
 * seed; grouped folds (by subject/task) measure transfer to unseen groups, which is what a router
 * faces on a new benchmark.
 */
import { RouterError } from '../core/index.js';
import type { QualityPredictor, TrainingSet } from './predictor.js';
import { evaluatePredictor } from './evaluate.js';
import { assignFolds, foldIndices, subsetTrainingSet } from './training-set.js';

/** Options for {@link crossValidate}. */
export interface CrossValidationOptions<P> {
  readonly set: TrainingSet;
  /** Hyperparameter settings to compare. */
  readonly candidates: readonly P[];
  /** Fit on a training fold with one setting. */
  readonly fit: (set: TrainingSet, params: P) => QualityPredictor;
  /** @default 5 */
  readonly folds?: number;
  /** @default 0 */
  readonly seed?: number;
  /** Group label per row for grouped folds. */
  readonly groups?: readonly string[];
  /** Loss of a fitted predictor on a held-out fold; lower is better. @default pooled log-loss */
  readonly loss?: (predictor: QualityPredictor, heldOut: TrainingSet) => number;
  /**
   * `min`: the lowest mean loss. `one-standard-error`: the first candidate (list them simplest
   * first) whose mean loss is within one standard error of the lowest one (the standard error of
   * that candidate's mean over folds): differences inside the fold noise do not buy complexity.
   * @default 'min'
   */
  readonly selection?: 'min' | 'one-standard-error';
}

/** One candidate's result. */
export interface CrossValidationResult<P> {
  readonly params: P;
  /** Mean held-out loss over folds. */
  readonly loss: number;
  readonly foldLosses: readonly number[];
}

/** Standard error of the mean of `values` (0 for fewer than two). */
function standardError(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}

/** Every candidate's mean held-out loss, and the chosen one (ties: the earlier candidate). */
export function crossValidate<P>(options: CrossValidationOptions<P>): {
  readonly best: P;
  readonly results: readonly CrossValidationResult<P>[];
} {
  const folds = options.folds ?? 5;
  if (options.candidates.length === 0 || folds < 2) {
    throw new RouterError(
      'INPUT_INVALID',
      'cross-validation needs candidates and at least 2 folds',
    );
  }
  const assignment = assignFolds({
    rows: options.set.embeddings.length,
    folds,
    seed: options.seed ?? 0,
    ...(options.groups === undefined ? {} : { groups: options.groups }),
  });
  const splits = Array.from({ length: folds }, (_, f) => foldIndices(assignment, f)).filter(
    (s) => s.test.length > 0 && s.train.length > 0,
  );
  const lossOf =
    options.loss ??
    ((p: QualityPredictor, s: TrainingSet) => evaluatePredictor(p, s).overall.logLoss);
  const results = options.candidates.map((params) => {
    const foldLosses = splits.map(({ train, test }) =>
      lossOf(
        options.fit(subsetTrainingSet(options.set, train), params),
        subsetTrainingSet(options.set, test),
      ),
    );
    return { params, loss: foldLosses.reduce((a, b) => a + b, 0) / foldLosses.length, foldLosses };
  });
  let best = results[0] as CrossValidationResult<P>;
  for (const r of results) if (r.loss < best.loss) best = r;
  if (options.selection === 'one-standard-error') {
    const limit = best.loss + standardError(best.foldLosses);
    best = results.find((r) => r.loss <= limit) ?? best;
  }
  return { best: best.params, results };
}
