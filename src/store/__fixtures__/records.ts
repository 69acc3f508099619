import type { DecisionRecord } from '../decision-repo.js';
import type { OutcomeRecord } from '../outcome-repo.js';

/** A decision with every optional column filled; override fields per test. */
export function decisionFixture(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: 'd-1',
    createdAtMs: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    tenant: 'acme',
    promptHash: 'a'.repeat(64),
    promptText: 'What is 2 + 2?',
    embedding: Float32Array.from([0.1, -0.25, 1 / 3, 1e-7, -0]),
    embedderId: 'hash-embedder@1',
    candidates: ['gpt-4o-mini', 'claude-haiku', 'llama-3-8b'],
    chosenModel: 'claude-haiku',
    propensity: 0.8,
    explored: false,
    policy: 'linucb',
    policyVersion: 3,
    predictorVersion: 'knn@2',
    predicted: [
      { model: 'gpt-4o-mini', quality: 0.7, costUsd: 0.0002 },
      { model: 'claude-haiku', quality: 0.75, costUsd: 0.0003, score: 0.91 },
      { model: 'llama-3-8b', quality: 0.5, costUsd: 0.00005 },
    ],
    features: { promptTokens: 7, lang: 'en' },
    ...overrides,
  };
}

/** An outcome for `d-1`; override fields per test. */
export function outcomeFixture(overrides: Partial<OutcomeRecord> = {}): OutcomeRecord {
  return {
    decisionId: 'd-1',
    idempotencyKey: 'k-1',
    receivedAtMs: Date.UTC(2025, 0, 2, 3, 4, 6, 0),
    tenant: 'acme',
    model: 'claude-haiku',
    quality: 0.9,
    latencyMs: 420,
    inputTokens: 12,
    outputTokens: 30,
    costUsd: 0.00031,
    errorClass: null,
    ...overrides,
  };
}
