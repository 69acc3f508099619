/**
 * Prompt clusters in the joint model's specialisation (`clusters` option of fitIrtPredictor: soft
 * memberships of the prompt in C spherical k-means clusters of the training prompts, read by P
 * beside the embedding): 5-fold CV Brier on the suite's training 80% (the clusters refitted per
 * fold), then the hold-out Brier and AIQ (served rule, served floor), for each C in --clusters.
 *
 * Run: npx tsx training/experiments/cluster-features.ts --dataset llmrouter|routerbench [--clusters 0,32] [--k 4]
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
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import { seconds } from './lib.js';
import { brier } from './neighbours.js';
import { suiteHoldOut } from './suite-holdout.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'llmrouter' },
    clusters: { type: 'string', default: '0,32' },
    k: { type: 'string', default: '4' },
    members: { type: 'string', default: '4' },
  },
});
const clusterCounts = values.clusters.split(',').map(Number);
const members = Number(values.members);
const latent = Number(values.k);

const facts = publicModelFacts(loadCatalog());
type Labelled = TrainingSet & {
  readonly datasets: readonly string[];
  readonly groups: readonly string[];
};
function fit(set: Labelled, clusters: number) {
  return trainQualityPredictor({
    kind: 'irt',
    set,
    seed: 42,
    facts,
    ...jointRowInputs(set.datasets, set.groups),
    hyperparameters: { latentDimension: latent, members, clusters },
    calibration: 'none',
  }).predictor;
}

/** 5-fold CV Brier (each fold's fit finds its own clusters). */
function cvBrier(set: Labelled, clusters: number): number {
  const assignment = assignFolds({ rows: set.embeddings.length, folds: 5, seed: 7 });
  let sum = 0;
  let count = 0;
  for (let f = 0; f < 5; f++) {
    const { train, test } = foldIndices(assignment, f);
    const inner = {
      ...subsetTrainingSet(set, train),
      datasets: train.map((i) => set.datasets[i] as string),
      groups: train.map((i) => set.groups[i] as string),
    };
    const p = fit(inner, clusters).predict(test.map((i) => set.embeddings[i] as Float32Array));
    const b = brier(
      p,
      test.map((i) => set.quality[i] as ArrayLike<number>),
    );
    sum += b.sum;
    count += b.n;
  }
  return sum / count;
}

const h = await suiteHoldOut(values.dataset);
const part = (rows: readonly number[]) => ({
  dataset: { ...h.dataset, prompts: rows.map((r) => h.dataset.prompts[r]!) },
  embeddings: rows.map((r) => h.embeddings[r] as Float32Array),
});
const set = trainingSetFromDatasets([part(h.train)]);
console.log(`| dataset | C | k | CV Brier | hold-out Brier | hold-out AIQ (served floor) |`);
for (const clusters of clusterCounts) {
  const t0 = performance.now();
  const cv = cvBrier(set, clusters);
  const columns = h.dataset.models.map((m) => set.models.indexOf(m));
  const q = fit(set, clusters)
    .predict(h.test.map((r) => h.embeddings[r] as Float32Array))
    .map((row) => Float64Array.from(columns, (c) => (c < 0 ? 0.5 : (row[c] as number))));
  const b = brier(q, h.labelsOf(h.test));
  const aiq = h.score(q, DEFAULT_QUALITY_FLOOR);
  console.log(
    `| ${values.dataset} | ${clusters} | ${latent} | ${cv.toFixed(4)} | ${(b.sum / b.n).toFixed(4)} | ${aiq.estimate.toFixed(3)} [${aiq.low.toFixed(3)}, ${aiq.high.toFixed(3)}] | (${seconds(t0)} s)`,
  );
}
