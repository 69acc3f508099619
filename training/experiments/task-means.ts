/**
 * How much of the LLMRouter suite's routing a task-level predictor gets: the suite's own 20% held-out
 * split (seed 42, stratified by task, the same split as `arbiter bench --suite llmrouter`), scored
 * with the served rule (quality floor 0.9 and without it) over the same knob sweep as the suite.
 * Predictors, all fitted on the training 80% only:
 * - task means: each model's mean quality over the training prompts of the test prompt's task (the
 *   task label is known here; at serving time it is not);
 * - k-NN means: each model's mean quality over the test prompt's K nearest training prompts by cosine
 *   on USE-Lite (no task label);
 * Brier score of each against the held-out outcomes. Compare with router-irt in
 * benchmarks/results/llmrouter/report.md (the served joint model, same split).
 *
 * Run: npx tsx training/experiments/task-means.ts (needs the cached embeddings: arbiter bench --suite llmrouter first)
 */
import { loadCatalog } from '../../src/catalog/index.js';
import { createRng } from '../../src/core/index.js';
import { accountingCosts, catalogModels, inputTokenMatrix } from '../../src/bench/cost.js';
import { scoreRouter, type ScoringContext } from '../../src/bench/score-router.js';
import { normalisedText } from '../../src/bench/folds.js';
import { holdOutSplit } from '../../src/predict/index.js';
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import { loadEmbedded } from './lib.js';

const { dataset, embeddings } = await loadEmbedded('llmrouter');
const catalog = loadCatalog();
const entries = catalogModels(catalog, dataset.models);
const M = dataset.models.length;
const prompts = dataset.prompts;
const costs = accountingCosts({
  prompts,
  models: entries,
  inputTokens: inputTokenMatrix(prompts, entries),
  defaultOutputTokens: 128,
});
const split = holdOutSplit({
  rows: prompts.length,
  heldOutFraction: 0.2,
  seed: 42,
  strata: prompts.map((p) => p.group),
});
// As the suite: a prompt whose text (whitespace-normalised) is held out is not trained on.
const heldOutTexts = new Set(split.test.map((r) => normalisedText(prompts[r]?.text ?? '')));
const train = split.train.filter((r) => !heldOutTexts.has(normalisedText(prompts[r]?.text ?? '')));
const test = split.test.filter((r) => [...(prompts[r]?.quality ?? [])].every(Number.isFinite));

function meanQuality(rows: readonly number[]): Float64Array {
  const out = new Float64Array(M);
  for (const r of rows)
    for (let m = 0; m < M; m++) out[m]! += (prompts[r]?.quality[m] ?? 0) / rows.length;
  return out;
}

const byTask = new Map<string, number[]>();
for (const r of train) {
  const g = prompts[r]?.group ?? '';
  byTask.set(g, [...(byTask.get(g) ?? []), r]);
}
const taskMean = new Map([...byTask].map(([g, rows]) => [g, meanQuality(rows)]));

function knnMeans(k: number): Float64Array[] {
  return test.map((r) => {
    const x = embeddings[r] as Float32Array;
    const sims = train.map((j) => {
      const y = embeddings[j] as Float32Array;
      let dot = 0;
      for (let t = 0; t < x.length; t++) dot += (x[t] as number) * (y[t] as number);
      return { j, dot };
    });
    sims.sort((a, b) => b.dot - a.dot);
    return meanQuality(sims.slice(0, k).map((s) => s.j));
  });
}

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
};
const predictors: [string, Float64Array[]][] = [
  [
    'task means (task label known)',
    test.map((r) => taskMean.get(prompts[r]?.group ?? '') as Float64Array),
  ],
  ['50-NN means', knnMeans(50)],
  ['200-NN means', knnMeans(200)],
];
console.log(
  `LLMRouter suite split: ${train.length} training prompts, ${test.length} held out, ${byTask.size} tasks`,
);
console.log('| predictor | Brier | AIQ, served floor | AIQ, no floor |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, predicted] of predictors) {
  let brier = 0;
  predicted.forEach((row, i) =>
    row.forEach((q, m) => (brier += (q - (truth.quality[i]?.[m] ?? 0)) ** 2)),
  );
  const aiq = (floor: number | undefined): string =>
    (
      scoreRouter(floor === undefined ? context : { ...context, qualityFloor: floor }, {
        name,
        description: name,
        predictedQuality: predicted,
        estimatedCostUsd: truth.costUsd,
        hyperparameters: [],
        trainMs: 0,
      }).manyModel?.aiq.estimate ?? Number.NaN
    ).toFixed(3);
  console.log(
    `| ${name} | ${(brier / (predicted.length * M)).toFixed(4)} | ${aiq(DEFAULT_QUALITY_FLOOR)} | ${aiq(undefined)} |`,
  );
}
