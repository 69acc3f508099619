/**
 * MT-Bench routing experiment: train on RouteLLM MMLU + GSM8K (GPT-4-1106 vs Mixtral-8x7B, 0/1
 * labels), choose among router scores by grouped 5-fold CV APGR on the training data only, and
 * report every candidate's MT-Bench APGR / CPT (72 clean questions, GPT-4 judge scores).
 *
 *   npx tsx training/experiments/mtbench.ts [--partial] [--only name1,name2] [--folds 5]
 */
import { parseArgs } from 'node:util';
import type { QualityPredictor, TrainingSet } from '../../src/predict/index.js';
import {
  assignFolds,
  fitKnnPredictor,
  fitLogisticPredictor,
  fitMfPredictor,
  foldIndices,
  subsetTrainingSet,
  trainingSetFromDatasets,
} from '../../src/predict/index.js';
import { apgr, column, loadEmbedded, seconds } from './lib.js';

const { values } = parseArgs({
  options: {
    partial: { type: 'boolean', default: false },
    only: { type: 'string' },
    folds: { type: 'string', default: '5' },
  },
});

const [mmlu, gsm8k, mt] = await Promise.all([
  loadEmbedded('mmlu', values.partial),
  loadEmbedded('gsm8k', values.partial),
  loadEmbedded('mt-bench', values.partial),
]);
const train = trainingSetFromDatasets([mmlu, gsm8k]);
const weakId = mmlu.dataset.models[0] as string;
const strongId = mmlu.dataset.models[1] as string;
const W = train.models.indexOf(weakId);
const S = train.models.indexOf(strongId);
console.error(
  `train rows ${train.embeddings.length} (${weakId} weak, ${strongId} strong); mt-bench ${mt.dataset.prompts.length}`,
);

/** A router: fit on a training set, return a scorer (higher = send to strong). */
type Router = (
  set: TrainingSet,
  weights?: Float64Array,
) => (embeddings: readonly Float32Array[]) => number[];

const byModel =
  (p: QualityPredictor, f: (row: Float64Array) => number) => (e: readonly Float32Array[]) =>
    p.predict(e).map(f);

/** A single-column training set with a derived label per row. */
function derived(set: TrainingSet, label: (row: Float64Array) => number): TrainingSet {
  return {
    models: ['target'],
    embeddings: set.embeddings,
    quality: set.quality.map((r) => Float64Array.of(label(r))),
  };
}

const gain = (r: Float64Array): number => ((r[S] ?? 0) === 1 && (r[W] ?? 0) === 0 ? 1 : 0);
const soft = (r: Float64Array): number => ((r[S] ?? 0) - (r[W] ?? 0) + 1) / 2;

const routers: Record<string, Router> = {};
for (const l2 of [1e-5, 1e-4, 1e-3, 1e-2]) {
  routers[`lr-weak l2=${l2}`] = (set) =>
    byModel(fitLogisticPredictor(set, { l2 }), (r) => 1 - (r[W] ?? 0));
  routers[`lr-diff l2=${l2}`] = (set) =>
    byModel(fitLogisticPredictor(set, { l2 }), (r) => (r[S] ?? 0) - (r[W] ?? 0));
  routers[`lr-gain l2=${l2}`] = (set) =>
    byModel(fitLogisticPredictor(derived(set, gain), { l2 }), (r) => r[0] ?? 0);
  routers[`lr-soft l2=${l2}`] = (set) =>
    byModel(fitLogisticPredictor(derived(set, soft), { l2 }), (r) => r[0] ?? 0);
}
for (const r of [8, 32]) {
  routers[`mf-diff r=${r}`] = (set) =>
    byModel(
      fitMfPredictor(set, { latentDimension: r, epochs: 10, seed: 1 }),
      (p) => (p[S] ?? 0) - (p[W] ?? 0),
    );
  routers[`mf-weak r=${r}`] = (set) =>
    byModel(
      fitMfPredictor(set, { latentDimension: r, epochs: 10, seed: 1 }),
      (p) => 1 - (p[W] ?? 0),
    );
}
for (const k of [25, 100]) {
  routers[`knn-weak k=${k}`] = (set) =>
    byModel(
      fitKnnPredictor(set, { k, temperature: 0.05, priorStrength: 2 }),
      (r) => 1 - (r[W] ?? 0),
    );
  routers[`knn-gain k=${k}`] = (set) =>
    byModel(
      fitKnnPredictor(derived(set, gain), { k, temperature: 0.05, priorStrength: 2 }),
      (r) => r[0] ?? 0,
    );
}

