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
import {
  lengthTrainingSet,
  loadLengthRows,
  median,
  splitLengthRows,
  type LengthRow,
} from './lib.js';

const lengthSets = ['routerbench', 'gsm8k'];
const evalSets = [
  'mt-bench',
  'alpacaeval/gpt-3.5-turbo-1106',
  'alpacaeval/claude-instant-v1',
  'alpacaeval/mixtral-8x7b',
];
const { models, rows } = await loadLengthRows([...lengthSets, ...evalSets]);
// Seeded 80/20 split of the training sets' rows.
const { train, test } = splitLengthRows(rows, (r) => lengthSets.includes(r.set));
const toSet = (rs: readonly LengthRow[]): TrainingSet => lengthTrainingSet(models, rs);
const variants: Record<string, OutputLengthOptions> = {
  'own regressions everywhere (evidenceGate: false)': { evidenceGate: false },
  'gated by the evidence near the prompt (default)': {},
  ...(JSON.parse(process.env['VARIANTS'] ?? '{}') as Record<string, OutputLengthOptions>),
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
