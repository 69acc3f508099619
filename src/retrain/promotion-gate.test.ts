import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import type { ArmPredictor } from '../router/index.js';
import type { DecisionRecord, OutcomeRecord } from '../store/index.js';
import { gateCandidate, gateCandidateAsync } from './promotion-gate.js';
import type { LoggedEntry } from './logged-outcomes.js';

const STRONG = 'openai/gpt-4o';
const WEAK = 'openai/gpt-4o-mini';
const catalog = loadCatalog();

/** A predictor that always predicts these qualities. */
function fixed(version: string, quality: Record<string, number>): ArmPredictor {
  return {
    version,
    dimension: 4,
    estimate: (_embedding, models) =>
      models.map((model) => ({
        quality: quality[model.id] ?? 0,
        outputTokens: 100,
        source: 'predictor' as const,
      })),
  };
}

/** `n` logged decisions of STRONG (propensity 0.9) with observed quality 1, 1 in 10 explored to WEAK (0.1, quality 0). */
function entries(n: number, embedderId = 'hash-4'): LoggedEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const explored = i % 10 === 0;
    const chosen = explored ? WEAK : STRONG;
    const decision: DecisionRecord = {
      id: `d${i}`,
      createdAtMs: i,
      tenant: 'acme',
      promptHash: `h${i}`,
      promptText: null,
      embedding: Float32Array.from([1, 0, 0, 0]),
      embedderId,
      candidates: [STRONG, WEAK],
      chosenModel: chosen,
      propensity: explored ? 0.1 : 0.9,
      explored,
      policy: 'thompson',
      policyVersion: 1,
      predictorVersion: 'current@1',
      predicted: [
        { model: STRONG, quality: 0.9, costUsd: 0.002 },
        { model: WEAK, quality: 0.3, costUsd: 0.0002 },
      ],
      features: { willingness_to_pay: 1 },
    };
    const outcome: OutcomeRecord = {
      decisionId: decision.id,
      idempotencyKey: `k${i}`,
      receivedAtMs: i,
      tenant: 'acme',
      model: chosen,
      quality: explored ? 0 : 1,
      latencyMs: null,
      inputTokens: null,
      outputTokens: null,
      costUsd: null,
      errorClass: null,
    };
    return { decision, outcomes: [outcome] };
  });
}

const current = fixed('current@1', { [STRONG]: 0.9, [WEAK]: 0.3 });
const worse = fixed('worse@1', { [STRONG]: 0.2, [WEAK]: 0.8 });

describe('promotion gate', () => {
  it('refuses a candidate that is worse with 95% confidence, with the numbers', () => {
    const report = gateCandidate({
      entries: entries(60),
      current,
      candidate: worse,
      catalog,
      embedderId: 'hash-4',
    });
    expect(report.verdict).toBe('regression');
    expect(report.decisions).toBe(60);
    expect(report.difference.high).toBeLessThan(0);
    expect(report.current.matched).toBe(54);
    expect(report.candidate.matched).toBe(6);
    expect(report.current.matchedQuality).toBe(1);
    expect(report.candidate.matchedQuality).toBe(0);
    expect(report.candidate.doublyRobust.estimate).toBeLessThan(
      report.current.doublyRobust.estimate,
    );
    expect(report.agreement).toBe(0);
  });

  it('gives the same report when re-making decisions in chunks between event-loop turns', async () => {
    const options = {
      entries: entries(60),
      current,
      candidate: worse,
      catalog,
      embedderId: 'hash-4',
    };
    expect(await gateCandidateAsync({ ...options, chunk: 7 })).toEqual(gateCandidate(options));
  });

  it('passes an equivalent candidate (difference exactly 0) and a better one', () => {
    const same = gateCandidate({
      entries: entries(60),
      current,
      candidate: fixed('same@1', { [STRONG]: 0.95, [WEAK]: 0.1 }),
      catalog,
      embedderId: 'hash-4',
    });
    expect(same.verdict).toBe('ok');
    expect(same.difference).toEqual({ estimate: 0, low: 0, high: 0 });
    const reversed = gateCandidate({
      entries: entries(60),
      current: worse,
      candidate: current,
      catalog,
      embedderId: 'hash-4',
    });
    expect(reversed.verdict).toBe('ok');
    expect(reversed.difference.low).toBeGreaterThan(0);
  });

  it('does not judge on too few decisions, and skips what it cannot use, with reasons', () => {
    const few = gateCandidate({
      entries: entries(5),
      current,
      candidate: worse,
      catalog,
      embedderId: 'hash-4',
    });
    expect(few.verdict).toBe('insufficient_evidence');
    const other = gateCandidate({
      entries: entries(30, 'use-lite@0.2.0'),
      current,
      candidate: worse,
      catalog,
      embedderId: 'hash-4',
    });
    expect(other.decisions).toBe(0);
    expect(other.skipped).toEqual({ no_embedding: 30 });
    const heldOut = gateCandidate({
      entries: entries(30),
      current,
      candidate: worse,
      catalog,
      embedderId: 'hash-4',
      include: (hash) => hash.endsWith('1'),
    });
    expect(heldOut.heldOutOnly).toBe(true);
    expect(heldOut.decisions).toBe(3);
    expect(heldOut.skipped).toEqual({ trained_on: 27 });
  });
});
