/**
 * The conformance suite every bandit policy runs (Hono's common.case.test.ts pattern): determinism
 * under a seed, an exact state round trip (through JSON, as DuckDB stores it), propensities that match
 * the policy's own distribution, no mutation of inputs, and learning in the right direction on a
 * constructed two-arm case.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import type { BanditArm, BanditContext, BanditFeedback, BanditPolicy } from './policy.js';
import { policyFromState } from './state.js';

const DIMENSION = 24;

/** A deterministic unit embedding from a seed. */
export function fixtureEmbedding(seed: number, dimension = DIMENSION): Float32Array {
  const rng = createRng(seed);
  const out = Float32Array.from({ length: dimension }, () => rng.next() - 0.5);
  const norm = Math.hypot(...out);
  return out.map((v) => v / norm);
}

/** Three arms: a strong expensive one, a mid one, a cheap weak one. */
export const FIXTURE_ARMS: readonly BanditArm[] = [
  { model: 'acme/strong', predictedQuality: 0.8, estimatedCostUsd: 0.01, score: 0.7 },
  { model: 'acme/mid', predictedQuality: 0.65, estimatedCostUsd: 0.002, score: 0.63 },
  { model: 'acme/weak', predictedQuality: 0.5, estimatedCostUsd: 0.0002, score: 0.498 },
];

function context(seed: number, rngSeed: number, arms = FIXTURE_ARMS): BanditContext {
  return {
    arms,
    embedding: fixtureEmbedding(seed),
    willingnessToPay: 0.1,
    rng: createRng(rngSeed),
  };
}

/** Feed `count` outcomes drawn from fixed per-arm success rates, choosing with the policy itself. */
function train(policy: BanditPolicy, count: number, seed: number): void {
  const truth: Record<string, number> = { 'acme/strong': 0.9, 'acme/mid': 0.4, 'acme/weak': 0.45 };
  const rng = createRng(seed);
  for (let t = 0; t < count; t++) {
    const ctx: BanditContext = { ...context(t % 7, 0), rng };
    const choice = policy.select(ctx);
    const arm = FIXTURE_ARMS[choice.index] as BanditArm;
    policy.update({
      model: arm.model,
      features: choice.features,
      predictedQuality: arm.predictedQuality,
      estimatedCostUsd: arm.estimatedCostUsd,
      quality: rng.next() < (truth[arm.model] as number) ? 1 : 0,
      costUsd: arm.estimatedCostUsd,
    });
  }
}

function feedback(model: string, quality: number, features: readonly number[]): BanditFeedback {
  return {
    model,
    features,
    predictedQuality: 0.5,
    estimatedCostUsd: 0.001,
    quality,
    costUsd: 0.001,
  };
}

/** Run the shared suite for one policy factory. */
export function runPolicyConformance(name: string, newPolicy: () => BanditPolicy): void {
  describe(`${name}: policy conformance`, () => {
    it('makes the same choices for the same seed and history', () => {
      const a = newPolicy();
      const b = newPolicy();
      train(a, 60, 3);
      train(b, 60, 3);
      for (let i = 0; i < 20; i++) {
        expect(a.select(context(i, 100 + i))).toEqual(b.select(context(i, 100 + i)));
      }
      expect(a.version).toBe(60);
    });

    it('round-trips its state through JSON exactly', () => {
      const policy = newPolicy();
      train(policy, 80, 5);
      const saved = JSON.parse(JSON.stringify(policy.toState())) as unknown;
      const restored = policyFromState(saved);
      expect(restored.name).toBe(policy.name);
      expect(restored.version).toBe(policy.version);
      expect(restored.toState()).toEqual(policy.toState());
      for (let i = 0; i < 20; i++) {
        expect(restored.select(context(i, 7 * i))).toEqual(policy.select(context(i, 7 * i)));
      }
      // Both keep learning identically after the restart.
      train(policy, 10, 9);
      train(restored, 10, 9);
      expect(restored.toState()).toEqual(policy.toState());
    });

    it('reports propensities that match its own distribution', () => {
      const policy = newPolicy();
      train(policy, 40, 11);
      for (let i = 0; i < 10; i++) {
        const ctx = context(i, i);
        const selection = policy.select(ctx);
        const probabilities = policy.probabilities(ctx);
        expect(probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 2);
        expect(selection.propensity).toBeGreaterThan(0);
        expect(selection.propensity).toBeLessThanOrEqual(1);
        expect(selection.propensity).toBeCloseTo(probabilities[selection.index] as number, 6);
        expect(selection.scores).toHaveLength(FIXTURE_ARMS.length);
        expect(selection.features).toHaveLength(policy.features(ctx.embedding).length);
      }
    });

    it('mutates neither its inputs nor its state when selecting', () => {
      const policy = newPolicy();
      train(policy, 20, 13);
      const arms = FIXTURE_ARMS.map((arm) => ({ ...arm }));
      const embedding = fixtureEmbedding(1);
      const before = JSON.stringify(policy.toState());
      const unknown = [
        ...arms,
        { model: 'acme/new', predictedQuality: 0.8, estimatedCostUsd: 0.001, score: 0.79 },
      ];
      policy.select({ arms: unknown, embedding, willingnessToPay: 0.1, rng: createRng(1) });
      expect(arms).toEqual(FIXTURE_ARMS);
      expect(embedding).toEqual(fixtureEmbedding(1));
      expect(JSON.stringify(policy.toState())).toBe(before);
    });

    it('moves its preference toward the arm that did better', () => {
      const policy = newPolicy();
      const arms: BanditArm[] = [
        { model: 'acme/a', predictedQuality: 0.5, estimatedCostUsd: 0.001, score: 0.49 },
        { model: 'acme/b', predictedQuality: 0.5, estimatedCostUsd: 0.001, score: 0.49 },
      ];
      const ctx = { arms, embedding: fixtureEmbedding(2), willingnessToPay: 0.1 };
      const before = policy.probabilities(ctx)[1] as number;
      const features = Array.from(policy.features(ctx.embedding));
      for (let t = 0; t < 30; t++) {
        policy.update(feedback('acme/a', 0, features));
        policy.update(feedback('acme/b', 1, features));
      }
      const after = policy.probabilities(ctx)[1] as number;
      expect(after).toBeGreaterThan(before);
      expect(after).toBeGreaterThan(0.5);
      let chosenB = 0;
      for (let i = 0; i < 50; i++)
        if (policy.select({ ...ctx, rng: createRng(i) }).index === 1) chosenB++;
      expect(chosenB).toBeGreaterThan(25);
    });

    it('rejects a state it cannot restore with POLICY_STATE_INVALID', () => {
      const state = newPolicy().toState();
      for (const broken of [
        null,
        { ...state, format: 99 },
        { ...state, policy: 'nope' },
        { ...state, version: -1 },
      ]) {
        expect(() => policyFromState(broken)).toThrow(
          expect.objectContaining({ code: 'POLICY_STATE_INVALID' }),
        );
      }
    });
  });
}
