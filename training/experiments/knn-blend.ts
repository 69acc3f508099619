/**
 * Does blending the joint model with a neighbour average help on prompts it never saw, with the blend
 * weight chosen on training folds only? One dataset, the bench suite's 20% hold-out (seed 42,
 * stratified by group; prompts whose text is held out are not trained on). On the training 80%:
 * 5-fold CV (random, seed 7) of the blends in neighbours.ts (one weight w for all prompts, or a kernel
 * that weighs each of the K nearest training prompts by nearness), lowest Brier; then the joint model is fitted
 * on the whole 80% and the chosen blends are scored on the hold-out with the served rule (floor 0.9).
 * The joint model: k = 4, 4 members (what the suites' CV picks for LLMRouter and RouterBench).
 *
 * Run: npx tsx training/experiments/knn-blend.ts [--dataset llmrouter|routerbench] [--k 50]
 */
import { parseArgs } from 'node:util';
import { loadCatalog } from '../../src/catalog/index.js';
import { createRng } from '../../src/core/index.js';
import { accountingCosts, catalogModels, inputTokenMatrix } from '../../src/bench/cost.js';
import { normalisedText } from '../../src/bench/folds.js';
import { scoreRouter, type ScoringContext } from '../../src/bench/score-router.js';
import {
  assignFolds,
  foldIndices,
  holdOutSplit,
  jointRowInputs,
  trainingSetFromDatasets,
  trainQualityPredictor,
} from '../../src/predict/index.js';
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import { loadEmbedded } from './lib.js';
import {
  brier,
  globalBlend,
  KERNEL_GRID,
  kernelBlend,
  nearest,
  type Neighbour,
} from './neighbours.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'llmrouter' },
    k: { type: 'string', default: '50' },
  },
});
const K = Number(values.k);
const WEIGHTS = [0, 0.25, 0.5, 0.75, 1];
const { dataset, embeddings } = await loadEmbedded(values.dataset);
const prompts = dataset.prompts;
const M = dataset.models.length;
const labelled = (r: number): boolean => [...(prompts[r]?.quality ?? [])].every(Number.isFinite);

const split = holdOutSplit({
  rows: prompts.length,
  heldOutFraction: 0.2,
  seed: 42,
  strata: prompts.map((p) => p.group),
});
const heldOutTexts = new Set(split.test.map((r) => normalisedText(prompts[r]?.text ?? '')));
const train = split.train.filter((r) => !heldOutTexts.has(normalisedText(prompts[r]?.text ?? '')));
const test = split.test.filter(labelled);

/** The joint model fitted on `rows`, predicting `targets`. */
function joint(rows: readonly number[], targets: readonly number[]): Float64Array[] {
  const part = {
    dataset: { ...dataset, prompts: rows.map((r) => prompts[r]!) },
    embeddings: rows.map((r) => embeddings[r] as Float32Array),
  };
  const set = trainingSetFromDatasets([part]);
  const trained = trainQualityPredictor({
    kind: 'irt',
    set,
    seed: 42,
    ...jointRowInputs(set.datasets, set.groups),
    hyperparameters: { latentDimension: 4, members: 4 },
    calibration: 'none',
  });
  const columns = dataset.models.map((m) => set.models.indexOf(m));
  return trained.predictor
    .predict(targets.map((r) => embeddings[r] as Float32Array))
    .map((row) => Float64Array.from(columns, (c) => (c < 0 ? 0.5 : (row[c] as number))));
}

const labelsOf = (rows: readonly number[]): Float64Array[] =>
  rows.map((r) => Float64Array.from(prompts[r]?.quality ?? []));
const embeddingsOf = (rows: readonly number[]): Float32Array[] =>
  rows.map((r) => embeddings[r] as Float32Array);

/** Every blend the CV compares: one weight for all prompts, or evidence by nearness (kernel). */
const variants: {
  name: string;
  apply: (q: Float64Array[], nn: Neighbour[][], labels: Float64Array[]) => Float64Array[];
}[] = [
  ...WEIGHTS.map((w) => ({
    name: `global w=${w}`,
    apply: (q: Float64Array[], nn: Neighbour[][], labels: Float64Array[]) =>
      globalBlend(q, nn, labels, w),
  })),
  ...KERNEL_GRID.map(({ width, tau }) => ({
    name: `kernel width=${width} tau=${tau}`,
    apply: (q: Float64Array[], nn: Neighbour[][], labels: Float64Array[]) =>
      kernelBlend(q, nn, labels, width, tau),
  })),
];

