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
  /**
   * Fit on a training fold with one setting; `rows` are the fold's row indices in `set` (for
   * per-row inputs such as loss weights).
   */
  readonly fit: (set: TrainingSet, params: P, rows: readonly number[]) => QualityPredictor;
  /** @default 5 */
  readonly folds?: number;
  /** @default 0 */
  readonly seed?: number;
  /** Group label per row for grouped folds. */
  readonly groups?: readonly string[];
  /** Loss of a fitted predictor on a held-out fold; lower is better. @default pooled log-loss */
  readonly loss?: (predictor: QualityPredictor, heldOut: TrainingSet) => number;
}

/** One candidate's result. */
export interface CrossValidationResult<P> {
  readonly params: P;
  /** Mean held-out loss over folds. */
  readonly loss: number;
  readonly foldLosses: readonly number[];
}

/** Every candidate's mean held-out loss, and the best one (ties: the earlier candidate). */
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
        options.fit(subsetTrainingSet(options.set, train), params, train),
        subsetTrainingSet(options.set, test),
      ),
    );
    return { params, loss: foldLosses.reduce((a, b) => a + b, 0) / foldLosses.length, foldLosses };
  });
  let best = results[0] as CrossValidationResult<P>;
  for (const r of results) if (r.loss < best.loss) best = r;
  return { best: best.params, results };
}
