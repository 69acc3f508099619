import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/index.js';
import { fixtureEmbedding } from '../policy.case.js';
import { createPolicy } from '../state.js';
import { evaluateOffPolicy } from './ope.js';
import { runPrequential } from './prequential.js';
import { retrainFromLogs } from './retrain.js';
import { driftQuality, trafficShift } from './scenarios.js';
import { lineChart, movingAverage } from './svg.js';
import type { PrequentialStrategy } from '../../bench/index.js';
import { prequentialStrategy } from './bench-adapter.js';

/** 600 prompts, 3 models: `a` is right on even prompts, `b` on odd ones, `c` is cheap and mediocre. */
function synthetic(n = 600) {
  const rng = createRng(3);
  const embeddings = Array.from({ length: n }, (_, i) => fixtureEmbedding(i % 2 === 0 ? 1 : 2));
  const quality = Array.from({ length: n }, (_, i) =>
    Float64Array.of(i % 2 === 0 ? 1 : 0, i % 2 === 0 ? 0 : 1, rng.next() < 0.5 ? 1 : 0),
  );
  const cost = Array.from({ length: n }, () => Float64Array.of(0.002, 0.002, 0.0002));
  const flat = Array.from({ length: n }, () => Float64Array.of(0.6, 0.6, 0.5));
  return {
    models: ['acme/a', 'acme/b', 'acme/c'],
    embeddings,
    quality,
    costUsd: cost,
    predictedQuality: flat,
    estimatedCostUsd: cost,
  };
}

describe('runPrequential', () => {
  it('learns the contextual split the offline router cannot see, deterministically', () => {
    const data = synthetic();
    const run = () =>
      runPrequential({ ...data, willingnessToPay: 0.1, policy: createPolicy('thompson'), seed: 1 });
    const first = run();
    const second = run();
    expect(Array.from(first.choices)).toEqual(Array.from(second.choices));
    const { summary } = first;
    expect(summary.steps).toBe(600);
    expect(summary.bandit.reward).toBeGreaterThan(summary.offline.reward + 0.2);
    // Over the last 200 prompts it sends even prompts to `a` and odd ones to `b` (reward 0.98 each).
    let right = 0;
    for (let t = 400; t < 600; t++) if (first.choices[t] === (first.rows[t] as number) % 2) right++;
    expect(right / 200).toBeGreaterThan(0.9);
  });

  it('offers a model only when it is available', () => {
    const data = synthetic(100);
    const result = runPrequential({
      ...data,
      willingnessToPay: 0.1,
      policy: createPolicy('linucb'),
      seed: 1,
      available: (t, m) => m !== 0 || t >= 50,
    });
    expect(Array.from(result.choices.subarray(0, 50))).not.toContain(0);
  });
});

describe('scenarios', () => {
  it('drops a model quality only after the change', () => {
    const quality = Array.from({ length: 100 }, () => Float64Array.of(1, 0.5));
    const order = Array.from({ length: 100 }, (_, i) => 99 - i);
    const drifted = driftQuality({ quality, order, model: 0, at: 50, drop: 1, seed: 1 });
    // Steps 0-49 are rows 99-50: untouched; rows 49-0 lose every success.
    expect(drifted[99]?.[0]).toBe(1);
    expect(drifted[0]?.[0]).toBe(0);
    expect(drifted[0]?.[1]).toBe(0.5);
    expect(quality[0]?.[0]).toBe(1);
  });

  it('counts the requests until traffic moved halfway', () => {
    const choices = Int32Array.from({ length: 400 }, (_, t) =>
      t < 200 || t >= 230 ? (t < 200 ? 0 : 1) : 0,
    );
    const shift = trafficShift({ choices, model: 0, at: 200, window: 20 });
    expect(shift.before).toBe(1);
    expect(shift.after).toBe(0);
    // Share over the trailing 20 first reaches 0.5 at t = 240 (10 of the last 20 are model 1).
    expect(shift.requests).toBe(40);
    expect(trafficShift({ choices: new Int32Array(100), model: 0, at: 50 }).requests).toBeNull();
  });
});