// 1. CV on the training rows only.
const assignment = assignFolds({ rows: train.length, folds: 5, seed: 7 });
const cv = variants.map(() => ({ sum: 0, n: 0 }));
for (let f = 0; f < 5; f++) {
  const { train: inner, test: outer } = foldIndices(assignment, f);
  const fit = inner.map((i) => train[i] as number);
  const held = outer.map((i) => train[i] as number);
  const q = joint(fit, held);
  const nn = nearest(embeddingsOf(fit), embeddingsOf(held), K);
  const fitLabels = labelsOf(fit);
  const heldLabels = labelsOf(held);
  variants.forEach((v, j) => {
    const b = brier(v.apply(q, nn, fitLabels), heldLabels);
    (cv[j] as { sum: number; n: number }).sum += b.sum;
    (cv[j] as { sum: number; n: number }).n += b.n;
  });
  console.error(`CV fold ${f + 1}/5 done`);
}
const cvBrier = cv.map((c) => c.sum / c.n);
const best = (from: number, to: number): number => {
  let k = from;
  for (let j = from; j < to; j++) if ((cvBrier[j] as number) < (cvBrier[k] as number)) k = j;
  return k;
};
const chosenGlobal = best(0, WEIGHTS.length);
const chosenKernel = best(WEIGHTS.length, variants.length);

// 2. Fit on all training rows, score the hold-out.
const catalog = loadCatalog();
const entries = catalogModels(catalog, dataset.models);
const costs = accountingCosts({
  prompts,
  models: entries,
  inputTokens: inputTokenMatrix(prompts, entries),
  defaultOutputTokens: 128,
});
const truth = {
  quality: test.map((r) => Float64Array.from(prompts[r]?.quality ?? [])),
  costUsd: test.map((r) => costs[r] as Float64Array),
};
const singles = Array.from(
  { length: M },
  (_, m) => test.reduce((s, _r, i) => s + (truth.costUsd[i]?.[m] ?? 0), 0) / test.length,
);
const context: ScoringContext = {
  truth,
  models: dataset.models,
  sliders: Array.from({ length: 101 }, (_, i) => i / 10),
  costRange: { min: Math.min(...singles), max: Math.max(...singles) },
  rng: createRng(42),
  resamples: 200,
  qualityFloor: DEFAULT_QUALITY_FLOOR,
};
const q = joint(train, test);
const nn = nearest(embeddingsOf(train), embeddingsOf(test), K);
const trainLabels = labelsOf(train);
console.log(
  `${values.dataset}: ${train.length} training prompts, ${test.length} held out; K = ${K}`,
);
console.log(
  `CV Brier: ${variants.map((v, j) => `${v.name} ${(cvBrier[j] as number).toFixed(4)}`).join('; ')}`,
);
console.log('| predictor | CV Brier | hold-out Brier | hold-out AIQ, served floor [95% CI] |');
console.log('| --- | ---: | ---: | --- |');
for (const [label, j] of [
  ['joint model alone', 0],
  ['global weight, chosen by CV', chosenGlobal],
  ['kernel, chosen by CV', chosenKernel],
] as const) {
  const v = variants[j] as (typeof variants)[number];
  const predicted = v.apply(q, nn, trainLabels);
  const aiq = scoreRouter(context, {
    name: v.name,
    description: '',
    predictedQuality: predicted,
    estimatedCostUsd: truth.costUsd,
    hyperparameters: [],
    trainMs: 0,
  }).manyModel?.aiq;
  const b = brier(predicted, labelsOf(test));
  console.log(
    `| ${label} (${v.name}) | ${(cvBrier[j] as number).toFixed(4)} | ${(b.sum / b.n).toFixed(4)} | ${aiq?.estimate.toFixed(3)} [${aiq?.low.toFixed(3)}, ${aiq?.high.toFixed(3)}] |`,
  );
}
