/**
 * The joint model blended with a neighbour average, on the two-model transfer (train on MMLU + GSM8K,
 * never MT-Bench): w in q = (1 - w) q_joint + w q_kNN chosen by 5-fold CV grouped by subject (seed 7)
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

const { values } = parseArgs({ options: { k: { type: 'string', default: '50' } } });
const K = Number(values.k);
const WEIGHTS = [0, 0.25, 0.5, 0.75, 1];
const parts = [await loadEmbedded('mmlu'), await loadEmbedded('gsm8k')];
const set = trainingSetFromDatasets(parts);
const facts = publicModelFacts(loadCatalog());
const M = set.models.length;

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

function knn(train: TrainingSet, targets: readonly Float32Array[]): Float64Array[] {
  return targets.map((x) => {
    const sims = train.embeddings.map((y, j) => {
      let dot = 0;
      for (let i = 0; i < x.length; i++) dot += (x[i] as number) * (y[i] as number);
      return { j, dot };
    });
    sims.sort((a, b) => b.dot - a.dot);
    const sum = new Float64Array(M);
    const count = new Float64Array(M);
    for (const { j } of sims.slice(0, K)) {
      train.quality[j]?.forEach((q, m) => {
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

// 1. Grouped CV on the training rows.
const assignment = assignFolds({
  rows: set.embeddings.length,
  folds: 5,
  seed: 7,
  groups: set.groups,
});
const cv = WEIGHTS.map(() => ({ sum: 0, n: 0 }));
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
  const n = knn(inner, targets);
  WEIGHTS.forEach((w, j) => {
    blend(q, n, w).forEach((row, t) =>
      row.forEach((p, m) => {
        const y = set.quality[test[t] as number]?.[m] ?? Number.NaN;
        if (Number.isFinite(y)) {
          (cv[j] as { sum: number; n: number }).sum += (p - y) ** 2;
          (cv[j] as { sum: number; n: number }).n += 1;
        }
      }),
    );
  });
  console.error(`CV fold ${f + 1}/5 done`);
}
const cvBrier = cv.map((c) => c.sum / c.n);
const chosen = WEIGHTS[cvBrier.indexOf(Math.min(...cvBrier))] as number;

// 2. Fit on every training row; score MT-Bench.
const mt = await loadEmbedded('mt-bench');
const [weakId, strongId] = mt.dataset.models as [string, string];
const wi = set.models.indexOf(weakId);
const si = set.models.indexOf(strongId);
const strong = mt.dataset.prompts.map((p) => p.rawScore?.[1] ?? Number.NaN);
const weak = mt.dataset.prompts.map((p) => p.rawScore?.[0] ?? Number.NaN);
const tokens = mt.dataset.prompts.map((p) => countTokens(p.text, 'cl100k_base'));
const q = joint(set, set.groups, set.datasets).predict(mt.embeddings);
const n = knn(set, mt.embeddings);
console.log(`MMLU + GSM8K: ${set.embeddings.length} training rows; K = ${K}`);
console.log(
  `grouped CV Brier by w (${WEIGHTS.join(', ')}): ${cvBrier.map((v) => v.toFixed(4)).join(', ')}; chosen w = ${chosen}`,
);
console.log('| w | MT-Bench APGR | CPT(50%) |');
console.log('| --- | ---: | ---: |');
for (const w of [...new Set([0, chosen, 0.25, 0.5])]) {
  const rows = blend(q, n, w);
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
    `| ${w}${w === chosen ? ' (CV)' : ''} | ${result.apgr.toFixed(3)} | ${(100 * result.cpt50).toFixed(1)}% |`,
  );
}
