import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { ResidualMemory, type ResidualArm, type ResidualMemoryJson } from './residual-memory.js';
import type { ResidualOptions } from './residual-options.js';

/**
 * The estimate written the plain way, from the saved state: every entry's similarity, a full sort
 * of the memory by (similarity desc, index asc), the first `sharedNeighbours` for the shared
 * residual and the first `neighbours` of each model for its local one. The memory's typed-array
 * ring and partial selection must give the same numbers to the last bit.
 */
function referenceEstimate(json: ResidualMemoryJson, x: readonly number[], arms: ResidualArm[]) {
  const o = json.options;
  let squares = o.noisePriorWeight * o.noiseScale * o.noiseScale;
  let pooled = o.noisePriorWeight;
  for (const s of json.models) {
    if (s.weight <= 0) continue;
    squares += Math.max(0, s.residualSquares - (s.residual * s.residual) / s.weight);
    pooled += s.weight;
  }
  const noise = Math.sqrt(squares / pooled);
  const s2 = noise * noise;
  const k = {
    global: s2 / o.globalPriorStd ** 2,
    model: s2 / o.modelPriorStd ** 2,
    shared: s2 / o.sharedPriorStd ** 2,
    local: s2 / o.localPriorStd ** 2,
  };
  const global = json.global.residual / (json.global.weight + k.global);
  const stats = new Map(json.models.map((s) => [s.model, s]));
  const offsetOf = (model: string): number => {
    const s = stats.get(model);
    return ((s?.residual ?? 0) - (s?.weight ?? 0) * global) / ((s?.weight ?? 0) + k.model);
  };
  const entries = json.entries;
  const n = entries.length;
  const similarity: number[] = [];
  const weight: number[] = [];
  const deviation: number[] = [];
  const newer = new Map<string, number>();
  for (let i = n - 1; i >= 0; i--) {
    const entry = entries[i]!;
    let dot = 0;
    for (let j = 0; j < entry.features.length; j++) dot += entry.features[j]! * x[j]!;
    const age = newer.get(entry.model) ?? 0;
    newer.set(entry.model, age + 1);
    similarity[i] = dot;
    weight[i] = Math.exp((dot - 1) / o.temperature) * o.discount ** age;
    deviation[i] = entry.residual - global - offsetOf(entry.model);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => similarity[b]! - similarity[a]! || a - b);
  let sharedWeight = 0;
  let sharedSum = 0;
  for (const i of order.slice(0, o.sharedNeighbours)) {
    sharedWeight += weight[i]!;
    sharedSum += weight[i]! * deviation[i]!;
  }
  const shared = sharedSum / (sharedWeight + k.shared);
  return arms.map((arm) => {
    const mine = order.filter((i) => entries[i]!.model === arm.model).slice(0, o.neighbours);
    let nearWeight = 0;
    let nearSum = 0;
    for (const i of mine) {
      nearWeight += weight[i]!;
      nearSum += weight[i]! * (deviation[i]! - shared);
    }
    const pulls = stats.get(arm.model)?.weight ?? 0;
    const correction =
      global +
      offsetOf(arm.model) +
      shared +
      (mine.length === 0 ? 0 : nearSum / (nearWeight + k.local));
    const offline = arm.qualityUncertainty ?? 0;
    return {
      quality: Math.min(1, Math.max(0, arm.predictedQuality + correction)),
      std: Math.sqrt(
        s2 / (k.model + pulls) + s2 / (k.local + nearWeight) + (offline * offline) / (1 + pulls),
      ),
    };
  });
}

function filled(options: ResidualOptions, outcomes: number, seed: number): ResidualMemory {
  const rng = createRng(seed);
  const memory = new ResidualMemory(options, 32);
  // A few prompt clusters, so neighbours and exact similarity ties (repeated prompts) both occur.
  const prompts = Array.from({ length: 12 }, () =>
    Float32Array.from({ length: 32 }, () => rng.next() - 0.5),
  );
  for (let t = 0; t < outcomes; t++) {
    const model = `m${Math.floor(rng.next() * 5)}`;
    const features = memory.features(prompts[Math.floor(rng.next() * prompts.length)]!);
    memory.update({
      model,
      features: Array.from(features),
      predictedQuality: 0.3 + 0.5 * rng.next(),
      quality: rng.next() < 0.6 ? 1 : 0,
      estimatedCostUsd: 0.001,
      costUsd: 0.001,
    });
  }
  return memory;
}

describe('residual memory', () => {
  const arms: ResidualArm[] = [
    { model: 'm0', predictedQuality: 0.7, estimatedCostUsd: 0.01 },
    { model: 'm3', predictedQuality: 0.5, estimatedCostUsd: 0.001, qualityUncertainty: 0.1 },
    { model: 'never-seen', predictedQuality: 0.6, estimatedCostUsd: 0.002 },
  ];

  it.each([
    ['a memory that has not filled up', { capacity: 500 }, 300],
    ['a full memory that has dropped its oldest outcomes', { capacity: 80 }, 333],
    [
      'neighbour lists past the insertion limit',
      { capacity: 800, neighbours: 300, sharedNeighbours: 400 },
      900,
    ],
  ] as const)('estimates exactly what a full sort of %s gives', (_, options, outcomes) => {
    const memory = filled({ ...options, temperature: 0.3 }, outcomes, 7);
    const json = memory.toJson();
    expect(json.entries).toHaveLength(Math.min(options.capacity, outcomes));
    const rng = createRng(11);
    for (let q = 0; q < 5; q++) {
      const x = memory.features(Float32Array.from({ length: 32 }, () => rng.next() - 0.5));
      const got = memory.estimate(x, arms).map(({ quality, std }) => ({ quality, std }));
      expect(got).toEqual(referenceEstimate(json, Array.from(x), arms));
    }
    // The saved state restores to the same memory, estimates and all.
    const restored = ResidualMemory.fromJson(
      JSON.parse(JSON.stringify(json)) as ResidualMemoryJson,
    );
    expect(restored.toJson()).toEqual(json);
    const x = memory.features(Float32Array.from({ length: 32 }, (_, j) => Math.sin(j)));
    expect(restored.estimate(x, arms)).toEqual(memory.estimate(x, arms));
  });

  it('keeps the newest outcomes, oldest first, once full', () => {
    const memory = filled({ capacity: 10 }, 25, 3);
    expect(memory.toJson().entries.map((entry) => entry.time)).toEqual(
      Array.from({ length: 10 }, (_, i) => 16 + i),
    );
  });
});
