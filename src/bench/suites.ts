import { RouterError } from '../core/index.js';
import { SUITE_NAMES, type SuiteConfig, type SuiteName } from './types.js';

/**
 * The four suites. Published numbers are from the data README (RouteLLM paper, MT-Bench, 72
 * questions, best router = matrix factorisation trained on Arena + GPT-4-judge data).
 */
export const SUITES: Readonly<Record<SuiteName, SuiteConfig>> = {
  mtbench: {
    name: 'mtbench',
    description:
      'Train on RouteLLM MMLU + GSM8K, test on the 72 clean MT-Bench questions (GPT-4 vs Mixtral).',
    protocol: { kind: 'transfer', train: ['mmlu', 'gsm8k'], test: 'mt-bench' },
    defaultOutputTokens: 256,
    published: {
      'RouteLLM best (MF, Arena+judge) APGR': 0.802,
      'RouteLLM best CPT(50%)': 0.134,
      'RouteLLM best CPT(80%)': 0.313,
      'RouteLLM random APGR': 0.5,
      'RouteLLM oracle APGR': 0.957,
      'RouteLLM oracle CPT(50%)': 0.089,
    },
  },
  mmlu: {
    name: 'mmlu',
    description:
      'RouteLLM MMLU, 5 folds held out by subject (every prompt tested by a router that never saw its subject).',
    protocol: { kind: 'group-folds', dataset: 'mmlu', folds: 5 },
    defaultOutputTokens: 8,
    published: { 'RouteLLM MMLU oracle APGR': 1.29 },
  },
  routerbench: {
    name: 'routerbench',
    description:
      'RouterBench 0-shot (ARC-Challenge, MBPP, Winogrande; 11 models, real costs): 3 folds, one task file held out per fold.',
    protocol: { kind: 'group-folds', dataset: 'routerbench', folds: 3 },
    defaultOutputTokens: 256,
  },
  'routerbench-prompts': {
    name: 'routerbench-prompts',
    description:
      'RouterBench 0-shot (ARC-Challenge, MBPP, Winogrande; 11 models, real costs): 5 folds split by prompt (every task seen in training).',
    protocol: { kind: 'random-folds', dataset: 'routerbench', folds: 5 },
    defaultOutputTokens: 256,
  },
  llmrouter: {
    name: 'llmrouter',
    description: 'LLMRouter train.json (9 open models, 14 tasks): seeded 20% held-out prompts.',
    protocol: { kind: 'holdout', dataset: 'llmrouter', testFraction: 0.2 },
    defaultOutputTokens: 128,
  },
};

/** The config of a suite by name; INPUT_INVALID for an unknown one. */
export function suiteConfig(name: string): SuiteConfig {
  if (!(SUITE_NAMES as readonly string[]).includes(name)) {
    throw new RouterError(
      'INPUT_INVALID',
      `unknown suite "${name}" (known: ${SUITE_NAMES.join(', ')})`,
      {
        details: { suite: name },
      },
    );
  }
  return SUITES[name as SuiteName];
}
