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
import {
  assignFolds,
  foldIndices,
  trainingSetFromDatasets,
  type MergedTrainingSet,
} from '../../src/predict/index.js';
import { fitJoint, subsetMerged } from './joint.js';
import { apgr, loadEmbedded, loadMtBench, mtBenchServedApgr } from './lib.js';
import { BLEND_VARIANTS, crossValidateBlends, nearest, reportedBlends } from './neighbours.js';

const { values } = parseArgs({
  options: { k: { type: 'string', default: '50' }, by: { type: 'string', default: 'subject' } },
});
// --by dataset: leave-one-dataset-out folds (train on MMLU, score GSM8K, and the reverse) in place of
// the 5 folds grouped by subject; --by row: 5 random folds of rows.
const byDataset = values.by === 'dataset';
const K = Number(values.k);
const parts = [await loadEmbedded('mmlu'), await loadEmbedded('gsm8k')];
const set = trainingSetFromDatasets(parts);

const joint = (train: MergedTrainingSet) => fitJoint(train, { latentDimension: 0, members: 4 });

const mt = await loadMtBench();
// 1. Grouped CV on the training rows.
const FOLDS = byDataset ? 2 : 5;
const assignment = assignFolds({
  rows: set.embeddings.length,
  folds: FOLDS,
  seed: 7,
  ...(values.by === 'row' ? {} : { groups: byDataset ? set.datasets : set.groups }),
});
const cv = crossValidateBlends(
  FOLDS,
  (f) => {
    const { train, test } = foldIndices(assignment, f);
    const inner = subsetMerged(set, train);
    const predictor = joint(inner);
    const targets = test.map((i) => set.embeddings[i] as Float32Array);
    return {
      joint: predictor.predict(targets),
      trainJoint: predictor.predict(inner.embeddings),
      neighbours: nearest(inner.embeddings, targets, K),
      trainLabels: inner.quality,
      heldLabels: test.map((i) => set.quality[i] as ArrayLike<number>),
    };
  },
  (predicted, held) => {
    // The routing criterion on a fold: APGR of the two-model ordering by predicted gain (0/1 labels).
    const si0 = set.models.indexOf(mt.strongId);
    const wi0 = set.models.indexOf(mt.weakId);
    return apgr({
      scores: predicted.map((r) => (r[si0] ?? 0) - (r[wi0] ?? 0)),
      strong: held.map((r) => r[si0] ?? 0),
      weak: held.map((r) => r[wi0] ?? 0),
    }).apgr;
  },
);

// 2. Fit on every training row; score MT-Bench.
const full = joint(set);
const q = full.predict(mt.embeddings);
const trainJoint = full.predict(set.embeddings);
const nn = nearest(set.embeddings, mt.embeddings, K);
const similarity = nn.map((list) => list[0]?.similarity ?? 0).sort((a, b) => a - b);
console.log(`MMLU + GSM8K: ${set.embeddings.length} training rows; K = ${K}`);
console.log(
  `median cosine of an MT-Bench prompt's nearest training prompt: ${similarity[similarity.length >> 1]?.toFixed(3)}`,
);
console.log(
  `grouped CV Brier: ${BLEND_VARIANTS.map((v, j) => `${v.name} ${(cv.brier[j] as number).toFixed(4)}`).join('; ')}`,
);
console.log(
  `CV APGR (routing criterion): ${BLEND_VARIANTS.map((v, j) => `${v.name} ${(cv.routing[j] as number).toFixed(4)}`).join('; ')}`,
);
console.log('| predictor | CV Brier | MT-Bench APGR | CPT(50%) |');
console.log('| --- | ---: | ---: | ---: |');
for (const [label, j] of reportedBlends(cv)) {
  const v = BLEND_VARIANTS[j] as (typeof BLEND_VARIANTS)[number];
  const rows = v.apply(q, nn, set.quality, trainJoint);
  const result = mtBenchServedApgr(mt, rows, set.models);
  console.log(
    `| ${label} (${v.name}) | ${(cv.brier[j] as number).toFixed(4)} | ${result.apgr.toFixed(3)} | ${(100 * result.cpt50).toFixed(1)}% |`,
  );
}
