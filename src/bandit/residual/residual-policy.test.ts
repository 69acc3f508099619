import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { runPolicyConformance, fixtureEmbedding } from '../policy.case.js';
import type { BanditArm, DecisionRuleFunction } from '../policy.js';
import { createPolicy, policyFromState } from '../state.js';
import { ResidualPolicy } from './residual-policy.js';

runPolicyConformance('residual', () => createPolicy('residual'));

const ARMS: readonly BanditArm[] = [
  { model: 'acme/strong', predictedQuality: 0.9, estimatedCostUsd: 0.01, score: 0.8 },
  { model: 'acme/cheap', predictedQuality: 0.85, estimatedCostUsd: 0.0001, score: 0.849 },
];

/** A floor of 0.9 x the best quality, then the highest utility (the served rule's shape). */
const floorRule =
  (willingnessToPay: number): DecisionRuleFunction =>
  (arms) => {
    const best = Math.max(...arms.map((arm) => arm.predictedQuality));
    let pick = -1;
    let score = Number.NEGATIVE_INFINITY;
    arms.forEach((arm, i) => {
      const value = arm.predictedQuality - arm.estimatedCostUsd / willingnessToPay;
      if (arm.predictedQuality >= 0.9 * best && value > score) {
        pick = i;
        score = value;
      }
    });
    return pick;
  };

function learn(
  policy: ResidualPolicy,
  options: { model: string; quality: number; seed: number; times: number },
): void {
  for (let t = 0; t < options.times; t++) {
    const embedding = fixtureEmbedding(options.seed);
    const arm = ARMS.find((a) => a.model === options.model) as BanditArm;
    policy.update({
      model: arm.model,
      features: Array.from(policy.features(embedding)),
      predictedQuality: arm.predictedQuality,
      estimatedCostUsd: arm.estimatedCostUsd,
      quality: options.quality,
      costUsd: arm.estimatedCostUsd,
    });
  }
}

