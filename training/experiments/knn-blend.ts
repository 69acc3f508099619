/**
 * Does blending the joint model with a neighbour average help on prompts it never saw, with the blend
 * weight chosen on training folds only? One dataset, the bench suite's 20% hold-out (seed 42,
 * stratified by group; prompts whose text is held out are not trained on). On the training 80%:
 * 5-fold CV (random, seed 7) of the blends in neighbours.ts (one weight w for all prompts, a kernel
 * that weighs each of the K nearest training prompts by nearness, or the joint model's residuals on
 * them), lowest Brier; then the joint model is fitted
 * on the whole 80% and the chosen blends are scored on the hold-out with the served rule (floor 0.9).
 * The joint model: k = 4, 4 members (what the suites' CV picks for LLMRouter and RouterBench).
 *
 * Run: npx tsx training/experiments/knn-blend.ts [--dataset llmrouter|routerbench] [--k 50]
 * (ARBITER_EXPERIMENT_EMBEDDER=<id> reads another embedding cache, e.g. embed-window.ts's)
 */
import { parseArgs } from 'node:util';
import {
  assignFolds,
  foldIndices,
  jointRowInputs,
  trainQualityPredictor,
} from '../../src/predict/index.js';
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import {
  BLEND_VARIANTS,
  WEIGHTS,
  brier,
  crossValidateBlends,
  nearest,
  reportedBlends,
} from './neighbours.js';
import { suiteHoldOut } from './suite-holdout.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'llmrouter' },
    k: { type: 'string', default: '50' },
  },
});
const K = Number(values.k);
const holdOut = await suiteHoldOut(values.dataset);
const { train, test, labelsOf, embeddingsOf } = holdOut;

/** The joint model fitted on `rows`, predicting `targets`. */
function joint(rows: readonly number[], targets: readonly number[]): Float64Array[] {
  const set = holdOut.trainingSet(rows);
  const trained = trainQualityPredictor({
    kind: 'irt',
    set,
    seed: 42,
    ...jointRowInputs(set.datasets, set.groups),
    hyperparameters: { latentDimension: 4, members: 4 },
    calibration: 'none',
  });
  return holdOut.inDatasetOrder(set.models, trained.predictor.predict(embeddingsOf(targets)));
}

// 1. CV on the training rows only.
const assignment = assignFolds({ rows: train.length, folds: 5, seed: 7 });
const heldRows: number[][] = [];
const cv = crossValidateBlends(
  5,
  (f) => {
    const { train: inner, test: outer } = foldIndices(assignment, f);
    const fit = inner.map((i) => train[i] as number);
    const held = outer.map((i) => train[i] as number);
    heldRows[f] = held;
    const both = joint(fit, [...held, ...fit]);
    return {
      joint: both.slice(0, held.length),
      trainJoint: both.slice(held.length),
      neighbours: nearest(embeddingsOf(fit), embeddingsOf(held), K),
      trainLabels: labelsOf(fit),
      heldLabels: labelsOf(held),
    };
  },
  (predicted, _labels, f) => holdOut.scoreRows(heldRows[f] ?? [], predicted, DEFAULT_QUALITY_FLOOR),
);

// 2. Fit on all training rows, score the hold-out.
const all = joint(train, [...test, ...train]);
const q = all.slice(0, test.length);
const trainJoint = all.slice(test.length);
const nn = nearest(embeddingsOf(train), embeddingsOf(test), K);
const trainLabels = labelsOf(train);
console.log(
  `${values.dataset}: ${train.length} training prompts, ${test.length} held out; K = ${K}`,
);
console.log(
  `CV Brier: ${BLEND_VARIANTS.map((v, j) => `${v.name} ${(cv.brier[j] as number).toFixed(4)}`).join('; ')}`,
);
console.log(
  `CV AIQ (routing criterion, served floor): ${BLEND_VARIANTS.map((v, j) => `${v.name} ${(cv.routing[j] as number).toFixed(4)}`).join('; ')}`,
);
console.log('| predictor | CV Brier | hold-out Brier | hold-out AIQ, served floor [95% CI] |');
console.log('| --- | ---: | ---: | --- |');
// The global weight chosen by the routing criterion (served-rule AIQ on the CV folds) instead of Brier.
let byRouting = 0;
for (let j = 1; j < WEIGHTS.length; j++)
  if ((cv.routing[j] as number) > (cv.routing[byRouting] as number)) byRouting = j;
const rows: (readonly [string, number])[] = [
  ...reportedBlends(cv),
  ['global weight, chosen by CV AIQ', byRouting],
];
for (const [label, j] of rows) {
  const v = BLEND_VARIANTS[j] as (typeof BLEND_VARIANTS)[number];
  const predicted = v.apply(q, nn, trainLabels, trainJoint);
  const aiq = holdOut.score(predicted, DEFAULT_QUALITY_FLOOR);
  const b = brier(predicted, labelsOf(test));
  console.log(
    `| ${label} (${v.name}) | ${(cv.brier[j] as number).toFixed(4)} | ${(b.sum / b.n).toFixed(4)} | ${aiq.estimate.toFixed(3)} [${aiq.low.toFixed(3)}, ${aiq.high.toFixed(3)}] |`,
  );
}
