import { describe, expect, it } from 'vitest';
import { accountingCosts } from '../bench/cost.js';
import { addReasoningCost, foldArmPredictor } from '../bench/train-folds.js';
import type { MergedTrainingSet } from '../predict/index.js';
import { loadCatalog, type CatalogModel } from '../catalog/index.js';
import type { QualityPredictor } from '../predict/index.js';
import { trainedArmPredictor } from './arm-predictor.js';
import { DEFAULT_HARDNESS, HardnessScale, promptDifficulty, reasoningTokens } from './reasoning.js';

const base: CatalogModel = {
  id: 'test/plain',
  provider: 'test',
  pricing: { input_per_million: 1, output_per_million: 4 },
  context_window: 128_000,
  capabilities: { tools: false, vision: false, json: false },
  tags: {
    region: ['us'],
    data_collection: 'deny',
    zero_retention: true,
    sensitive_data: true,
    tier: 'mid',
    family: 'test',
  },
  tokenizer: 'cl100k_base',
};
const thinker: CatalogModel = {
  ...base,
  id: 'test/thinker',
  reasoning: { easy_tokens: 100, hard_tokens: 6400, measured_as: 'thinker', source: 'test' },
};

/** A quality predictor whose quality is the first embedding coordinate: low on hard prompts. */
const firstCoordinate: QualityPredictor = {
  kind: 'constant',
  models: ['test/plain'],
  predict: (embeddings) => embeddings.map((x) => Float64Array.of(x[0] as number)),
  toState: () => ({ kind: 'constant', version: 1, models: ['test/plain'], dimension: 2 }),
};

describe('reasoning tokens', () => {
  it('are zero for a model without a reasoning entry', () => {
    expect(reasoningTokens(base, 0)).toBe(0);
    expect(reasoningTokens(base, 1)).toBe(0);
  });

  it('run from the easy figure to the hard one, log-linearly in hardness', () => {
    expect(reasoningTokens(thinker, 0)).toBeCloseTo(100, 6);
    expect(reasoningTokens(thinker, 1)).toBeCloseTo(6400, 6);
    // log1p interpolation: the midpoint is the geometric mean of 101 and 6401, minus one.
    expect(reasoningTokens(thinker, 0.5)).toBeCloseTo(Math.sqrt(101 * 6401) - 1, 6);
    const steps = [0, 0.2, 0.4, 0.6, 0.8, 1].map((h) => reasoningTokens(thinker, h));
    for (let i = 1; i < steps.length; i++) {
      expect(steps[i] as number).toBeGreaterThan(steps[i - 1] as number);
    }
    // Out-of-range hardness is clamped; a non-finite one is the default.
    expect(reasoningTokens(thinker, 3)).toBeCloseTo(6400, 6);
    expect(reasoningTokens(thinker, Number.NaN)).toBeCloseTo(
      reasoningTokens(thinker, DEFAULT_HARDNESS),
      9,
    );
  });
});

describe('hardness scale', () => {
  it('is the mid-rank of a difficulty among the reference difficulties', () => {
    const scale = new HardnessScale([0.4, 0.1, 0.3, 0.2]);
    expect(scale.size).toBe(4);
    expect(scale.hardness(0.05)).toBe(0);
    expect(scale.hardness(0.9)).toBe(1);
    expect(scale.hardness(0.25)).toBe(0.5);
    // Equal to one reference: half of it counts as easier.
    expect(scale.hardness(0.3)).toBe(2.5 / 4);
  });

  it('is the default without references or without a difficulty', () => {
    expect(new HardnessScale([]).hardness(0.3)).toBe(DEFAULT_HARDNESS);
    expect(new HardnessScale([0.1, Number.NaN]).size).toBe(1);
    expect(new HardnessScale([0.1, 0.2]).hardness(undefined)).toBe(DEFAULT_HARDNESS);
  });

  it('reads difficulty as one minus the mean predicted quality', () => {
    expect(promptDifficulty(Float64Array.from([0.9, 0.7]))).toBeCloseTo(0.2, 12);
    expect(promptDifficulty(Float64Array.from([Number.NaN, 0.6]))).toBeCloseTo(0.4, 12);
    expect(promptDifficulty(undefined)).toBeUndefined();
    expect(promptDifficulty([])).toBeUndefined();
  });
});

