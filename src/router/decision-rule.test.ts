import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import {
  armScore,
  chooseArm,
  compareArms,
  DEFAULT_QUALITY_FLOOR,
  eligibleCount,
  qualityThreshold,
} from './decision-rule.js';
import { calibrateKnob, evenCostPath, knobFloorFunction, knobFunction } from './knob.js';
import { routeOffline } from './offline-router.js';
import { servedOrderScores, sweepKnob } from '../bench/score-router.js';

describe('the one decision rule', () => {
  const arms = [
    { predictedQuality: 0.9, estimatedCostUsd: 0.01 },
    { predictedQuality: 0.85, estimatedCostUsd: 0.001 },
    { predictedQuality: 0.5, estimatedCostUsd: 0.0001 },
  ];

  it('maximises quality - cost / willingness to pay', () => {
    expect(chooseArm(arms, { willingnessToPay: 100 })).toBe(0);
    expect(chooseArm(arms, { willingnessToPay: 0.1 })).toBe(1);
    expect(chooseArm(arms, { willingnessToPay: 1e-4 })).toBe(2);
  });

  it('with a quality floor chooses by utility among the candidates reaching that share of the best', () => {
    // Cost-dominated knob: the cheapest candidate that reaches the floor.
    expect(chooseArm(arms, { willingnessToPay: 1e-4, qualityFloor: 0.9 })).toBe(1);
    expect(chooseArm(arms, { willingnessToPay: 1e-4, qualityFloor: 0.99 })).toBe(0);
    expect(chooseArm(arms, { willingnessToPay: 1e-4, qualityFloor: 0.5 })).toBe(2);
    expect(chooseArm(arms, { willingnessToPay: 1e-4, qualityFloor: 0 })).toBe(2);
    // Quality-dominated knob: the floor changes nothing.
    expect(chooseArm(arms, { willingnessToPay: 100, qualityFloor: 0.5 })).toBe(0);
  });

  it('puts the floor candidates first, by utility, and the others after them as fallbacks', () => {
    const threshold = qualityThreshold(arms, 0.9);
    const scored = arms.map((arm) => ({
      ...arm,
      score: armScore(arm.predictedQuality, arm.estimatedCostUsd, 1e-4),
    }));
    const order = [...scored].sort((a, b) => compareArms(a, b, threshold));
    expect(order.map((a) => a.predictedQuality)).toEqual([0.85, 0.9, 0.5]);
    expect(eligibleCount(order, threshold)).toBe(2);
    expect(eligibleCount(order, undefined)).toBe(3);
  });

  it('chooses as a scan with the comparator does (the earlier form), ties and non-finite values included', () => {
    const rng = createRng(11);
    const values = [0, 0.5, 0.9, 1, Number.NaN, Number.POSITIVE_INFINITY, -1];
    const pick = (): number =>
      rng.next() < 0.15 ? (values[Math.floor(rng.next() * values.length)] as number) : rng.next();
    for (let trial = 0; trial < 2000; trial++) {
      const n = 1 + Math.floor(rng.next() * 12);
      // Few distinct values, so ties in quality, cost and score are common.
      const arms = Array.from({ length: n }, () => ({
        predictedQuality: rng.next() < 0.3 ? 0.8 : pick(),
        estimatedCostUsd: rng.next() < 0.3 ? 0.001 : pick() / 100,
      }));
      const willingnessToPay = [1e-4, 0.01, 1, Number.POSITIVE_INFINITY][trial % 4] as number;
      const qualityFloor = trial % 3 === 0 ? undefined : 0.9;
      const rule = { willingnessToPay, ...(qualityFloor === undefined ? {} : { qualityFloor }) };
      const threshold = qualityThreshold(arms, qualityFloor);
      // The earlier chooseArm: scored copies, each compared with the best so far.
      let expected = -1;
      let best: ((typeof arms)[number] & { score: number }) | undefined;
      arms.forEach((arm, i) => {
        const scored = {
          ...arm,
          score: armScore(arm.predictedQuality, arm.estimatedCostUsd, willingnessToPay),
        };
        if (best === undefined || compareArms(scored, best, threshold) < 0) {
          expected = i;
          best = scored;
        }
      });
      expect(chooseArm(arms, rule)).toBe(expected);
    }
    expect(chooseArm([], { willingnessToPay: 1 })).toBe(-1);
  });

  it('keeps every score finite, whatever the willingness to pay', () => {
    for (const wtp of [5e-324, 0, Number.MIN_VALUE, 1e308, Number.POSITIVE_INFINITY, Number.NaN])
      for (const arm of arms)
        expect(Number.isFinite(armScore(arm.predictedQuality, arm.estimatedCostUsd, wtp))).toBe(
          true,
        );
  });

  it('two-model order of the bench is the order in which the served rule switches prompts', () => {
    const rng = createRng(4);
    const quality = Array.from({ length: 40 }, () => Float64Array.of(rng.next(), rng.next()));
    const cost = Array.from({ length: 40 }, () => Float64Array.of(0.01 + rng.next() * 0.01, 0.001));
    const scores = servedOrderScores(quality, cost, { strong: 0, weak: 1 });
    // At every knob value the served rule sends exactly the prompts whose score exceeds 1 / wtp.
    for (const wtp of [0.01, 0.1, 0.5, 1, 3, 10, 100]) {
      const { choices } = routeOffline({
        predictedQuality: quality,
        estimatedCostUsd: cost,
        willingnessToPay: wtp,
      });
      choices.forEach((choice, i) => expect(choice === 0).toBe((scores[i] ?? 0) > 1 / wtp));
    }
  });

  it('with the served floor, every point of the knob family sends a top slice of the bench order', () => {
    const rng = createRng(5);
    const quality = Array.from({ length: 60 }, () => Float64Array.of(rng.next(), rng.next()));
    const cost = Array.from({ length: 60 }, () => Float64Array.of(0.01 + rng.next() * 0.01, 0.001));
    const scores = servedOrderScores(quality, cost, { strong: 0, weak: 1 }, DEFAULT_QUALITY_FLOOR);
    const shares: number[] = [];
    for (let slider = 0; slider <= 10; slider += 0.5) {
      const knob = sweepKnob(slider, DEFAULT_QUALITY_FLOOR);
      const { choices } = routeOffline({
        predictedQuality: quality,
        estimatedCostUsd: cost,
        ...knob,
      });
      const strong = [...choices.keys()].filter((i) => choices[i] === 0);
      const rest = [...choices.keys()].filter((i) => choices[i] !== 0);
      // Every strong prompt ranks above every weak one in the bench's order.
      const lowestStrong = Math.min(...strong.map((i) => scores[i] ?? 0));
      const highestRest = Math.max(...rest.map((i) => scores[i] ?? 0));
      if (strong.length > 0 && rest.length > 0) expect(lowestStrong).toBeGreaterThan(highestRest);
      shares.push(strong.length);
    }
    expect(shares[0]).toBe(0);
    for (let k = 1; k < shares.length; k++)
      expect(shares[k] ?? 0).toBeGreaterThanOrEqual(shares[k - 1] ?? 0);
    expect(shares[shares.length - 1] ?? 0).toBeGreaterThan(shares[10] ?? 0);
  });
});

