/**
 * Does MT-Bench (Apache-2.0: 80 chat questions, GPT-4 Turbo's and Mixtral's first-turn answers)
 * teach the length model how long a chat answer is? The recipe's length data (RouterBench, GSM8K
 * responses) split 80/20 by prompt as in output-length.mts; MT-Bench scored by 5-fold CV over its
 * questions (each fold's model trained on the length data's 80% plus the other four fifths), with
 * its rows weighted x1 / x4 / x16 (repeated); AlpacaEval (evaluation only, never trained on) scored
 * by a model trained on the 80% plus all of MT-Bench.
 *
 *   npx tsx training/experiments/output-length-chat.mts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractJudgedAnswer } from '../../src/data/mt-bench.js';
import { resolveDataDir } from '../../src/data/data-dir.js';
import { countTokens } from '../../src/tokens/count-tokens.js';
import { fitOutputLengthPredictor } from '../../src/predict/output-length.js';
import type { TrainingSet } from '../../src/predict/predictor.js';
import {
  lengthTrainingSet,
  loadEmbedded,
  loadLengthRows,
  median,
  splitLengthRows,
  type LengthRow,
} from './lib.js';

const { models, rows } = await loadLengthRows([
  'routerbench',
  'gsm8k',
  'alpacaeval/gpt-3.5-turbo-1106',
  'alpacaeval/claude-instant-v1',
  'alpacaeval/mixtral-8x7b',
]);
// MT-Bench: first-turn answers only (the router routes a request, not a conversation's future).
const mt = await loadEmbedded('mt-bench');
const judgements = readFileSync(
  join(resolveDataDir(), 'RouteLLM/routellm/evals/mt_bench/judgements.jsonl'),
  'utf8',
);
const firstTurn = new Map<string, number>();
const names: Record<string, string> = {
  'gpt-4-1106-preview': 'openai/gpt-4-1106-preview',
  'mistralai/Mixtral-8x7B-Instruct-v0.1': 'mistralai/mixtral-8x7b-instruct-v0.1',
};
for (const line of judgements.split('\n')) {
  if (line.trim() === '') continue;
  const r = JSON.parse(line) as {
    question_id: number;
    model: string;
    turn: number;
    user_prompt: string;
  };
  const model = names[r.model];
  if (r.turn !== 1 || model === undefined) continue;
  const answer = extractJudgedAnswer(r.user_prompt, 1);
  if (answer !== undefined) firstTurn.set(`${r.question_id}|${model}`, countTokens(answer));
}
const mtRows: LengthRow[] = mt.dataset.prompts.map((p, i) => {
  const qid = p.id.split('/')[1];
  const tokens = new Map<string, number>();
  for (const m of mt.dataset.models) {
    const t = firstTurn.get(`${qid}|${m}`);
    if (t !== undefined) tokens.set(m, t);
  }
  return { x: mt.embeddings[i] as Float32Array, tokens, set: 'mt-bench' };
});
const { train, test } = splitLengthRows(rows, (r) => r.set !== 'alpacaeval');
const toSet = (rs: readonly LengthRow[]): TrainingSet => lengthTrainingSet(models, rs);
// Models that stand for "a catalog model without length data" (not in the length data at all).
const score = (
  fitRows: LengthRow[],
  evalRows: LengthRow[],
  acc: Map<string, { err: number[]; unseen: number[]; pred: number[] }>,
): void => {
  const predictor = fitOutputLengthPredictor(toSet(fitRows));
  const predicted = predictor.predict(evalRows.map((r) => r.x));
  evalRows.forEach((r, i) => {
    const e = acc.get(r.set) ?? { err: [], unseen: [], pred: [] };
    acc.set(r.set, e);
    for (const [m, t] of r.tokens) {
      const guess = predicted[i]?.[models.indexOf(m)] ?? Number.NaN;
      e.err.push(Math.abs(Math.log1p(guess) - Math.log1p(t)));
      e.pred.push(guess);
      const unseen = predictor.predictUnseen?.(r.x);
      if (unseen !== undefined) e.unseen.push(Math.abs(Math.log1p(unseen) - Math.log1p(t)));
    }
  });
};
const report = (
  name: string,
  acc: Map<string, { err: number[]; unseen: number[]; pred: number[] }>,
): void => {
  console.log(name);
  for (const [set, e] of acc)
    console.log(
      `  ${set.padEnd(12)} |log err| ${median(e.err).toFixed(3)}  as an unseen model ${median(e.unseen).toFixed(3)}  median pred ${median(e.pred).toFixed(0)}  (n ${e.err.length})`,
    );
};
const folds = 5;
for (const weight of [0, 1, 4, 16]) {
  const acc = new Map<string, { err: number[]; unseen: number[]; pred: number[] }>();
  const rep = (rs: LengthRow[]): LengthRow[] =>
    rs.flatMap((r) => Array.from({ length: weight }, () => r));
  // Length data's held-out 20% and AlpacaEval: trained on the 80% plus all of MT-Bench.
  score([...train, ...rep(mtRows)], test, acc);
  for (let f = 0; f < folds; f++) {
    const inFold = (_: LengthRow, i: number): boolean => i % folds === f;
    score([...train, ...rep(mtRows.filter((r, i) => !inFold(r, i)))], mtRows.filter(inFold), acc);
  }
  report(`MT-Bench rows x${weight}`, acc);
}
