/**
 * Do a few surface statistics of the prompt text (length, digits, lines, code and maths characters,
 * non-ASCII share, question marks), appended to the USE-Lite embedding, help the joint model? The
 * embedding sees at most 128 tokens and says little about length or form. Chosen on training folds:
 * 5-fold CV Brier on the suite's training 80% (llmrouter, routerbench), grouped 5-fold CV on
 * MMLU + GSM8K (the MT-Bench transfer); then the hold-out AIQ (served rule, served floor) or MT-Bench
 * APGR (this directory's approximation of the served two-model ordering, as knn-blend-mtbench.ts).
 *
 * Run: npx tsx training/experiments/surface-features.ts --dataset llmrouter|routerbench|mtbench [--scales 0,1]
 */
import { parseArgs } from 'node:util';
import { trainingSetFromDatasets, type MergedTrainingSet } from '../../src/predict/index.js';
import { DEFAULT_QUALITY_FLOOR } from '../../src/router/index.js';
import { cvBrier, fitJoint } from './joint.js';
import { apgr, loadEmbedded, loadMtBench, mtBenchServedApgr, seconds } from './lib.js';
import { brier } from './neighbours.js';
import { suiteHoldOut } from './suite-holdout.js';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'llmrouter' },
    scales: { type: 'string', default: '0,1' },
    members: { type: 'string', default: '4' },
  },
});
const scales = values.scales.split(',').map(Number);
const members = Number(values.members);

/** Surface statistics of a prompt, each roughly in [0, 1]. */
export function surfaceFeatures(text: string): number[] {
  const n = Math.max(1, text.length);
  let digits = 0;
  let code = 0;
  let maths = 0;
  let nonAscii = 0;
  let lines = 0;
  let questions = 0;
  for (const ch of text) {
    if (ch >= '0' && ch <= '9') digits++;
    else if ('{}[]();<>_`|#'.includes(ch)) code++;
    else if ('+-*/^=\\$%'.includes(ch)) maths++;
    else if (ch === '\n') lines++;
    else if (ch === '?') questions++;
    else if (ch.charCodeAt(0) > 127) nonAscii++;
  }
  return [
    Math.log1p(n) / 10,
    Math.min(1, (5 * digits) / n),
    Math.log1p(lines) / 6,
    Math.min(1, (10 * code) / n),
    Math.min(1, (10 * maths) / n),
    Math.min(1, nonAscii / n),
    Math.log1p(questions) / 3,
  ];
}

function augment(embeddings: readonly Float32Array[], texts: readonly string[], scale: number) {
  if (scale === 0) return [...embeddings];
  return embeddings.map((x, i) => {
    const f = surfaceFeatures(texts[i] ?? '');
    const out = new Float32Array(x.length + f.length);
    out.set(x);
    f.forEach((v, j) => (out[x.length + j] = scale * v));
    return out;
  });
}

const fit = (set: MergedTrainingSet, k: number) => fitJoint(set, { latentDimension: k, members });
const cvBrierAt = (set: MergedTrainingSet, k: number, grouped: boolean) =>
  cvBrier(set, (train) => fit(train, k), grouped);

if (values.dataset === 'alpacaeval') {
  // Evaluation only (CC BY-NC): the three AlpacaEval pairs, trained on the permissive sets.
  const names = ['mmlu', 'gsm8k', 'routerbench', 'llmrouter', 'everyday'];
  const parts = [];
  for (const name of names) parts.push(await loadEmbedded(name));
  const texts = parts.flatMap((p) => p.dataset.prompts.map((q) => q.text));
  const base = trainingSetFromDatasets(parts);
  const pairs = [];
  for (const pair of ['gpt-3.5-turbo-1106', 'claude-instant-v1', 'mixtral-8x7b'])
    pairs.push(await loadEmbedded(`alpacaeval/${pair}`));
  for (const scale of scales) {
    const t0 = performance.now();
    const set = { ...base, embeddings: augment(base.embeddings, texts, scale) };
    const predictor = fit(set, 4);
    const cells = pairs.map((pair) => {
      const [strongId, weakId] = pair.dataset.models as [string, string];
      const si = set.models.indexOf(strongId);
      const wi = set.models.indexOf(weakId);
      const q = predictor.predict(
        augment(
          pair.embeddings,
          pair.dataset.prompts.map((p) => p.text),
          scale,
        ),
      );
      const strong = pair.dataset.prompts.map((p) => p.quality[0] ?? Number.NaN);
      const weak = pair.dataset.prompts.map((p) => p.quality[1] ?? Number.NaN);
      const routed = apgr({
        scores: q.map((row) => (row[si] ?? 0) - (wi < 0 ? 0.5 : (row[wi] ?? 0))),
        strong,
        weak,
      }).apgr;
      const oracle = apgr({ scores: strong.map((v, i) => v - (weak[i] ?? 0)), strong, weak }).apgr;
      return `${pair.dataset.models[1]} ${routed.toFixed(3)} (headroom ${((routed - 0.5) / (oracle - 0.5)).toFixed(2)}, si ${si} wi ${wi})`;
    });
    console.log(`| ${scale} | ${cells.join(' | ')} | (${seconds(t0)} s)`);
  }
} else if (values.dataset === 'mtbench') {
  const parts = [await loadEmbedded('mmlu'), await loadEmbedded('gsm8k')];
  const texts = parts.flatMap((p) => p.dataset.prompts.map((q) => q.text));
  const base = trainingSetFromDatasets(parts);
  const mt = await loadMtBench();
  for (const scale of scales) {
    const t0 = performance.now();
    const set = { ...base, embeddings: augment(base.embeddings, texts, scale) };
    const cv = cvBrierAt(set, 0, true);
    const q = fit(set, 0).predict(
      augment(
        mt.embeddings,
        mt.dataset.prompts.map((p) => p.text),
        scale,
      ),
    );
    const r = mtBenchServedApgr(mt, q, set.models);
    console.log(
      `| ${scale} | ${cv.toFixed(4)} | ${r.apgr.toFixed(3)} | ${(100 * r.cpt50).toFixed(1)}% | (${seconds(t0)} s)`,
    );
  }
} else {
  const h = await suiteHoldOut(values.dataset);
  const texts = h.dataset.prompts.map((p) => p.text);
  for (const scale of scales) {
    const t0 = performance.now();
    const all = augment(h.embeddings, texts, scale);
    const set = h.trainingSet(h.train, all);
    const cv = cvBrierAt(set, 4, false);
    const q = h.inDatasetOrder(
      set.models,
      fit(set, 4).predict(h.test.map((r) => all[r] as Float32Array)),
    );
    const b = brier(q, h.labelsOf(h.test));
    const aiq = h.score(q, DEFAULT_QUALITY_FLOOR);
    console.log(
      `| ${values.dataset} | ${scale} | ${cv.toFixed(4)} | ${(b.sum / b.n).toFixed(4)} | ${aiq.estimate.toFixed(3)} [${aiq.low.toFixed(3)}, ${aiq.high.toFixed(3)}] | (${seconds(t0)} s)`,
    );
  }
}