describe('calibrated knob', () => {
  const rng = createRng(9);
  // 300 reference prompts, 4 models: price grows 10x per model, quality gains shrink with price.
  const reference = {
    predictedQuality: Array.from({ length: 300 }, () => {
      const difficulty = rng.next();
      return Float64Array.of(
        0.95 - 0.7 * difficulty,
        0.96 - 0.5 * difficulty,
        0.97 - 0.3 * difficulty,
        0.98 - 0.1 * difficulty,
      );
    }),
    estimatedCostUsd: Array.from({ length: 300 }, () => {
      const size = 0.5 + rng.next();
      return Float64Array.of(1e-5 * size, 1e-4 * size, 1e-3 * size, 1e-2 * size);
    }),
  };
  const calibration = calibrateKnob(reference);

  it('moves expected cost monotonically from the cheapest to best-quality routing, in even steps', () => {
    expect(calibration).toBeDefined();
    const costs = calibration?.expectedCostUsd ?? [];
    const low = costs[0] ?? 0;
    const high = costs[10] ?? 0;
    expect(high).toBeGreaterThan(low);
    for (let s = 1; s <= 10; s++)
      expect(costs[s] ?? 0).toBeGreaterThanOrEqual((costs[s - 1] ?? 0) - 1e-12);
    // A step's size: the larger of its share of the log-cost and of the dollar range.
    const size = (a: number, b: number): number =>
      Math.max(Math.log(b / a) / Math.log(high / low), (b - a) / (high - low));
    const largest = Math.max(
      ...Array.from({ length: 10 }, (_, s) => size(costs[s] ?? 0, costs[s + 1] ?? 0)),
    );
    // Here slider 5 sits high on both scales, so no path keeps every step within a fifth; the
    // calibrated one has a smaller largest step than equal ratios (the earlier map: its last
    // step below 5) or equal amounts (its first step) between the same ends.
    const floored = costs[5] ?? 0;
    const ratio = (floored / low) ** (1 / 5);
    expect(largest).toBeLessThan(size(floored / ratio, floored) - 0.05);
    expect(largest).toBeLessThan(size(low, low + (floored - low) / 5) - 0.05);
    // Slider 0 is the cheapest routing; 10 best-quality routing.
    const cheapest =
      reference.estimatedCostUsd.reduce((sum, row) => sum + Math.min(...row), 0) / 300;
    expect(calibration?.expectedCostUsd[0]).toBeCloseTo(cheapest, 12);
    const quality = calibration?.expectedQuality ?? [];
    expect(quality[10] ?? 0).toBeGreaterThan(quality[0] ?? 1);
  });

  it('makes every step of a path the same size, at most a fifth where that is possible', () => {
    const size = (a: number, b: number): number =>
      Math.max(Math.log(b / a) / Math.log(200), (b - a) / 199);
    // Ratios bind at the cheap end, dollars at the dear end.
    const path = evenCostPath(1, 100, 5, 1, 200);
    expect(path[0]).toBe(1);
    expect(path[5]).toBe(100);
    const sizes = Array.from({ length: 5 }, (_, i) => size(path[i] ?? 0, path[i + 1] ?? 0));
    for (const v of sizes) {
      expect(v).toBeCloseTo(sizes[0] ?? 0, 6);
      expect(v).toBeLessThanOrEqual(0.2);
    }
    expect((path[1] ?? 0) / (path[0] ?? 1)).toBeGreaterThan((path[5] ?? 0) / (path[4] ?? 1));
    // Without a positive cheapest cost only dollars count: equal amounts.
    expect(evenCostPath(0, 100, 5, 0, 200)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(evenCostPath(3, 3, 2, 1, 10)).toEqual([3, 3, 3]);
  });

  it('lowers the floor below slider 5 and prices quality above it', () => {
    const floors = calibration?.qualityFloor ?? [];
    expect(floors[0]).toBe(0);
    expect(floors[5]).toBe(DEFAULT_QUALITY_FLOOR);
    expect(floors[10]).toBe(DEFAULT_QUALITY_FLOOR);
    for (let s = 1; s <= 5; s++) expect(floors[s] ?? 0).toBeGreaterThanOrEqual(floors[s - 1] ?? 1);
    const wtp = calibration?.willingness ?? [];
    for (let s = 6; s <= 10; s++) expect(wtp[s] ?? 0).toBeGreaterThan(wtp[s - 1] ?? 1);
    const floor = knobFloorFunction(calibration);
    expect(floor(2.5)).toBeCloseTo(((floors[2] ?? 0) + (floors[3] ?? 0)) / 2, 12);
    expect(knobFloorFunction(undefined)(3)).toBe(DEFAULT_QUALITY_FLOOR);
  });

  it('maps the slider log-linearly between anchors, monotone over 0-10', () => {
    const knob = knobFunction(calibration);
    let previous = 0;
    for (let s = 0; s <= 10; s += 0.25) {
      const wtp = knob(s);
      expect(wtp).toBeGreaterThanOrEqual(previous);
      previous = wtp;
    }
    expect(knob(5)).toBeCloseTo(calibration?.willingness[5] ?? 0, 12);
  });
});
