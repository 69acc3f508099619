/**
 * The joint model's neighbour term and how its weight is chosen. The joint model's prompt traits are
 * linear in the embedding, so it misses per-task, per-model structure that a plain average over the
 * nearest training prompts recovers (training/experiments/README.md, "Task-level structure").
 * q = (1 - w) q_joint + w q_kNN, with w chosen on training folds by a routing score of the served
 * rule (the caller's `score`, higher is better), never by Brier: Brier rewards whatever fixes the
 * level of the predictions, and on a transfer (MMLU + GSM8K to MT-Bench) it chose weights that cost
 * 0.05-0.26 APGR, where the routing score chose w = 0 (same README, "A routing criterion").
 */
import { RouterError } from '../core/index.js';
import type { QualityPredictor, TrainingSet } from './predictor.js';
import { fitKnnPredictor, type KnnOptions } from './knn-predictor.js';
import { assignFolds, foldIndices, subsetTrainingSet } from './training-set.js';

/** Weights the folds compare (0: the joint model alone). */
export const NEIGHBOUR_WEIGHTS: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

/** The neighbour predictor: the 50 nearest labelled training prompts per model, equal votes. */
export const NEIGHBOUR_KNN: KnnOptions = { k: 50, temperature: 0, priorStrength: 1 };

/**
 * How the neighbour weight is chosen: `off` (default) never; `prompt` on random folds of prompts, for
 * traffic that looks like its training data (a service retrained on its own logs): LLMRouter suite
 * 0.626 -> 0.654 (before the joint model's prompt clusters, which reach 0.654 alone; on top of them
 * the term adds nothing there); `group` on folds that hold out whole groups (tasks, subjects). Measured with `group`
 * as the default, the suites moved by -0.053 (MMLU by subject, 0.543 -> 0.490) to +0.014 (LLMRouter),
 * so neither is the default: a weight chosen on folds did not carry to held-out subjects reliably
 * (training/experiments/README.md).
 */
export const NEIGHBOUR_MODES = ['group', 'prompt', 'off'] as const;
/** A neighbour-weight mode. */
export type NeighbourMode = (typeof NEIGHBOUR_MODES)[number];

/** Parse `--neighbours`; undefined gives the default, `off`. */
export function parseNeighbourMode(raw: string | undefined): NeighbourMode {
  if (raw === undefined) return 'off';
  if (!(NEIGHBOUR_MODES as readonly string[]).includes(raw)) {
    throw new RouterError(
      'INPUT_INVALID',
      `--neighbours must be one of ${NEIGHBOUR_MODES.join(', ')}, got "${raw}"`,
      { details: { option: 'neighbours' } },
    );
  }
  return raw as NeighbourMode;
}

/** Folds of the weight choice. */
export const NEIGHBOUR_FOLDS = 5;

/** Fit the neighbour predictor on a training set. */
export function fitNeighbours(set: TrainingSet): QualityPredictor {
  return fitKnnPredictor(set, NEIGHBOUR_KNN);
}

/** q = (1 - w) q_joint + w q_neighbours, row by row. */
export function blendRows(
  joint: readonly Float64Array[],
  neighbours: readonly Float64Array[],
  weight: number,
): Float64Array[] {
  return joint.map((row, i) =>
    Float64Array.from(row, (q, m) => (1 - weight) * q + weight * (neighbours[i]?.[m] ?? q)),
  );
}

/** The chosen weight and every weight's mean routing score over the folds. */
export interface NeighbourWeightChoice {
  readonly weight: number;
  /** Mean fold score per entry of {@link NEIGHBOUR_WEIGHTS}; empty when the folds could not score. */
  readonly scores: readonly number[];
}

/**
 * Choose the neighbour weight on `folds` folds of the training rows (seeded; whole groups held out
 * when `groups` is given, at most one fold per group, none with fewer than two groups): per fold, the
 * joint model (`fitJoint`) and the neighbour predictor are fitted on the other folds, and each weight's
 * blend of their predictions for the held-out rows is scored by `score`. The weight with the highest
 * mean score wins; ties go to the smaller weight. When `score` answers undefined for a fold (rows it
 * cannot score, e.g. rows without a label for every model), the joint model stays alone (w = 0).
 */
export function chooseNeighbourWeight(options: {
  readonly set: TrainingSet;
  readonly fitJoint: (rows: readonly number[]) => QualityPredictor;
  readonly score: (
    rows: readonly number[],
    predicted: readonly Float64Array[],
  ) => number | undefined;
  readonly seed: number;
  readonly folds?: number;
  /** Group per row: folds hold out whole groups (tasks, subjects). */
  readonly groups?: readonly string[];
}): NeighbourWeightChoice {
  const { set } = options;
  // Grouped folds: at most one fold per group; a single group cannot be held out.
  const groupCount = options.groups === undefined ? Infinity : new Set(options.groups).size;
  const folds = Math.min(options.folds ?? NEIGHBOUR_FOLDS, groupCount);
  if (folds < 2) return { weight: 0, scores: [] };
  const assignment = assignFolds({
    rows: set.embeddings.length,
    folds,
    seed: options.seed,
    ...(options.groups === undefined ? {} : { groups: options.groups }),
  });
  const totals = NEIGHBOUR_WEIGHTS.map(() => 0);
  for (let f = 0; f < folds; f++) {
    const { train, test } = foldIndices(assignment, f);
    if (train.length === 0 || test.length === 0) return { weight: 0, scores: [] };
    const held = test.map((i) => set.embeddings[i] as Float32Array);
    const joint = options.fitJoint(train).predict(held);
    const near = fitNeighbours(subsetTrainingSet(set, train)).predict(held);
    for (const [j, weight] of NEIGHBOUR_WEIGHTS.entries()) {
      const s = options.score(test, blendRows(joint, near, weight));
      if (s === undefined || !Number.isFinite(s)) return { weight: 0, scores: [] };
      totals[j] = (totals[j] as number) + s / folds;
    }
  }
  let best = 0;
  for (let j = 1; j < totals.length; j++)
    if ((totals[j] as number) > (totals[best] as number)) best = j;
  return { weight: NEIGHBOUR_WEIGHTS[best] as number, scores: totals };
}
