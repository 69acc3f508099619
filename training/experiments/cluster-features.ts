/**
 * Prompt clusters in the joint model's specialisation (`clusters` option of fitIrtPredictor: soft
 * memberships of the prompt in C spherical k-means clusters of the training prompts, read by P
 * beside the embedding): 5-fold CV Brier on the suite's training 80% (the clusters refitted per
 * fold), then the hold-out Brier and AIQ (served rule, served floor), for each C in --clusters.
 *
 * Run: npx tsx training/experiments/cluster-features.ts --dataset llmrouter|routerbench [--clusters 0,32] [--k 4]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import { cvBrier, fitJoint } from './joint.js';
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

const h = await suiteHoldOut(values.dataset);
const set = h.trainingSet(h.train);
const fit = (train: typeof set, clusters: number) =>
  fitJoint(train, { latentDimension: latent, members, clusters });
console.log(`| dataset | C | k | CV Brier | hold-out Brier | hold-out AIQ (served floor) |`);
for (const clusters of clusterCounts) {
  const t0 = performance.now();
  const cv = cvBrier(set, (train) => fit(train, clusters));
  const q = h.inDatasetOrder(set.models, fit(set, clusters).predict(h.embeddingsOf(h.test)));
  const b = brier(q, h.labelsOf(h.test));
  const aiq = h.score(q, DEFAULT_QUALITY_FLOOR);
  console.log(
    `| ${values.dataset} | ${clusters} | ${latent} | ${cv.toFixed(4)} | ${(b.sum / b.n).toFixed(4)} | ${aiq.estimate.toFixed(3)} [${aiq.low.toFixed(3)}, ${aiq.high.toFixed(3)}] | (${seconds(t0)} s)`,
  );
}
