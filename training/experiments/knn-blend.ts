/**
 * Does blending the joint model with a neighbour average help on prompts it never saw, with the blend
 * weight chosen on training folds only? One dataset, the bench suite's 20% hold-out (seed 42,
 * stratified by group; prompts whose text is held out are not trained on). On the training 80%:
 * 5-fold CV (random, seed 7) of w in q = (1 - w) q_joint + w q_kNN (K nearest training prompts by
 * cosine on USE-Lite, each model's mean quality), lowest mean Brier; then the joint model is fitted
 * on the whole 80% and the chosen w is scored on the hold-out with the served rule (floor 0.9).
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

/** Each model's mean quality over the K nearest of `rows` (labelled only) to each target. */
function knn(rows: readonly number[], targets: readonly number[]): Float64Array[] {
  return targets.map((t) => {
    const x = embeddings[t] as Float32Array;
    const sims = rows.map((j) => {
      const y = embeddings[j] as Float32Array;
      let dot = 0;
      for (let i = 0; i < x.length; i++) dot += (x[i] as number) * (y[i] as number);
      return { j, dot };
    });
    sims.sort((a, b) => b.dot - a.dot);
    const sum = new Float64Array(M);
    const count = new Float64Array(M);
    for (const { j } of sims.slice(0, K)) {
      prompts[j]?.quality.forEach((q, m) => {
        if (Number.isFinite(q)) {
          sum[m] = (sum[m] as number) + q;
          count[m] = (count[m] as number) + 1;
        }
      });
    }
    return Float64Array.from(sum, (s, m) =>
      (count[m] as number) > 0 ? s / (count[m] as number) : 0.5,
    );
  });
}

const blend = (a: Float64Array[], b: Float64Array[], w: number): Float64Array[] =>
  a.map((row, i) =>
    Float64Array.from(row, (q, m) => (1 - w) * q + w * ((b[i] as Float64Array)[m] as number)),
  );

function brier(predicted: Float64Array[], rows: readonly number[]): number {
  let sum = 0;
  let n = 0;
  predicted.forEach((row, i) =>
    row.forEach((q, m) => {
      const y = prompts[rows[i] as number]?.quality[m] ?? Number.NaN;
      if (Number.isFinite(y)) {
        sum += (q - y) ** 2;
        n++;
      }
    }),
  );
  return sum / n;
}

// 1. CV on the training rows only.
const assignment = assignFolds({ rows: train.length, folds: 5, seed: 7 });
const cv = WEIGHTS.map(() => 0);
for (let f = 0; f < 5; f++) {
  const { train: inner, test: outer } = foldIndices(assignment, f);
  const fit = inner.map((i) => train[i] as number);
  const held = outer.map((i) => train[i] as number);
  const q = joint(fit, held);
  const n = knn(fit, held);
  WEIGHTS.forEach((w, j) => (cv[j] = (cv[j] as number) + brier(blend(q, n, w), held) / 5));
  console.error(`CV fold ${f + 1}/5 done`);
}
const chosen = WEIGHTS[cv.indexOf(Math.min(...cv))] as number;

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
const n = knn(train, test);
console.log(
  `${values.dataset}: ${train.length} training prompts, ${test.length} held out; K = ${K}`,
);
console.log(
  `CV Brier by w (${WEIGHTS.join(', ')}): ${cv.map((v) => v.toFixed(4)).join(', ')}; chosen w = ${chosen}`,
);
console.log('| w | hold-out Brier | hold-out AIQ, served floor [95% CI] |');
console.log('| --- | ---: | --- |');
for (const w of [0, chosen]) {
  const predicted = blend(q, n, w);
  const aiq = scoreRouter(context, {
    name: `w${w}`,
    description: '',
    predictedQuality: predicted,
    estimatedCostUsd: truth.costUsd,
    hyperparameters: [],
    trainMs: 0,
  }).manyModel?.aiq;
  console.log(
    `| ${w}${w === chosen ? ' (CV)' : ' (joint model alone)'} | ${brier(predicted, test).toFixed(4)} | ${aiq?.estimate.toFixed(3)} [${aiq?.low.toFixed(3)}, ${aiq?.high.toFixed(3)}] |`,
  );
}
