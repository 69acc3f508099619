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
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import { brier, globalBlend, nearest } from './neighbours.js';
import { suiteHoldOut } from './suite-holdout.js';

const holdOut = await suiteHoldOut('llmrouter');
const { dataset, train, test, labelsOf, embeddingsOf } = holdOut;
const prompts = dataset.prompts;
const M = dataset.models.length;

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

/** Each model's plain mean over the k nearest training prompts (a full blend toward them). */
function knnMeans(k: number): Float64Array[] {
  const neighbours = nearest(embeddingsOf(train), embeddingsOf(test), k);
  const fallback = test.map(() => new Float64Array(M).fill(0.5));
  return globalBlend(fallback, neighbours, labelsOf(train), 1);
}

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
const heldLabels = labelsOf(test);
for (const [name, predicted] of predictors) {
  const b = brier(predicted, heldLabels);
  const served = holdOut.score(predicted, DEFAULT_QUALITY_FLOOR).estimate.toFixed(3);
  const noFloor = holdOut.score(predicted).estimate.toFixed(3);
  console.log(`| ${name} | ${(b.sum / b.n).toFixed(4)} | ${served} | ${noFloor} |`);
}
