/**
 * AlpacaEval 2.0 per-prompt preferences (../shared/data/AlpacaEval/preferences.jsonl), as two-model
 * routing datasets: GPT-4 Turbo (the judge's reference, quality 0.5 by construction) against one
 * other model, quality = P(the model's answer beats GPT-4 Turbo's).
 *
 * CC BY-NC 4.0: evaluation only. Nothing in the project trains the shipped artifact on it (the
 * suites use it as a test set; `arbiter train` does not accept it).
 */
import { join } from 'node:path';
import { RouterError } from '../core/index.js';
import type { RoutingDataset, RoutingPrompt } from './dataset.js';
import { readText, resolveLoaderOptions, type LoaderOptions } from './loader-common.js';

/** AlpacaEval's folder names of the models a pair can use, by catalog id. */
export const ALPACAEVAL_MODELS: Readonly<Record<string, string>> = {
  'openai/gpt-3.5-turbo-1106': 'gpt-3.5-turbo-1106',
  'anthropic/claude-instant-v1': 'claude-instant-1.2',
  'mistralai/mixtral-8x7b-instruct-v0.1': 'Mixtral-8x7B-Instruct-v0.1_concise',
  'anthropic/claude-v2': 'claude-2',
  'anthropic/claude-v1': 'claude',
  'wizardlm/wizardlm-13b-v1.2': 'wizardlm-13b',
};

/** The reference model (GPT-4 Turbo, 1106 preview). */
export const ALPACAEVAL_REFERENCE = 'openai/gpt-4-1106-preview';

/** Characters per token used to turn `output_chars` into output tokens (English prose). */
const CHARS_PER_TOKEN = 4;

interface PreferenceLine {
  readonly prompt_id?: string | number;
  readonly instruction: string;
  readonly dataset: string;
  readonly reference_output_chars: number;
  readonly models: Record<string, { quality: number; output_chars: number } | undefined>;
}

/** Load the pair GPT-4 Turbo vs `model` (a catalog id from {@link ALPACAEVAL_MODELS}). */
export function loadAlpacaEval(model: string, options: LoaderOptions = {}): RoutingDataset {
  const name = ALPACAEVAL_MODELS[model];
  if (name === undefined) {
    throw new RouterError('INPUT_INVALID', `no AlpacaEval pair for ${model}`, {
      details: { known: Object.keys(ALPACAEVAL_MODELS) },
    });
  }
  const { dataDir } = resolveLoaderOptions(options);
  const path = join(dataDir, 'AlpacaEval', 'preferences.jsonl');
  const prompts: RoutingPrompt[] = [];
  readText(path)
    .split('\n')
    .forEach((line, index) => {
      if (line.trim().length === 0) return;
      let row: PreferenceLine;
      try {
        row = JSON.parse(line) as PreferenceLine;
      } catch {
        throw new RouterError('DATA_INVALID', `${path}:${index + 1}: invalid JSON`);
      }
      const answer = row.models[name];
      if (answer === undefined || typeof row.instruction !== 'string') return;
      prompts.push({
        id: `alpacaeval/${String(row.prompt_id ?? index)}`,
        text: row.instruction,
        group: row.dataset,
        quality: Float64Array.from([0.5, answer.quality]),
        outputTokens: Float64Array.from([
          row.reference_output_chars / CHARS_PER_TOKEN,
          answer.output_chars / CHARS_PER_TOKEN,
        ]),
      });
    });
  return { name: `alpacaeval/${model}`, models: [ALPACAEVAL_REFERENCE, model], prompts, sources: [path] };
}
