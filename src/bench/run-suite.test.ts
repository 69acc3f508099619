import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { DATA_PATHS } from '../data/index.js';
import { HashEmbedder } from '../embed/index.js';
import { loadDataset } from '../data/index.js';
import type { OutputLengthPredictor, QualityPredictor } from '../predict/index.js';
import { trainedArmPredictor } from '../router/index.js';
import { hashSources } from './data-hashes.js';
import { runSuite, type ServedArtifactCandidate } from './run-suite.js';
import type { SuiteConfig } from './types.js';
import { writeSuiteOutputs } from './write-results.js';

let root: string;

/** A synthetic data dir: GSM8K-shaped (two models) and LLMRouter-shaped (three models) files. */
function writeSyntheticData(dir: string): void {
  const rng = createRng(3);
  const gsm = [
    'prompt,mistralai/Mixtral-8x7B-Instruct-v0.1,gpt-4-1106-preview,mistralai/Mixtral-8x7B-Instruct-v0.1_response,gpt-4-1106-preview_response',
  ];
  for (let i = 0; i < 60; i++) {
    const hard = i % 3 === 0;
    const weakOk = hard ? rng.next() < 0.1 : rng.next() < 0.9;
    gsm.push(
      `${hard ? 'hard algebra proof' : 'easy sum'} question number ${i},${weakOk ? 'True' : 'False'},True,"short answer",long answer text here`,
    );
  }
  mkdirSync(join(dir, DATA_PATHS.gsm8kResponses, '..'), { recursive: true });
  writeFileSync(join(dir, DATA_PATHS.gsm8kResponses), `${gsm.join('\n')}\n`);
  writeFileSync(join(dir, DATA_PATHS.gsm8kContaminated), '');
  const rows = Array.from({ length: 90 }, (_, i) => {
    const task = ['code', 'math', 'trivia'][i % 3] as string;
    return {
      question: `${task} ${task} ${task} ${task} item ${i}`,
      scores: {
        'qwen2.5-7b-instruct': task === 'code' ? 1 : 0,
        'gemma-2-9b-it': task === 'trivia' ? 1 : 0,
        'llama-3.3-nemotron-super-49b-v1': task === 'trivia' ? 0 : 1,
      },
      cluster_id: String(i % 3),
    };
  });
  mkdirSync(join(dir, DATA_PATHS.llmRouterTrain, '..'), { recursive: true });
  mkdirSync(join(dir, DATA_PATHS.llmRouterQueries, '..'), { recursive: true });
  writeFileSync(join(dir, DATA_PATHS.llmRouterTrain), JSON.stringify(rows));
  writeFileSync(
    join(dir, DATA_PATHS.llmRouterQueries),
    rows
      .map((r) => JSON.stringify({ task_name: r.question.split(' ')[0], query: r.question }))
      .join('\n'),
  );
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'arbiter-bench-'));
  writeSyntheticData(join(root, 'data'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const common = {
  embedder: new HashEmbedder({ dimension: 16 }),
  resamples: 20,
  routers: ['knn', 'logistic'] as const,
};

describe('runSuite', () => {
  it('scores a two-model suite with APGR/CPT and writes the outputs', async () => {
    const config: SuiteConfig = {
      name: 'tiny-gsm8k',
      description: 'synthetic',
      protocol: { kind: 'random-folds', dataset: 'gsm8k', folds: 2 },
      defaultOutputTokens: 10,
    };
    const seen: number[] = [];
    const result = await runSuite({
      ...common,
      config,
      dataDir: join(root, 'data'),
      cacheDir: join(root, 'cache'),
      gitCommit: 'test',
      // A stub online policy: always the cheap model; records the revealed outcomes.
      prequential: [
        {
          name: 'stub',
          create: () => ({ select: () => 0, update: (f) => void seen.push(f.quality) }),
        },
      ],
    });
    expect(seen).toHaveLength(60);
    expect(result.baselines.find((b) => b.name === 'prequential:stub')?.shares).toEqual({
      'mistralai/mixtral-8x7b-instruct-v0.1': 1,
      'openai/gpt-4-1106-preview': 0,
    });
    expect(result.testPrompts).toBe(60);
    expect(result.strongModel).toBe('openai/gpt-4-1106-preview');
    const names = result.routers.map((r) => r.name);
    expect(names).toEqual([
      'router-knn',
      'router-knn-nofloor',
      'router-logistic',
      'router-logistic-nofloor',
      'oracle',
      'random',
    ]);
    // The served default floor puts prompts the weak model is predicted to fail first: it beats
    // random here too.
    const floored = result.routers.find((r) => r.name === 'router-knn');
    expect(floored?.description).toContain('quality floor 0.9');
    expect(floored?.twoModel?.apgr.estimate).toBeGreaterThan(0.6);
    // Every router's curve is the served rule's (no bench-only orderings): it beats random here.
    const logistic = result.routers.find((r) => r.name === 'router-logistic');
    expect(logistic?.twoModel?.apgr.estimate).toBeGreaterThan(0.5);
    const oracle = result.routers.find((r) => r.name === 'oracle');
    const knn = result.routers.find((r) => r.name === 'router-knn-nofloor');
    // Strong is always right, weak fails on about 37%: the oracle reaches PGR 1 at ~37% strong calls.
    expect(oracle?.twoModel?.apgr.estimate).toBeGreaterThan(0.8);
    expect(oracle?.twoModel?.apgr.estimate).toBeGreaterThanOrEqual(
      knn?.twoModel?.apgr.estimate ?? 1,
    );
    // "hard" prompts are learnable from the words: the router beats random (APGR 0.5).
    expect(knn?.twoModel?.apgr.estimate).toBeGreaterThan(0.6);
    expect(Object.keys(result.dataHashes)).toContain(DATA_PATHS.gsm8kResponses);
    const calibration = knn?.calibration ?? [];
    expect(calibration.map((c) => c.targetShare)).toEqual([0.2, 0.5, 0.8]);
    for (const c of calibration) expect(c.heldOutShare).toBeGreaterThanOrEqual(0);
    const files = writeSuiteOutputs(result, join(root, 'out'));
    expect(files.map((f) => f.split('/').pop())).toEqual([
      'results.json',
      'report.md',
      'frontier.svg',
      'pgr.svg',
    ]);
    const report = readFileSync(join(root, 'out', 'report.md'), 'utf8');
    expect(report).toContain('| router-knn |');
    // The served default's operating point has its own sweep row (floored routers only).
    expect(report).toMatch(/\| router-knn \| 5 \(default\) \| 0\.90 \|/u);
    expect(report).not.toContain('| router-knn-nofloor | 5 (default)');
    expect(readFileSync(join(root, 'out', 'pgr.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/u);
  });

  it('scores a many-model suite with AIQ against the single-model hull and the oracle', async () => {
    const config: SuiteConfig = {
      name: 'tiny-llmrouter',
      description: 'synthetic',
      protocol: { kind: 'holdout', dataset: 'llmrouter', testFraction: 0.3 },
      defaultOutputTokens: 10,
    };
    const result = await runSuite({
      ...common,
      config,
      dataDir: join(root, 'data'),
      cacheDir: join(root, 'cache'),
    });
    expect(result.models).toHaveLength(3);
    // Only the held-out 30% is scored (a regression: unscored rows once counted as model 0).
    expect(result.testPrompts).toBe(27);
    expect(result.baselines.find((b) => b.name === 'best-single')?.shares).toEqual({
      'qwen/qwen2.5-7b-instruct': 0,
      'google/gemma-2-9b-it': 0,
      'nvidia/llama-3.3-nemotron-super-49b-v1': 1,
    });
    expect(result.referenceAiq?.oracle).toBeCloseTo(1, 6);
    // Each task has its own best model (code: qwen, trivia: gemma, math: nemotron), so one model per
    // task beats any one model for all, and the oracle bounds both.
    expect(result.referenceAiq?.groups).toBe(3);
    expect(result.referenceAiq?.singleModelPerGroup).toBeGreaterThan(
      (result.referenceAiq?.singleModelMix ?? 1) + 0.05,
    );
    expect(result.referenceAiq?.singleModelPerGroup).toBeLessThanOrEqual(
      (result.referenceAiq?.oracle ?? 0) + 1e-12,
    );
    const knn = result.routers.find((r) => r.name === 'router-knn-nofloor');
    expect(knn?.manyModel?.aiq.estimate).toBeGreaterThan(result.referenceAiq?.singleModelMix ?? 1);
    const oracle = result.baselines.find((b) => b.name === 'oracle');
    expect(oracle?.quality.estimate).toBe(1);
    writeSuiteOutputs(result, join(root, 'out-many'));
    const report = readFileSync(join(root, 'out-many', 'report.md'), 'utf8');
    expect(report).toContain('AIQ');
    expect(report).toContain('| best single model per task (each of the 3 test groups its own');
  });

  it('a test model the training never saw is predicted from public priors, not as quality 0', async () => {
    // Two models: gemma (trained on) and GPT-4o (only in the test file, so only priors know it).
    const prompts = Array.from({ length: 24 }, (_, i) => ({
      id: `t${i}`,
      text: `${['code', 'math', 'trivia'][i % 3]} question ${i} for the unseen model`,
      group: 'default',
      quality: Float64Array.from([i % 2, 1]),
    }));
    const source = join(root, 'unseen.jsonl');
    writeFileSync(source, 'hashed only\n');
    const test = {
      name: 'file:unseen.jsonl',
      models: ['google/gemma-2-9b-it', 'openai/gpt-4o'],
      prompts,
      sources: [source],
    };
    const config: SuiteConfig = {
      name: 'tiny-unseen',
      description: 'synthetic',
      protocol: { kind: 'transfer', train: ['llmrouter'], test: test.name },
      defaultOutputTokens: 10,
    };
    const result = await runSuite({
      ...common,
      routers: ['irt'],
      config,
      dataDir: join(root, 'data'),
      cacheDir: join(root, 'cache'),
      preloaded: new Map([[test.name, test]]),
    });
    const sweep = result.routers.find((r) => r.name === 'router-irt-nofloor')?.sweep ?? [];
    expect(sweep.length).toBeGreaterThan(0);
    // Predicted at quality 0 it would never be chosen, at any willingness to pay.
    expect(Math.max(...sweep.map((point) => point.strongShare ?? 0))).toBeGreaterThan(0);
  });

  it('scores the served artifact in place of a fit when it was trained on exactly the training rows', async () => {
    // A stand-in artifact over LLMRouter's three models whose predictions no fit would produce:
    // qwen 0.11, gemma 0.22, nemotron 0.33 on every prompt, 77 output tokens.
    const models = [
      'qwen/qwen2.5-7b-instruct',
      'google/gemma-2-9b-it',
      'nvidia/llama-3.3-nemotron-super-49b-v1',
    ];
    const constant = (
      values: number[],
      kind: string,
    ): QualityPredictor & OutputLengthPredictor => ({
      kind,
      models,
      predict: (embeddings) => embeddings.map(() => Float64Array.from(values)),
      toState: () => ({ kind, version: 1, models, dimension: 16 }),
    });
    const quality = constant([0.11, 0.22, 0.33], 'stand-in');
    const outputLength = constant([77, 77, 77], 'stand-in-length');
    const dataDir = join(root, 'data');
    const llmrouter = loadDataset('llmrouter', { dataDir });
    const candidate: ServedArtifactCandidate = {
      dir: 'stand-in',
      embedderId: common.embedder.modelId,
      trainedOn: {
        datasets: ['llmrouter'],
        sha256: Object.values(hashSources([llmrouter], dataDir)),
      },
      createdBy: 'test',
      load: () => ({
        version: 'stand-in@000000000000',
        quality,
        outputLength,
        arm: trainedArmPredictor({ version: 'stand-in@000000000000', quality, outputLength }),
      }),
    };
    const testFile = (texts: string[]) => {
      const source = join(root, 'served.jsonl');
      writeFileSync(source, 'hashed only\n');
      return {
        name: 'file:served.jsonl',
        models,
        prompts: texts.map((text, i) => ({
          id: `s${i}`,
          text,
          group: 'default',
          quality: Float64Array.from([i % 2, 1, 0.5]),
        })),
        sources: [source],
      };
    };
    const run = (test: ReturnType<typeof testFile>, servedArtifact: ServedArtifactCandidate) =>
      runSuite({
        ...common,
        routers: ['irt'],
        config: {
          name: 'tiny-served',
          description: 'synthetic',
          protocol: { kind: 'transfer', train: ['llmrouter'], test: test.name },
          defaultOutputTokens: 10,
        },
        dataDir,
        cacheDir: join(root, 'cache'),
        preloaded: new Map([[test.name, test]]),
        servedArtifact,
      });
    const fresh = testFile(
      Array.from({ length: 12 }, (_, i) => `a prompt no training row holds ${i}`),
    );
    const served = await run(fresh, candidate);
    const irt = served.routers.find((r) => r.name === 'router-irt');
    expect(irt?.hyperparameters).toEqual([{ servedArtifact: 'stand-in@000000000000' }]);
    expect(served.description).toContain('router-irt is the served artifact stand-in@000000000000');
    // Best-quality routing follows the stand-in's predictions: nemotron (0.33), whose true quality is 0.5.
    const nofloor = served.routers.find((r) => r.name === 'router-irt-nofloor');
    const top = nofloor?.sweep.at(-1);
    expect(top?.quality).toBeCloseTo(0.5, 6);

    // A test prompt that the training rows hold: the artifact trained on it cannot stand for a
    // fit that drops it, so irt is fitted.
    const overlapping = testFile([
      ...llmrouter.prompts.slice(0, 1).map((p) => p.text),
      ...Array.from({ length: 11 }, (_, i) => `a prompt no training row holds ${i}`),
    ]);
    const fitted = await run(overlapping, candidate);
    expect(fitted.routers.find((r) => r.name === 'router-irt')?.hyperparameters).not.toEqual([
      { servedArtifact: 'stand-in@000000000000' },
    ]);
    expect(fitted.description).not.toContain('served artifact');
    // Other training files (another sha256): fitted too.
    const stale = await run(fresh, {
      ...candidate,
      trainedOn: { datasets: ['llmrouter'], sha256: ['0'.repeat(64)] },
    });
    expect(stale.description).not.toContain('served artifact');
  });
});
