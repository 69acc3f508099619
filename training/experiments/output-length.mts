/**
 * Output-length estimators compared on answer lengths they never trained on: the recipe's length
 * data (RouterBench responses, GSM8K responses) split 80/20 by prompt, then MT-Bench answers and
 * AlpacaEval output lengths (evaluation only, chars / 4) as open questions from elsewhere.
 *
 *   npx tsx training/experiments/output-length.mts
 */
import { fitOutputLengthPredictor } from '../../src/predict/output-length.js';
import type { OutputLengthOptions } from '../../src/predict/output-length.js';
import type { TrainingSet } from '../../src/predict/predictor.js';
import { loadEmbedded } from './lib.js';

const lengthSets = ['routerbench', 'gsm8k'];
const evalSets = [
  'mt-bench',
  'alpacaeval/gpt-3.5-turbo-1106',
  'alpacaeval/claude-instant-v1',
  'alpacaeval/mixtral-8x7b',
];
const models: string[] = [];
interface Row {
  x: Float32Array;
  tokens: Map<string, number>;
  set: string;
}
const rows: Row[] = [];
for (const name of [...lengthSets, ...evalSets]) {
  const { dataset, embeddings } = await loadEmbedded(name);
  for (const m of dataset.models) if (!models.includes(m)) models.push(m);
  dataset.prompts.forEach((p, i) => {
    const tokens = new Map<string, number>();
    dataset.models.forEach((m, j) => {
      const t = p.outputTokens?.[j];
      if (t !== undefined && Number.isFinite(t)) tokens.set(m, t);
    });
    rows.push({
      x: embeddings[i] as Float32Array,
      tokens,
      set: name.startsWith('alpacaeval') ? 'alpacaeval' : name,
    });
  });
}
// Seeded 80/20 split of the training sets' rows.
let s = 7;
const rand = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const train: Row[] = [];
const test: Row[] = [];
for (const r of rows) (lengthSets.includes(r.set) && rand() < 0.8 ? train : test).push(r);
const toSet = (rs: Row[]): TrainingSet => ({
  models,
  embeddings: rs.map((r) => r.x),
  quality: rs.map(() => new Float64Array(models.length).fill(Number.NaN)),
  outputTokens: rs.map((r) => Float64Array.from(models, (m) => r.tokens.get(m) ?? Number.NaN)),
});
const variants: Record<string, OutputLengthOptions> = {
  'own regressions everywhere (evidenceGate: false)': { evidenceGate: false },
  'gated by the evidence near the prompt (default)': {},
  ...(JSON.parse(process.env['VARIANTS'] ?? '{}') as Record<string, OutputLengthOptions>),
};
const median = (v: number[]): number => {
  const s2 = [...v].sort((a, b) => a - b);
  return s2.length === 0
    ? Number.NaN
    : ((s2[(s2.length - 1) >> 1] as number) + (s2[s2.length >> 1] as number)) / 2;
};
for (const [name, options] of Object.entries(variants)) {
  const predictor = fitOutputLengthPredictor(toSet(train), options);
  const predicted = predictor.predict(test.map((r) => r.x));
  const bySet = new Map<
    string,
    { err: number[]; under30: number; n: number; ratioErr: number[]; pred: number[] }
  >();
  test.forEach((r, i) => {
    const entry = bySet.get(r.set) ?? { err: [], under30: 0, n: 0, ratioErr: [], pred: [] };
    bySet.set(r.set, entry);
    const ref = 'openai/gpt-4-1106-preview';
    for (const [m, t] of r.tokens) {
      const j = models.indexOf(m);
      const guess = predicted[i]?.[j] ?? Number.NaN;
      entry.err.push(Math.abs(Math.log1p(guess) - Math.log1p(t)));
      entry.pred.push(guess);
      entry.n++;
      if (guess < 30) entry.under30++;
      const tr = r.tokens.get(ref);
      if (m !== ref && tr !== undefined) {
        const gr = predicted[i]?.[models.indexOf(ref)] ?? Number.NaN;
        entry.ratioErr.push(
          Math.abs(Math.log1p(guess) - Math.log1p(gr) - (Math.log1p(t) - Math.log1p(tr))),
        );
      }
    }
  });
  const parts = [...bySet].map(
    ([set, e]) =>
      `${set}: |log err| ${median(e.err).toFixed(3)}, ratio vs GPT-4T ${median(e.ratioErr).toFixed(3)}, median pred ${median(e.pred).toFixed(0)}, <30 ${((100 * e.under30) / e.n).toFixed(1)}%`,
  );
  console.log(`${name}\n  ${parts.join('\n  ')}`);
}