describe('reasoning tokens in the served estimates', () => {
  const predictor = firstCoordinate;
  const prompt = (quality: number): Float32Array => Float32Array.of(quality, 0);
  const reference = { embeddings: [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2].map(prompt) };

  it('add the reasoning model its hidden tokens, more on a prompt the artifact finds hard', () => {
    const arms = trainedArmPredictor({ version: 't', quality: predictor, reference });
    const [plainEasy, thinkerEasy] = arms.estimate(prompt(0.95), [base, thinker]);
    const [plainHard, thinkerHard] = arms.estimate(prompt(0.1), [base, thinker]);
    const [, thinkerMiddle] = arms.estimate(prompt(0.55), [base, thinker]);
    expect(plainEasy?.reasoningTokens).toBe(0);
    expect(plainHard?.reasoningTokens).toBe(0);
    // Easier than every reference prompt: the easy figure; harder than all: the hard one.
    expect(thinkerEasy?.reasoningTokens).toBeCloseTo(100, 6);
    expect(thinkerHard?.reasoningTokens).toBeCloseTo(6400, 6);
    expect(thinkerMiddle?.reasoningTokens).toBeCloseTo(reasoningTokens(thinker, 0.5), 6);
    // The visible answer is the same for both models; the billed output adds the reasoning.
    expect((thinkerHard?.outputTokens ?? 0) - (plainHard?.outputTokens ?? 0)).toBeCloseTo(6400, 6);
    expect((thinkerEasy?.outputTokens ?? 0) - (plainEasy?.outputTokens ?? 0)).toBeCloseTo(100, 6);
  });

  it('use middling hardness without reference prompts', () => {
    const arms = trainedArmPredictor({ version: 't', quality: predictor });
    const [estimate] = arms.estimate(prompt(0.1), [thinker]);
    expect(estimate?.reasoningTokens).toBeCloseTo(reasoningTokens(thinker, DEFAULT_HARDNESS), 6);
  });
});

describe('reasoning tokens in the benchmarks cost accounting', () => {
  it('are added at middling hardness where the data has no output tokens, never to logged ones', () => {
    const prompt = (outputTokens?: number) => ({
      id: 'p',
      text: 'x',
      group: 'g',
      quality: Float64Array.of(1, 1),
      ...(outputTokens === undefined
        ? {}
        : { outputTokens: Float64Array.of(outputTokens, outputTokens) }),
    });
    const [unlogged, logged] = accountingCosts({
      prompts: [prompt(), prompt(500)],
      models: [base, thinker],
      inputTokens: [Float64Array.of(0, 0), Float64Array.of(0, 0)],
      defaultOutputTokens: 256,
    });
    // $4 per 1M output tokens for both models.
    expect(unlogged?.[0]).toBeCloseTo((256 * 4) / 1e6, 12);
    expect(unlogged?.[1]).toBeCloseTo(
      ((256 + reasoningTokens(thinker, DEFAULT_HARDNESS)) * 4) / 1e6,
      12,
    );
    expect(logged?.[0]).toBeCloseTo((500 * 4) / 1e6, 12);
    expect(logged?.[1]).toBeCloseTo((500 * 4) / 1e6, 12);
  });
});

describe('reasoning tokens in the benchmarks estimated costs', () => {
  it('add what /v1/route adds, ranked against the fold training prompts', () => {
    const at = (quality: number): Float32Array => Float32Array.of(quality, 0);
    const set = { embeddings: [0.9, 0.7, 0.5, 0.3].map(at) } as unknown as MergedTrainingSet;
    const served = foldArmPredictor(firstCoordinate, set, 1);
    const entries = [thinker, base];
    const foldEstimates = [Float64Array.of(1e-3, 1e-3), Float64Array.of(1e-3, 1e-3)];
    [at(0.95), at(0.1)].forEach((x, k) =>
      addReasoningCost(foldEstimates[k] as Float64Array, served.estimate(x, entries), entries),
    );
    // $4 per 1M output tokens: the easy figure on the easiest prompt, the hard one on the hardest.
    expect(foldEstimates[0]?.[0]).toBeCloseTo(1e-3 + (100 * 4) / 1e6, 12);
    expect(foldEstimates[1]?.[0]).toBeCloseTo(1e-3 + (6400 * 4) / 1e6, 12);
    expect(foldEstimates[0]?.[1]).toBe(1e-3);
    expect(foldEstimates[1]?.[1]).toBe(1e-3);
    // Without a reasoning model among the candidates nothing changes.
    const untouched = [Float64Array.of(2e-3)];
    addReasoningCost(untouched[0] as Float64Array, served.estimate(at(0.1), [base]), [base]);
    expect(untouched[0]?.[0]).toBe(2e-3);
  });
});

describe('shipped catalog reasoning entries', () => {
  const catalog = loadCatalog();
  const reasoners = catalog.models.filter((m) => m.reasoning !== undefined);

  it('cover the models that reason by default, each with its source', () => {
    expect(reasoners.map((m) => m.id).sort()).toEqual(
      [
        'deepseek/deepseek-reasoner',
        'google/gemini-2.5-flash',
        'google/gemini-2.5-pro',
        'openai/gpt-5',
        'openai/gpt-5-mini',
        'openai/gpt-5-nano',
        'openai/o4-mini',
        'qwen/qwen3-235b-a22b',
      ].sort(),
    );
    for (const model of reasoners) {
      const r = model.reasoning as NonNullable<CatalogModel['reasoning']>;
      expect(r.source.length).toBeGreaterThan(0);
      expect(r.hard_tokens).toBeGreaterThan(r.easy_tokens);
    }
  });
});