describe('residual policy', () => {
  it('moves a model toward its observed outcomes, more where the evidence is', () => {
    const policy = new ResidualPolicy();
    const here = { arms: ARMS, embedding: fixtureEmbedding(1), willingnessToPay: 0.1 };
    const before = policy.estimates(here)[1]?.quality as number;
    expect(before).toBeCloseTo(0.85, 6);
    learn(policy, { model: 'acme/cheap', quality: 0.2, seed: 1, times: 1 });
    const once = policy.estimates(here)[1]?.quality as number;
    // One outcome moves it part of the way (shrinkage n / (n + k)), not all of it.
    expect(once).toBeLessThan(0.85);
    expect(once).toBeGreaterThan(0.2);
    learn(policy, { model: 'acme/cheap', quality: 0.2, seed: 1, times: 40 });
    const many = policy.estimates(here)[1]?.quality as number;
    expect(many).toBeLessThan(once);
    expect(many).toBeCloseTo(0.2, 1);
    // The uncertainty there shrank with the evidence.
    expect(policy.estimates(here)[1]?.std as number).toBeLessThan(0.1);
  });

  it('ranks the corrected predictions with the rule it is given (floor, then utility)', () => {
    const policy = new ResidualPolicy({ epsilon: 0 });
    const context = {
      arms: ARMS,
      embedding: fixtureEmbedding(3),
      willingnessToPay: 0.1,
      rule: floorRule(0.1),
    };
    // Offline: the cheap model is within the floor and has the better utility.
    expect(policy.select({ ...context, rng: createRng(1) }).index).toBe(1);
    learn(policy, { model: 'acme/cheap', quality: 0.3, seed: 3, times: 30 });
    // Corrected, the cheap model falls under 0.9 x the best: the strong one is chosen.
    const selection = policy.select({ ...context, rng: createRng(1) });
    expect(selection.index).toBe(0);
    expect(selection.propensity).toBe(1);
  });

  it('explores only while another arm is plausible, with exact propensities', () => {
    const policy = new ResidualPolicy({ epsilon: 0.2 });
    const context = {
      arms: ARMS,
      embedding: fixtureEmbedding(5),
      willingnessToPay: 0.1,
      rule: floorRule(0.1),
    };
    // Unsure: the strong arm could win were it better than predicted.
    const unsure = policy.probabilities(context);
    expect(unsure[0]).toBeCloseTo(0.1, 12);
    expect(unsure[1]).toBeCloseTo(0.9, 12);
    learn(policy, { model: 'acme/cheap', quality: 0.85, seed: 5, times: 30 });
    learn(policy, { model: 'acme/strong', quality: 0.6, seed: 5, times: 30 });
    // Both pinned down, the strong arm worse than predicted: no exploration left.
    expect(policy.probabilities(context)).toEqual([0, 1]);
    for (let i = 0; i < 20; i++) {
      expect(policy.select({ ...context, rng: createRng(i) })).toMatchObject({
        index: 1,
        propensity: 1,
        explored: false,
      });
    }
  });

  it('explores a trained arm at epsilon x trainedExploration, one known from public facts at epsilon', () => {
    const arms: readonly BanditArm[] = [
      ...ARMS,
      { model: 'acme/new', predictedQuality: 0.88, estimatedCostUsd: 0.008, score: 0.8 },
    ];
    const context = {
      arms,
      embedding: fixtureEmbedding(5),
      willingnessToPay: 0.1,
      rule: floorRule(0.1),
      tags: [
        { source: 'predictor' as const },
        { source: 'predictor' as const },
        { source: 'prior' as const },
      ],
    };
    const same = new ResidualPolicy({ epsilon: 0.2, trainedExploration: 1 }).probabilities(context);
    // Unsure about both dearer arms: at trainedExploration 1 each gets epsilon / 3, the greedy arm the rest.
    expect(same[0]).toBeCloseTo(0.2 / 3, 12);
    expect(same[2]).toBeCloseTo(0.2 / 3, 12);
    // By default a trained arm gets a fifth of that; the arm known from public facts keeps epsilon / 3.
    const byDefault = new ResidualPolicy({ epsilon: 0.2 }).probabilities(context);
    expect(byDefault[0]).toBeCloseTo((0.2 * 0.2) / 3, 12);
    expect(byDefault[2]).toBeCloseTo(0.2 / 3, 12);
    const policy = new ResidualPolicy({ epsilon: 0.2, trainedExploration: 0.25 });
    const split = policy.probabilities(context);
    expect(split[0]).toBeCloseTo(0.05 / 3, 12);
    expect(split[2]).toBeCloseTo(0.2 / 3, 12);
    expect(split[1]).toBeCloseTo(1 - 0.25 / 3, 12);
    // The choices follow the stated propensities.
    const counts = [0, 0, 0];
    const draws = 30_000;
    const rng = createRng(11);
    for (let i = 0; i < draws; i++) {
      const selection = policy.select({ ...context, rng });
      counts[selection.index] = (counts[selection.index] as number) + 1;
      expect(selection.propensity).toBe(split[selection.index]);
    }
    counts.forEach((count, m) => {
      const p = split[m] as number;
      expect(Math.abs(count / draws - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / draws));
    });
    // No exploration toward trained arms at all: only the arm known from public facts is tried.
    const none = new ResidualPolicy({ epsilon: 0.2, trainedExploration: 0 }).probabilities(context);
    expect(none[0]).toBe(0);
    expect(none[2]).toBeCloseTo(0.2 / 3, 12);
  });

  it('learns a shared offset: a stream on another label scale moves every model', () => {
    const policy = new ResidualPolicy();
    learn(policy, { model: 'acme/strong', quality: 0.4, seed: 7, times: 30 });
    const far = { arms: ARMS, embedding: fixtureEmbedding(99), willingnessToPay: 0.1 };
    // The cheap model was never observed, yet its estimate fell with the global offset.
    expect(policy.estimates(far)[1]?.quality as number).toBeLessThan(0.7);
  });

  it('corrects the estimated cost by the observed cost ratio', () => {
    const policy = new ResidualPolicy();
    for (let t = 0; t < 50; t++) {
      policy.update({
        model: 'acme/cheap',
        features: Array.from(policy.features(fixtureEmbedding(t))),
        predictedQuality: 0.85,
        estimatedCostUsd: 0.0001,
        quality: 0.85,
        costUsd: 0.0004,
      });
    }
    const cost = policy.estimates({
      arms: ARMS,
      embedding: fixtureEmbedding(1),
      willingnessToPay: 0.1,
    })[1]?.costUsd as number;
    expect(cost).toBeGreaterThan(0.00035);
    expect(cost).toBeLessThan(0.0004);
  });

  it('moves traffic off a degraded model within 200 of its outcomes after 1,000 good ones', () => {
    // The drift scenario in small: the strong model is chosen (the cheap one sees every 20th
    // outcome), then loses 70% of its successes. Its old evidence must not outvote the new.
    const arms: readonly BanditArm[] = [
      { model: 'acme/strong', predictedQuality: 0.8, estimatedCostUsd: 0.002, score: 0.78 },
      { model: 'acme/cheap', predictedQuality: 0.7, estimatedCostUsd: 0.0001, score: 0.699 },
    ];
    const prompts = Array.from({ length: 10 }, (_, i) => fixtureEmbedding(1000 + i));
    const policy = new ResidualPolicy({ epsilon: 0 });
    // 0/1 outcomes with success rate p, deterministic (a Weyl sequence).
    const learnAt = (t: number, strongRate: number): void => {
      const m = t % 20 === 0 ? 1 : 0;
      const arm = arms[m] as BanditArm;
      const rate = m === 1 ? 0.7 : strongRate;
      policy.update({
        model: arm.model,
        features: Array.from(policy.features(prompts[t % prompts.length] as Float32Array)),
        predictedQuality: arm.predictedQuality,
        estimatedCostUsd: arm.estimatedCostUsd,
        quality: (t * 0.6180339887) % 1 < rate ? 1 : 0,
        costUsd: arm.estimatedCostUsd,
      });
    };
    const strongShare = (): number =>
      prompts.filter(
        (embedding) =>
          (policy.probabilities({ arms, embedding, willingnessToPay: 0.1 })[0] as number) > 0.5,
      ).length / prompts.length;
    for (let t = 0; t < 1000; t++) learnAt(t, 0.8);
    expect(strongShare()).toBe(1);
    let after = 0;
    while (strongShare() > 0.5 && after < 400) learnAt(1000 + ++after, 0.8 * 0.3);
    expect(after).toBeLessThanOrEqual(200);
  });

  it('keeps at most `capacity` outcomes and restores them exactly', () => {
    const policy = new ResidualPolicy({ capacity: 5 });
    learn(policy, { model: 'acme/cheap', quality: 0.5, seed: 2, times: 12 });
    const state = JSON.parse(JSON.stringify(policy.toState())) as {
      memory: { entries: unknown[] };
    };
    expect(state.memory.entries).toHaveLength(5);
    const restored = policyFromState(state);
    expect(restored.version).toBe(12);
    expect(restored.toState()).toEqual(policy.toState());
    const broken = {
      ...state,
      memory: { ...state.memory, entries: [{ features: [1], model: 'x', residual: 0, time: 1 }] },
    };
    expect(() => policyFromState(broken)).toThrow(
      expect.objectContaining({ code: 'POLICY_STATE_INVALID' }),
    );
  });
});
