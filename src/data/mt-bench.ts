import { join } from 'node:path';
import { RouterError } from '../core/index.js';
import type { RoutingDataset, RoutingPrompt } from './dataset.js';
import { DATA_PATHS } from './data-dir.js';
import {
  mapModelIds,
  readContaminatedPrompts,
  readJsonl,
  resolveLoaderOptions,
  stringField,
  type LoaderOptions,
} from './loader-common.js';
import { ROUTELLM_MODELS } from './routellm-mmlu.js';

/** Options for {@link loadMtBench}. */
export interface MtBenchLoaderOptions extends LoaderOptions {
  /** Keep the 8 questions RouteLLM drops as contaminated. @default false */
  readonly keepContaminated?: boolean;
}

/** Map a GPT-4 judge score (1-10) onto [0, 1]: (score - 1) / 9. */
export function judgeScoreToQuality(score: number): number {
  return (score - 1) / 9;
}

const SINGLE_ANSWER = /\[The Start of Assistant's Answer\]\n([\s\S]*?)\n\[The End of Assistant's Answer\]/u;
const MULTI_TURN_END = "\n\n<|The End of Assistant A's Conversation with User|>";

/** The judged answer inside a FastChat judge prompt (turn 1: single answer; turn 2: last assistant turn). */
export function extractJudgedAnswer(userPrompt: string, turn: number): string | undefined {
  if (turn === 1) return SINGLE_ANSWER.exec(userPrompt)?.[1];
  const start = userPrompt.lastIndexOf('### Assistant A:\n');
  const end = userPrompt.lastIndexOf(MULTI_TURN_END);
  if (start < 0 || end < start) return undefined;
  return userPrompt.slice(start + '### Assistant A:\n'.length, end);
}

/**
 * RouteLLM's MT-Bench: 80 two-turn questions and GPT-4 single-answer judge scores (1-10) per turn for
 * the weak and strong model. As in RouteLLM's evals/benchmarks.py:
 * - a question is dropped when either turn is a contaminated `eval_prompt` (72 remain);
 * - the router sees turn 1 only (`text`), and the routed model answers both turns;
 * - a question's score is the mean of its two turn scores, kept raw in `rawScore` (1-10, for APGR)
 *   and mapped to `quality` = (score - 1) / 9 in [0, 1].
 * Output tokens = both judged answers (extracted from the judge prompts) counted with `countTokens`.
 * Group = MT-Bench category.
 */
export function loadMtBench(options: MtBenchLoaderOptions = {}): RoutingDataset {
  const resolved = resolveLoaderOptions(options);
  const questionsPath = join(resolved.dataDir, DATA_PATHS.mtBenchQuestions);
  const judgementsPath = join(resolved.dataDir, DATA_PATHS.mtBenchJudgements);
  const contaminatedPath = join(resolved.dataDir, DATA_PATHS.mtBenchContaminated);
  const contaminated =
    options.keepContaminated === true ? new Set<string>() : readContaminatedPrompts(contaminatedPath);
  const models = mapModelIds(ROUTELLM_MODELS, resolved.resolveModelId, judgementsPath);
  const modelIndex = new Map<string, number>(ROUTELLM_MODELS.map((name, m) => [name, m]));

  // (question id, model index) -> per-turn score and answer tokens.
  const scores = new Map<string, number[]>();
  const tokens = new Map<string, number>();
  for (const { line, value } of readJsonl(judgementsPath)) {
    const record = value as Record<string, unknown>;
    const model = modelIndex.get(String(record['model']));
    const score = Number(record['score']);
    const turn = Number(record['turn']);
    if (model === undefined || !Number.isFinite(score) || (turn !== 1 && turn !== 2)) {
      throw new RouterError('DATA_INVALID', `${judgementsPath}:${line}: bad judgement`, {
        details: { file: judgementsPath, line, reason: 'model, score or turn' },
      });
    }
    const key = `${String(record['question_id'])}|${model}`;
    const list = scores.get(key) ?? [];
    list.push(score);
    scores.set(key, list);
    const answer = extractJudgedAnswer(stringField(record, 'user_prompt') ?? '', turn);
    const count = answer === undefined ? Number.NaN : resolved.countTokens(answer, models[model] as string);
    tokens.set(key, (tokens.get(key) ?? 0) + count);
  }

  const prompts: RoutingPrompt[] = [];
  for (const { line, value } of readJsonl(questionsPath)) {
    const id = (value as Record<string, unknown>)['question_id'];
    const turns = (value as Record<string, unknown>)['turns'];
    if (!Array.isArray(turns) || typeof turns[0] !== 'string') {
      throw new RouterError('DATA_INVALID', `${questionsPath}:${line}: missing turns`, {
        details: { file: questionsPath, line, reason: 'turns' },
      });
    }
    if (turns.some((turn) => typeof turn === 'string' && contaminated.has(turn))) continue;
    const raw = new Float64Array(models.length);
    const outputTokens = new Float64Array(models.length);
    for (let m = 0; m < models.length; m++) {
      const turnScores = scores.get(`${String(id)}|${m}`) ?? [];
      raw[m] =
        turnScores.length === 0
          ? Number.NaN
          : turnScores.reduce((sum, score) => sum + score, 0) / turnScores.length;
      outputTokens[m] = tokens.get(`${String(id)}|${m}`) ?? Number.NaN;
    }
    prompts.push({
      id: `mt-bench/${String(id)}`,
      text: turns[0],
      group: stringField(value, 'category') ?? 'mt-bench',
      quality: raw.map(judgeScoreToQuality),
      rawScore: raw,
      outputTokens,
    });
  }
  return { name: 'mt-bench', models, prompts, sources: [questionsPath, judgementsPath, contaminatedPath] };
}
