/**
 * A decision of the service's shape (37 candidate models, a 512-d embedding, one prediction per
 * candidate) for the store benchmarks; `n` makes the embedding and prompt hash distinct.
 */
import type { DecisionRecord } from '../../src/store/index.js';

const MODELS = Array.from({ length: 37 }, (_, i) => `model-${i}`);

export function benchDecision(id: string, n: number): DecisionRecord {
  const embedding = new Float32Array(512);
  for (let i = 0; i < 512; i++) embedding[i] = Math.sin(n + i);
  return {
    id,
    createdAtMs: Date.now(),
    tenant: 'bench',
    promptHash: `${n}`.padStart(64, '0'),
    promptText: null,
    embedding,
    embedderId: 'use-lite@0.2.0',
    candidates: MODELS,
    chosenModel: MODELS[n % MODELS.length] as string,
    propensity: 0.9,
    explored: false,
    policy: 'residual',
    policyVersion: 1,
    predictorVersion: 'irt@1',
    predicted: MODELS.map((model, i) => ({
      model,
      quality: 0.5 + 0.01 * ((n + i) % 40),
      costUsd: 1e-5 * (i + 1),
    })),
    features: null,
  };
}
