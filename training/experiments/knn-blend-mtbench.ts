/**
 * The joint model blended with a neighbour average (neighbours.ts), on the two-model transfer (train on MMLU + GSM8K,
 * never MT-Bench): one weight for every prompt, or a kernel by nearness, each chosen by 5-fold CV grouped by subject (seed 7)
 * on the training rows by Brier, then MT-Bench APGR / CPT(50%) of the ordering by predicted gain per
 * dollar (this file's approximation of the served rule for two models, as in irt-mtbench.ts; the
 * suite scores the rule itself). Joint model: k = 0 (two labelled models), 4 members, as the suite.
 *
 * Run: npx tsx training/experiments/knn-blend-mtbench.ts [--k 50]
 */
import { parseArgs } from 'node:util';
import { publicModelFacts } from '../../src/bench/public-facts.js';
import { loadCatalog } from '../../src/catalog/index.js';
import {
  assignFolds,
  foldIndices,
  jointRowInputs,
  subsetTrainingSet,
  trainingSetFromDatasets,
  trainQualityPredictor,
  type TrainingSet,
} from '../../src/predict/index.js';
import { countTokens } from '../../src/tokens/index.js';
import { apgr, loadEmbedded } from './lib.js';
import {
  brier,
  globalBlend,
  KERNEL_GRID,
  kernelBlend,
  nearest,
  type Neighbour,
} from './neighbours.js';

const { values } = parseArgs({ options: { k: { type: 'string', default: '50' } } });
const K = Number(values.k);
const WEIGHTS = [0, 0.25, 0.5, 0.75, 1];
const parts = [await loadEmbedded('mmlu'), await loadEmbedded('gsm8k')];
const set = trainingSetFromDatasets(parts);
const facts = publicModelFacts(loadCatalog());

function joint(train: TrainingSet, groups: readonly string[], datasets: readonly string[]) {
  return trainQualityPredictor({
    kind: 'irt',
    set: train,
    seed: 42,
    facts,
    ...jointRowInputs(datasets, groups),
    hyperparameters: { latentDimension: 0, members: 4 },
    calibration: 'none',
  }).predictor;
}

const variants: {
  name: string;
  apply: (
    q: Float64Array[],
    nn: Neighbour[][],
    labels: readonly ArrayLike<number>[],
  ) => Float64Array[];
}[] = [
  ...WEIGHTS.map((w) => ({
    name: `global w=${w}`,
    apply: (q: Float64Array[], nn: Neighbour[][], labels: readonly ArrayLike<number>[]) =>
      globalBlend(q, nn, labels, w),
  })),
  ...KERNEL_GRID.map(({ width, tau }) => ({
    name: `kernel width=${width} tau=${tau}`,
    apply: (q: Float64Array[], nn: Neighbour[][], labels: readonly ArrayLike<number>[]) =>
      kernelBlend(q, nn, labels, width, tau),
  })),
];

// 1. Grouped CV on the training rows.
const assignment = assignFolds({
  rows: set.embeddings.length,
  folds: 5,
  seed: 7,
  groups: set.groups,
});
const cv = variants.map(() => ({ sum: 0, n: 0 }));
for (let f = 0; f < 5; f++) {
  const { train, test } = foldIndices(assignment, f);
  const inner = subsetTrainingSet(set, train);
  const predictor = joint(
    inner,
    train.map((i) => set.groups[i] as string),
    train.map((i) => set.datasets[i] as string),
  );
  const targets = test.map((i) => set.embeddings[i] as Float32Array);
  const q = predictor.predict(targets);
  const nn = nearest(inner.embeddings, targets, K);
  const heldLabels = test.map((i) => set.quality[i] as ArrayLike<number>);
  variants.forEach((v, j) => {
    const b = brier(v.apply(q, nn, inner.quality), heldLabels);
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

// 2. Fit on every training row; score MT-Bench.
const mt = await loadEmbedded('mt-bench');
const [weakId, strongId] = mt.dataset.models as [string, string];
const wi = set.models.indexOf(weakId);
const si = set.models.indexOf(strongId);
const strong = mt.dataset.prompts.map((p) => p.rawScore?.[1] ?? Number.NaN);
const weak = mt.dataset.prompts.map((p) => p.rawScore?.[0] ?? Number.NaN);
const tokens = mt.dataset.prompts.map((p) => countTokens(p.text, 'cl100k_base'));
const q = joint(set, set.groups, set.datasets).predict(mt.embeddings);
const nn = nearest(set.embeddings, mt.embeddings, K);
const similarity = nn.map((list) => list[0]?.similarity ?? 0).sort((a, b) => a - b);
console.log(`MMLU + GSM8K: ${set.embeddings.length} training rows; K = ${K}`);
console.log(
  `median cosine of an MT-Bench prompt's nearest training prompt: ${similarity[similarity.length >> 1]?.toFixed(3)}`,
);
console.log(
  `grouped CV Brier: ${variants.map((v, j) => `${v.name} ${(cvBrier[j] as number).toFixed(4)}`).join('; ')}`,
);
console.log('| predictor | CV Brier | MT-Bench APGR | CPT(50%) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, j] of [
  ['joint model alone', 0],
  ['global weight, chosen by CV', chosenGlobal],
  ['kernel, chosen by CV', chosenKernel],
] as const) {
  const v = variants[j] as (typeof variants)[number];
  const rows = v.apply(q, nn, set.quality);
  const result = apgr({
    scores: rows.map(
      (r, i) =>
        ((r[si] ?? 0) - (r[wi] ?? 0)) /
        (10 * (tokens[i] ?? 0) + 30 * 256 - 0.6 * (tokens[i] ?? 0) - 0.6 * 256),
    ),
    strong,
    weak,
  });
  console.log(
    `| ${label} (${v.name}) | ${(cvBrier[j] as number).toFixed(4)} | ${result.apgr.toFixed(3)} | ${(100 * result.cpt50).toFixed(1)}% |`,
  );
}