const weightsFor = (set: TrainingSet, gsmShare: number): Float64Array => {
  // Rows of GSM8K get total weight gsmShare, MMLU rows 1 - gsmShare (GSM8K rows have groups gsm8k/...).
  const isGsm = set.embeddings.map((e) => gsmRows.has(e));
  const nG = isGsm.filter(Boolean).length;
  const nM = isGsm.length - nG;
  return Float64Array.from(isGsm, (g) =>
    g
      ? (gsmShare * isGsm.length) / Math.max(1, nG)
      : ((1 - gsmShare) * isGsm.length) / Math.max(1, nM),
  );
};
const gsmRows = new Set(gsm8k.embeddings);
for (const share of [0.25, 0.5]) {
  routers[`lr-weak gsm=${share}`] = (set) =>
    byModel(
      fitLogisticPredictor(set, { l2: 1e-3, rowWeights: weightsFor(set, share) }),
      (r) => 1 - (r[W] ?? 0),
    );
  routers[`lr-gain gsm=${share}`] = (set) =>
    byModel(
      fitLogisticPredictor(derived(set, gain), { l2: 1e-3, rowWeights: weightsFor(set, share) }),
      (r) => r[0] ?? 0,
    );
}
routers['committee lr-weak l2=1e-5..1e-3'] = (set) => {
  const members = [1e-5, 1e-4, 1e-3].map((l2) => routers[`lr-weak l2=${l2}`]?.(set));
  return (e) => {
    const out = e.map(() => 0);
    for (const m of members) (m?.(e) ?? []).forEach((v, i) => (out[i] = (out[i] ?? 0) + v));
    return out;
  };
};
routers['ens weak lr+mf'] = (set) => {
  const a = routers['lr-weak l2=0.001']?.(set);
  const b = routers['mf-weak r=8']?.(set);
  return (e) => {
    const sa = a?.(e) ?? [];
    const sb = b?.(e) ?? [];
    return sa.map((v, i) => v + (sb[i] ?? 0));
  };
};
routers['ens weak+gain lr'] = (set) => {
  const a = routers['lr-weak l2=0.001']?.(set);
  const b = routers['lr-gain l2=0.001']?.(set);
  return (e) => {
    const sa = a?.(e) ?? [];
    const sb = b?.(e) ?? [];
    return sa.map((v, i) => v + 2 * (sb[i] ?? 0));
  };
};

const selected = values.only === undefined ? Object.keys(routers) : values.only.split(',');
const folds = Number(values.folds);
const assignment = assignFolds({
  rows: train.embeddings.length,
  folds,
  seed: 7,
  groups: train.groups,
});
const mtStrong = mt.dataset.prompts.map(
  (p) => p.rawScore?.[mt.dataset.models.indexOf(strongId)] ?? Number.NaN,
);
const mtWeak = mt.dataset.prompts.map(
  (p) => p.rawScore?.[mt.dataset.models.indexOf(weakId)] ?? Number.NaN,
);

const mmluOnly = trainingSetFromDatasets([mmlu]);
const gsmOnly = trainingSetFromDatasets([gsm8k]);
console.log('router'.padEnd(24), 'cvAPGR', '  ±  ', 'xferAPGR', ' mtAPGR', 'CPT50', 'CPT80', 'sec');
for (const name of selected) {
  const router = routers[name];
  if (router === undefined) continue;
  const started = performance.now();
  const cv: number[] = [];
  for (let f = 0; f < folds; f++) {
    const { train: tr, test: te } = foldIndices(assignment, f);
    const heldOut = subsetTrainingSet(train, te);
    const scores = router(subsetTrainingSet(train, tr))(heldOut.embeddings);
    cv.push(
      apgr({ scores, strong: column(heldOut.quality, S), weak: column(heldOut.quality, W) }).apgr,
    );
  }
  const mean = cv.reduce((a, b) => a + b, 0) / cv.length;
  const xferScores = router(mmluOnly)(gsmOnly.embeddings);
  const xfer = apgr({
    scores: xferScores,
    strong: column(gsmOnly.quality, gsmOnly.models.indexOf(strongId)),
    weak: column(gsmOnly.quality, gsmOnly.models.indexOf(weakId)),
  }).apgr;
  const sd = Math.sqrt(cv.reduce((a, b) => a + (b - mean) ** 2, 0) / cv.length);
  const scores = router(train)(mt.embeddings);
  const result = apgr({ scores, strong: mtStrong, weak: mtWeak });
  console.log(
    name.padEnd(24),
    mean.toFixed(4),
    sd.toFixed(3),
    xfer.toFixed(4).padStart(8),
    result.apgr.toFixed(4),
    (100 * result.cpt50).toFixed(1).padStart(5),
    (100 * result.cpt80).toFixed(1).padStart(5),
    seconds(started),
  );
}
