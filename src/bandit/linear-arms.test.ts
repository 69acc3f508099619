import { describe, expect, it } from 'vitest';
import { utility } from '../router/index.js';
import { LinearArms } from './linear-arms.js';
import { fixtureEmbedding } from './policy.case.js';
import { reward, observedQuality } from './reward.js';

const arm = (model: string, predictedQuality = 0.7) => ({
  model,
  predictedQuality,
  estimatedCostUsd: 0.001,
  score: predictedQuality - 0.01,
});

describe('LinearArms', () => {
  const x = () => new LinearArms().features(fixtureEmbedding(1));

  it('starts exactly at the offline estimate', () => {
    const model = new LinearArms();
    const [estimate] = model.estimate({ arms: [arm('acme/a')], x: x(), willingnessToPay: 0.1 });
    expect(estimate?.mean).toBeCloseTo(0.7 - 0.001 / 0.1, 12);
    expect(estimate?.std).toBeGreaterThan(0);
  });

  it("widens an arm's posterior by the predictor's uncertainty for the prompt", () => {
    const model = new LinearArms();
    const [sure, unsure] = model.estimate({
      arms: [arm('acme/a'), { ...arm('acme/b'), qualityUncertainty: 0.2 }],
      x: x(),
      willingnessToPay: 0.1,
    });
    expect(unsure?.mean).toBeCloseTo(sure?.mean ?? 0, 12);
    expect(unsure?.std).toBeGreaterThan((sure?.std ?? 0) + 0.05);
  });

  it('forgets: a model that got worse loses its lead within a bounded number of outcomes', () => {
    const model = new LinearArms({ discount: 0.995 });
    const features = Array.from(x());
    const update = (name: string, quality: number) =>
      model.update({
        model: name,
        features,
        predictedQuality: 0.7,
        estimatedCostUsd: 0.001,
        quality,
        costUsd: 0.001,
      });
    for (let t = 0; t < 2000; t++) update('acme/a', 0.9);
    let steps = 0;
    const means = () =>
      model
        .estimate({
          arms: [arm('acme/a'), arm('acme/b', 0.75)],
          x: features,
          willingnessToPay: 0.1,
        })
        .map((e) => e.mean);
    while ((means()[0] as number) >= (means()[1] as number) && steps < 1000) {
      update('acme/a', 0.3);
      steps++;
    }
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(100);
    // Without discounting the long good record holds the lead far longer.
    const sticky = new LinearArms({ discount: 1 });
    for (let t = 0; t < 2000; t++)
      sticky.update({
        model: 'acme/a',
        features,
        predictedQuality: 0.7,
        estimatedCostUsd: 0.001,
        quality: 0.9,
        costUsd: 0.001,
      });
    for (let t = 0; t < steps; t++)
      sticky.update({
        model: 'acme/a',
        features,
        predictedQuality: 0.7,
        estimatedCostUsd: 0.001,
        quality: 0.3,
        costUsd: 0.001,
      });
    const [a, b] = sticky.estimate({
      arms: [arm('acme/a'), arm('acme/b', 0.75)],
      x: features,
      willingnessToPay: 0.1,
    });
    expect(a?.mean).toBeGreaterThan(b?.mean as number);
  });

  it('learns a price change as a cost ratio', () => {
    const model = new LinearArms({ costPriorWeight: 1 });
    const features = Array.from(x());
    for (let t = 0; t < 50; t++)
      model.update({
        model: 'acme/a',
        features,
        predictedQuality: 0.7,
        estimatedCostUsd: 0.001,
        quality: 0.7,
        costUsd: 0.003,
      });
    const [estimate] = model.estimate({
      arms: [arm('acme/a')],
      x: features,
      willingnessToPay: 0.1,
    });
    // Expected cost ≈ 3 × the estimate, so the mean reward is ≈ 0.7 - 0.003 / 0.1.
    expect(estimate?.mean).toBeCloseTo(0.7 - 0.03, 2);
  });

  it("gives a new model of a known family its mates' correction and an unseen model a wider prior", () => {
    const model = new LinearArms();
    const features = Array.from(x());
    for (let t = 0; t < 200; t++) {
      model.update({
        model: 'acme/big',
        features,
        predictedQuality: 0.5,
        estimatedCostUsd: 0.001,
        quality: 0.9,
        costUsd: 0.001,
        tags: { family: 'acme' },
      });
    }
    const [mate, stranger] = model.estimate({
      arms: [arm('acme/big-2', 0.5), arm('other/x', 0.5)],
      x: features,
      willingnessToPay: 0.1,
      tags: [
        { family: 'acme', source: 'prior' },
        { family: 'other', source: 'prior' },
      ],
    });
    expect(mate?.mean).toBeGreaterThan((stranger?.mean as number) + 0.2);
    const [seen, unseen] = model.estimate({
      arms: [arm('z/1'), arm('z/2')],
      x: features,
      willingnessToPay: 0.1,
      tags: [{ source: 'predictor' }, { source: 'prior' }],
    });
    expect(unseen?.std).toBeCloseTo(2 * (seen?.std as number), 6);
  });

  it('rejects features of the wrong length and embeddings of another dimension', () => {
    const model = new LinearArms();
    expect(() =>
      model.update({
        model: 'a/b',
        features: [1, 2],
        predictedQuality: 0.5,
        estimatedCostUsd: 0,
        quality: 1,
        costUsd: null,
      }),
    ).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    model.features(fixtureEmbedding(1, 24));
    expect(() => model.features(fixtureEmbedding(1, 32))).toThrow(
      expect.objectContaining({ code: 'POLICY_STATE_INVALID' }),
    );
  });
});

describe('reward', () => {
  it('is the router utility (lambda = 1 / willingnessToPay)', () => {
    for (const [q, c, w] of [
      [0.8, 0.01, 0.1],
      [0.2, 0.0003, 1e-4],
      [1, 5, 100],
    ] as const) {
      expect(reward(q, c, w)).toBe(utility(q, c, w));
    }
  });

  it('counts an error without quality as 0 and ignores latency-only feedback', () => {
    expect(observedQuality({ quality: 0.4, errorClass: null })).toBe(0.4);
    expect(observedQuality({ quality: null, errorClass: 'timeout' })).toBe(0);
    expect(observedQuality({ quality: null, errorClass: null })).toBeUndefined();
    expect(observedQuality({ quality: null, errorClass: 'rate_limited' })).toBeUndefined();
  });
});