describe('evaluateOffPolicy', () => {
  it('recovers a target policy value from uniformly logged decisions', () => {
    const rng = createRng(8);
    const truth = [0.2, 0.8, 0.5];
    const logs = Array.from({ length: 4000 }, () => {
      const chosen = Math.floor(rng.next() * 3);
      return {
        chosen,
        propensity: 1 / 3,
        reward: rng.next() < (truth[chosen] as number) ? 1 : 0,
        estimatedRewards: [0.5, 0.5, 0.5],
      };
    });
    const target = logs.map(() => [0, 1, 0]);
    const estimate = evaluateOffPolicy({
      logs,
      probabilities: target,
      rng: createRng(1),
      resamples: 200,
    });
    expect(estimate.ips.estimate).toBeCloseTo(0.8, 1);
    expect(estimate.doublyRobust.estimate).toBeCloseTo(0.8, 1);
    expect(estimate.snips.estimate).toBeCloseTo(0.8, 1);
    expect(estimate.directMethod.estimate).toBeCloseTo(0.5, 9);
    expect(estimate.ips.low).toBeLessThan(0.8);
    expect(estimate.ips.high).toBeGreaterThan(0.8);
    expect(estimate.maxWeight).toBeCloseTo(3, 9);
  });
});

describe('retrainFromLogs', () => {
  it('rebuilds the same state as live updates, in received order, skipping what teaches nothing', () => {
    const live = createPolicy('linucb');
    const features = Array.from(live.features(fixtureEmbedding(4)));
    const decision = { features, predicted: [{ model: 'acme/a', quality: 0.5, costUsd: 0.001 }] };
    const outcome = (quality: number | null, at: number) => ({
      model: 'acme/a',
      quality,
      errorClass: null,
      costUsd: 0.001,
      receivedAtMs: at,
    });
    live.update({
      model: 'acme/a',
      features,
      predictedQuality: 0.5,
      estimatedCostUsd: 0.001,
      quality: 1,
      costUsd: 0.001,
      tags: {},
    });
    live.update({
      model: 'acme/a',
      features,
      predictedQuality: 0.5,
      estimatedCostUsd: 0.001,
      quality: 0,
      costUsd: 0.001,
      tags: {},
    });
    const rebuilt = createPolicy('linucb');
    const report = retrainFromLogs({
      policy: rebuilt,
      entries: [
        { decision, outcome: outcome(0, 20) },
        { decision, outcome: outcome(null, 15) },
        { decision, outcome: outcome(1, 10) },
      ],
    });
    expect(report).toEqual({ applied: 2, skipped: { no_quality: 1 } });
    // The rebuilt policy never saw an embedding (the log kept features), so only the arms are compared.
    expect(rebuilt.toState().model.arms).toEqual(live.toState().model.arms);
    expect(rebuilt.version).toBe(live.version);
  });
});

describe('svg', () => {
  it('renders a chart with one polyline per series and escapes text', () => {
    const svg = lineChart({
      title: 'a < b',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 's1', values: [1, 2, 3] },
        { name: 's2', values: [3, 2, 1] },
      ],
      markers: [{ x: 2, label: 'change' }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/gu)).toHaveLength(2);
    expect(svg).toContain('a &#60; b');
    expect(Array.from(movingAverage([1, 3, 5], 2))).toEqual([1, 2, 4]);
  });
});

describe('prequentialStrategy (benchmark suite hook)', () => {
  it('routes by model index and learns from the revealed outcome', () => {
    const strategy: PrequentialStrategy = prequentialStrategy({
      name: 'thompson',
      newPolicy: () => createPolicy('thompson'),
      willingnessToPay: 0.1,
    });
    const policy = strategy.create(['acme/a', 'acme/b']);
    const rng = createRng(1);
    let chosenB = 0;
    for (let t = 0; t < 300; t++) {
      const context = {
        embedding: fixtureEmbedding(1),
        predictedQuality: [0.6, 0.5],
        estimatedCostUsd: [0.001, 0.001],
        rng,
      };
      const model = policy.select(context);
      if (t >= 200 && model === 1) chosenB++;
      policy.update({ context, model, quality: model === 1 ? 1 : 0, costUsd: 0.001 });
    }
    expect(chosenB).toBeGreaterThan(90);
  });
});
