/**
 * The joint model as the experiments fit and cross-validate it: irt with the catalog's public facts,
 * dataset offsets and weights (jointRowInputs), seed 42, no calibration, as the suites fit it.
 */
import { publicModelFacts } from '../../src/bench/public-facts.js';
import { loadCatalog } from '../../src/catalog/index.js';
import {
  assignFolds,
  foldIndices,
  jointRowInputs,
  subsetTrainingSet,
  trainQualityPredictor,
  type MergedTrainingSet,
  type QualityHyperparameters,
  type QualityPredictor,
} from '../../src/predict/index.js';
import { brier } from './neighbours.js';

let facts: ReturnType<typeof publicModelFacts> | undefined;

/** Fit the joint model on a merged set. */
export function fitJoint(
  set: MergedTrainingSet,
  hyperparameters: QualityHyperparameters,
): QualityPredictor {
  facts ??= publicModelFacts(loadCatalog());
  return trainQualityPredictor({
    kind: 'irt',
    set,
    seed: 42,
    facts,
    ...jointRowInputs(set.datasets, set.groups),
    hyperparameters,
    calibration: 'none',
  }).predictor;
}

/** The given rows of a merged set, their datasets and groups kept. */
export function subsetMerged(set: MergedTrainingSet, rows: readonly number[]): MergedTrainingSet {
  return {
    ...subsetTrainingSet(set, rows),
    datasets: rows.map((i) => set.datasets[i] as string),
    groups: rows.map((i) => set.groups[i] as string),
  };
}

/**
 * Pooled Brier over 5 folds of the set (seed 7; whole groups held out when `grouped`): `fit` on each
 * fold's training rows, scored on its held-out rows.
 */
export function cvBrier(
  set: MergedTrainingSet,
  fit: (train: MergedTrainingSet) => QualityPredictor,
  grouped = false,
): number {
  const assignment = assignFolds({
    rows: set.embeddings.length,
    folds: 5,
    seed: 7,
    ...(grouped ? { groups: set.groups } : {}),
  });
  let sum = 0;
  let count = 0;
  for (let f = 0; f < 5; f++) {
    const { train, test } = foldIndices(assignment, f);
    const predicted = fit(subsetMerged(set, train)).predict(
      test.map((i) => set.embeddings[i] as Float32Array),
    );
    const b = brier(
      predicted,
      test.map((i) => set.quality[i] as ArrayLike<number>),
    );
    sum += b.sum;
    count += b.n;
  }
  return sum / count;
}
