import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRouterError } from '../core/index.js';
import { loadLlmRouter, loadLlmRouterPrices } from './llmrouter.js';
import { extractJudgedAnswer, loadMtBench } from './mt-bench.js';
import { loadDataset } from './registry.js';
import { loadRouteLlmGsm8k } from './routellm-gsm8k.js';
import { loadRouteLlmMmlu } from './routellm-mmlu.js';
import { loadRouterBench } from './routerbench.js';

const dataDir = fileURLToPath(new URL('./__fixtures__/shared', import.meta.url));
const countTokens = (text: string): number => text.length; // 1 token per character: easy to check

describe('RouteLLM MMLU loader', () => {
  it('reads every subject, maps models to catalog ids and drops contaminated prompts', () => {
    const dataset = loadRouteLlmMmlu({ dataDir });
    expect(dataset.models).toEqual(['mistralai/mixtral-8x7b-instruct-v0.1', 'openai/gpt-4-1106-preview']);
    expect(dataset.prompts.map((p) => p.id)).toEqual(['mmlu/anatomy/0', 'mmlu/marketing/0', 'mmlu/marketing/1']);
    const quoted = dataset.prompts[2];
    expect(quoted?.text).toBe('A "quoted" word, and a comma\nA. x\nAnswer:');
    expect(quoted?.group).toBe('marketing');
    expect(Array.from(quoted?.quality ?? [])).toEqual([0, 1]);
    expect(loadRouteLlmMmlu({ dataDir, keepContaminated: true }).prompts).toHaveLength(4);
  });
});

describe('RouteLLM GSM8K loader', () => {
  it('counts output tokens on both responses and drops contaminated prompts', () => {
    const dataset = loadRouteLlmGsm8k({ dataDir, countTokens });
    expect(dataset.prompts).toHaveLength(1);
    const prompt = dataset.prompts[0];
    expect(Array.from(prompt?.quality ?? [])).toEqual([1, 0]);
    expect(Array.from(prompt?.outputTokens ?? [])).toEqual(['She has\n#### 3'.length, 8]);
  });
});

describe('MT-Bench loader', () => {
  it('keeps clean questions, averages turn scores and maps them to [0, 1]', () => {
    const dataset = loadMtBench({ dataDir, countTokens });
    expect(dataset.prompts.map((p) => p.id)).toEqual(['mt-bench/81']);
    const prompt = dataset.prompts[0];
    expect(prompt?.text).toBe('Write a poem.');
    expect(prompt?.group).toBe('writing');
    expect(Array.from(prompt?.rawScore ?? [])).toEqual([2.5, 9]);
    expect(prompt?.quality[1]).toBeCloseTo(8 / 9, 12);
    expect(Array.from(prompt?.outputTokens ?? [])).toEqual([12, 12]);
  });

  it('extracts the judged answer of either turn', () => {
    expect(extractJudgedAnswer("[The Start of Assistant's Answer]\nhi\n[The End of Assistant's Answer]", 1)).toBe('hi');
    expect(extractJudgedAnswer('no markers', 2)).toBeUndefined();
  });
});

describe('RouterBench loader', () => {
  it('parses Python list prompts, real costs, NaN labels and response tokens', () => {
    const dataset = loadRouterBench({ dataDir, countTokens });
    expect(dataset.models).toEqual([
      'wizardlm/wizardlm-13b-v1.2',
      'anthropic/claude-instant-v1',
      'openai/gpt-4-1106-preview',
    ]);
    expect(dataset.prompts).toHaveLength(6);
    const [first, second] = dataset.prompts;
    expect(first?.text).toBe('Say "hi".\nIt\'s fine.');
    expect(first?.group).toBe('arc_challenge');
    expect(first?.quality[2]).toBeNaN();
    expect(Array.from(first?.costUsd ?? [])).toEqual([1e-5, 0.0002, 0.003]);
    expect(Array.from(first?.outputTokens ?? [])).toEqual([8, 4, 8]);
    expect(second?.text).toBe('part one\n\npart two');
    expect(loadDataset('routerbench/mbpp', { dataDir }).prompts).toHaveLength(2);
  });
});

describe('LLMRouter loader', () => {
  it('joins task names by query text and falls back to the cluster', () => {
    const dataset = loadLlmRouter({ dataDir });
    expect(dataset.models).toEqual(['qwen/qwen2.5-7b-instruct', 'google/gemma-2-9b-it']);
    expect(dataset.prompts.map((p) => p.group)).toEqual(['agentverse-logicgrid', 'cluster-2']);
    expect(Array.from(dataset.prompts[1]?.quality ?? [])).toEqual([0, 0.25]);
    expect(loadLlmRouter({ dataDir, groupBy: 'cluster' }).prompts[0]?.group).toBe('cluster-0');
    expect(loadLlmRouterPrices({ dataDir }).get('qwen/qwen2.5-7b-instruct')).toEqual({
      inputPerMillion: 0.2,
      outputPerMillion: 0.3,
    });
  });
});

describe('loader errors', () => {
  it('reports a missing directory as DATA_INVALID and an unknown model as MODEL_UNKNOWN', () => {
    expect(() => loadRouteLlmGsm8k({ dataDir: '/nonexistent' })).toThrow(
      expect.objectContaining({ code: 'DATA_INVALID' }),
    );
    try {
      loadRouteLlmMmlu({ dataDir, resolveModelId: () => undefined });
      expect.unreachable();
    } catch (error: unknown) {
      expect(isRouterError(error, 'MODEL_UNKNOWN')).toBe(true);
    }
    expect(() => loadDataset('nope', { dataDir })).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});
