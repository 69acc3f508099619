import { describe, expect, it } from 'vitest';
import { createRng, randomNormal } from '../core/index.js';
import { randomUnit } from './__fixtures__/synthetic.js';
import {
  clusterMemberships,
  CLUSTER_SCALE,
  fitClusterCentroids,
  groupCentroids,
  fitIrtPredictor,
  fitPriorMap,
  irtPredictorFromState,
  modelComponents,
} from './irt-predictor.js';
import { predictorFromState } from './from-state.js';
import { sigmoid } from './linalg.js';
import type { TrainingSet } from './predictor.js';

/**
 * Truth: one difficulty direction u; model m succeeds with sigmoid(a_m - s_m * 4 u.x). The strong
 * model (a = 3, s = 0.5) barely notices difficulty, the weak one (a = 1, s = 1.5) fails on hard prompts.
 */
const rng = createRng(5);
const d = 16;
const u = randomUnit(rng, d);
const truth = [
  { a: 3, s: 0.5 },
  { a: 1, s: 1.5 },
  { a: 0, s: 1 },
];
const difficultyOf = (x: Float32Array): number => 4 * x.reduce((s, v, j) => s + v * (u[j] ?? 0), 0);
const probability = (x: Float32Array, m: number): number =>
  sigmoid((truth[m]?.a ?? 0) - (truth[m]?.s ?? 1) * difficultyOf(x));
const rows = Array.from({ length: 1500 }, () => randomUnit(rng, d));
const set: TrainingSet = {
  models: ['strong', 'weak', 'third'],
  embeddings: rows,
  // The third model is only labelled on the first 300 rows.
  quality: rows.map((x, i) =>
    Float64Array.from(truth, (_, m) =>
      m === 2 && i >= 300 ? Number.NaN : rng.next() < probability(x, m) ? 1 : 0,
    ),
  ),
};

describe('joint IRT quality model', () => {
  const predictor = fitIrtPredictor(set, { members: 3, epochs: 30, seed: 1 });

  it('learns a shared difficulty: the predicted gain of strong over weak grows with true difficulty', () => {
    const probe = Array.from({ length: 200 }, () => randomUnit(rng, d));
    const predicted = predictor.predict(probe);
    const gain = predicted.map((row) => (row[0] ?? 0) - (row[1] ?? 0));
    const trueGain = probe.map((x) => probability(x, 0) - probability(x, 1));
    // Rank correlation between predicted and true gains.
    const rank = (values: number[]): number[] => {
      const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
      const out = new Array<number>(values.length);
      order.forEach(([, i], r) => (out[i] = r));
      return out;
    };
    const ra = rank(gain);
    const rb = rank(trueGain);
    const n = ra.length;
    const rho =
      1 - (6 * ra.reduce((s, r, i) => s + (r - (rb[i] ?? 0)) ** 2, 0)) / (n * (n * n - 1));
    expect(rho).toBeGreaterThan(0.8);
    const { discrimination } = predictor.parameters();
    expect(discrimination[0]).toBeLessThan(discrimination[1] ?? 0);
  });

  it('reports ensemble spread, larger for the sparsely labelled model', () => {
    const probe = Array.from({ length: 50 }, () => randomUnit(rng, d));
    const estimates = predictor.estimate(probe);
    const mean = (m: number): number =>
      estimates.reduce((s, e) => s + (e.spread[m] ?? 0), 0) / estimates.length;
    expect(mean(0)).toBeGreaterThan(0);
    expect(mean(2)).toBeGreaterThan(mean(0));
  });

  it('round-trips through its JSON state exactly', () => {
    const restored = predictorFromState(JSON.parse(JSON.stringify(predictor.toState())));
    expect(restored.predict(rows.slice(0, 5))).toEqual(predictor.predict(rows.slice(0, 5)));
    expect(() => irtPredictorFromState({ ...predictor.toState(), priorMaps: [] })).toThrow(
      /priorMaps/u,
    );
  });

  it('with item discrimination still ranks the gain and round-trips', () => {
    const withItems = fitIrtPredictor(set, {
      members: 1,
      epochs: 30,
      seed: 2,
      itemDiscrimination: true,
    });
    const probe = Array.from({ length: 100 }, () => randomUnit(rng, d));
    const predicted = withItems.predict(probe);
    let agree = 0;
    for (let i = 1; i < probe.length; i++) {
      const gain = (row: Float64Array | undefined): number => (row?.[0] ?? 0) - (row?.[1] ?? 0);
      const trueGain = (x: Float32Array): number => probability(x, 0) - probability(x, 1);
      const a = probe[i - 1] as Float32Array;
      const b = probe[i] as Float32Array;
      if (
        Math.sign(gain(predicted[i - 1]) - gain(predicted[i])) ===
        Math.sign(trueGain(a) - trueGain(b))
      )
        agree++;
    }
    expect(agree / (probe.length - 1)).toBeGreaterThan(0.7);
    const restored = predictorFromState(JSON.parse(JSON.stringify(withItems.toState())));
    expect(restored.predict(probe.slice(0, 3))).toEqual(withItems.predict(probe.slice(0, 3)));
  });

  it('varies a prior-only model with the prompt (no constant placeholder)', () => {
    const easy = Float32Array.from(u, (v) => -v);
    const hard = Float32Array.from(u);
    const atEasy = predictor.priorEstimate(easy, { tier: 'mid' });
    const atHard = predictor.priorEstimate(hard, { tier: 'mid' });
    expect(atEasy.mean).toBeGreaterThan(atHard.mean + 0.2);
    expect(atHard.spread).toBeGreaterThan(0);
  });
});

describe('prompt clusters in the specialisation', () => {
  // Four tasks around +-e1 and +-e2. Model "ab" answers tasks +-e1 well, model "cd" tasks +-e2: who
  // wins is x1^2 - x2^2, which no logit linear in the embedding represents.
  const noise = createRng(11);
  const dim = 8;
  const centres = [0, 1, 2, 3].map((t) =>
    Float32Array.from({ length: dim }, (_, j) => (j === t % 2 ? (t < 2 ? 1 : -1) : 0)),
  );
  const taskOf: number[] = [];
  const embeddings = Array.from({ length: 1200 }, (_, i) => {
    const t = i % 4;
    taskOf.push(t);
    const centre = centres[t] as Float32Array;
    return Float32Array.from(centre, (v) => v + 0.15 * randomNormal(noise));
  });
  const good = (t: number, m: number): number => ((t % 2 === 0) === (m === 0) ? 0.9 : 0.2);
  const clustered: TrainingSet = {
    models: ['ab', 'cd', 'ef'],
    embeddings,
    quality: taskOf.map((t) =>
      Float64Array.from([0, 1, 2], (m) => (m === 2 ? 0.5 : noise.next() < good(t, m) ? 1 : 0)),
    ),
  };
  const probe = centres.map((c) => Float32Array.from(c));
  const fit = (clusters: number, latentDimension = 2) =>
    fitIrtPredictor(clustered, { latentDimension, clusters, members: 1, epochs: 30, seed: 3 });

  it('finds the tasks and gives soft memberships that sum to the scale', () => {
    const centroids = fitClusterCentroids(embeddings, 4, 0);
    const memberships = probe.map((x) => clusterMemberships(x, centroids));
    for (const m of memberships) {
      expect(m.reduce((a, b) => a + b, 0)).toBeCloseTo(CLUSTER_SCALE, 5);
      expect(Math.max(...m)).toBeGreaterThan(0.9 * CLUSTER_SCALE);
    }
    // Each task has its own cluster.
    expect(new Set(memberships.map((m) => m.indexOf(Math.max(...m)))).size).toBe(4);
  });

  it('routes each task to its model where the linear specialisation cannot', () => {
    const gap = (predictor: ReturnType<typeof fit>): number => {
      const q = predictor.predict(probe);
      // Mean advantage of the right model on each task's centre.
      return (
        q.reduce((s, row, t) => s + (t % 2 === 0 ? 1 : -1) * ((row[0] ?? 0) - (row[1] ?? 0)), 0) /
        q.length
      );
    };
    const withClusters = fit(4);
    expect(gap(withClusters)).toBeGreaterThan(0.4);
    expect(gap(fit(0))).toBeLessThan(0.25);
    const restored = predictorFromState(JSON.parse(JSON.stringify(withClusters.toState())));
    expect(restored.predict(probe)).toEqual(withClusters.predict(probe));
  });

  it('takes one centroid per label scale of enough prompts with clusterBy scale', () => {
    const groups = taskOf.map((t) => `task${t}`);
    // '' is no group and a group below the minimum gets no centroid.
    const sparse = groups.map((g, i) => (i < 10 ? 'tiny' : i % 50 === 0 ? '' : g));
    const centroids = groupCentroids(embeddings, sparse);
    expect(centroids).toHaveLength(4);
    // Sorted by group name: task0 .. task3, each near its task's centre.
    centroids.forEach((centroid, t) => {
      const centre = centres[t] as Float32Array;
      const norm = Math.hypot(...centre);
      expect(centroid.reduce((s, v, j) => s + v * (centre[j] as number), 0) / norm).toBeGreaterThan(
        0.95,
      );
    });
    const byGroup = fitIrtPredictor(clustered, {
      latentDimension: 2,
      clusters: 32,
      clusterBy: 'scale',
      rowDatasets: groups,
      members: 1,
      epochs: 30,
      seed: 3,
    });
    expect((byGroup.toState() as Record<string, unknown>)['clusters']).toBe(4);
    const q = byGroup.predict(probe);
    q.forEach((row, t) =>
      expect((t % 2 === 0 ? 1 : -1) * ((row[0] ?? 0) - (row[1] ?? 0))).toBeGreaterThan(0.4),
    );
    // Fewer than two groups: k-means with the requested count.
    const oneGroup = fitIrtPredictor(clustered, {
      latentDimension: 2,
      clusters: 3,
      clusterBy: 'scale',
      rowDatasets: groups.map(() => 'all'),
      members: 1,
      epochs: 2,
      seed: 3,
    });
    expect((oneGroup.toState() as Record<string, unknown>)['clusters']).toBe(3);
  });

  it('has no clusters without a specialisation, and checks the stored centroids', () => {
    const state = fit(4, 0).toState() as Record<string, unknown>;
    expect(state['clusters']).toBeUndefined();
    const withClusters = fit(4).toState() as Record<string, unknown>;
    expect(withClusters['clusters']).toBe(4);
    expect(() => irtPredictorFromState({ ...withClusters, centroids: undefined })).toThrow(
      /centroids/u,
    );
    expect(() => irtPredictorFromState({ ...withClusters, clusters: 2.5 })).toThrow(/whole/u);
  });
});

describe('specialisation centred within components', () => {
  it('links models labelled on the same prompt, not through rows on the served scale', () => {
    const row = (...labels: number[]) => Float64Array.from(labels);
    const N = Number.NaN;
    const quality = [row(1, 0, N, N), row(N, N, 1, N), row(N, 1, N, 0), row(1, 1, 1, 1)];
    expect([...modelComponents(quality, 4, ['a', 'b', 'a', ''])]).toEqual([0, 0, 1, 0]);
    // Without the served-scale marker the last row links everyone.
    expect([...modelComponents(quality, 4)]).toEqual([0, 0, 0, 0]);
  });

  it("keeps each dataset's specialisation vectors at mean zero, and only when asked", () => {
    // Two datasets over disjoint models in different regions of the embedding: what is common to
    // one dataset's models there is not identified against the other's.
    const noise = createRng(21);
    const dim = 8;
    const embeddings: Float32Array[] = [];
    const quality: Float64Array[] = [];
    const rowDatasets: string[] = [];
    for (let i = 0; i < 800; i++) {
      const first = i % 2 === 0;
      const x = randomUnit(noise, dim);
      x[first ? 0 : 1] = (x[first ? 0 : 1] ?? 0) + 2;
      embeddings.push(x);
      const p = [0.9, 0.4, 0.7, 0.2].map((v, m) => v - 0.3 * (x[2 + m] ?? 0));
      quality.push(
        Float64Array.from(p, (v, m) => (first === m < 2 ? (noise.next() < v ? 1 : 0) : Number.NaN)),
      );
      rowDatasets.push(first ? 'one' : 'two');
    }
    const data: TrainingSet = { models: ['a', 'b', 'c', 'd'], embeddings, quality };
    const fit = (centreSpecialisation: boolean) =>
      fitIrtPredictor(data, {
        latentDimension: 2,
        members: 1,
        epochs: 10,
        seed: 2,
        rowDatasets,
        centreSpecialisation,
      }).specialisationWeights();
    const componentMean = (w: Float64Array[], models: number[]) =>
      Math.max(
        ...[0, 1].map((c) =>
          Math.abs(models.reduce((s, j) => s + (w[j]?.[c] ?? 0), 0) / models.length),
        ),
      );
    const centred = fit(true);
    expect(componentMean(centred, [0, 1])).toBeLessThan(1e-6);
    expect(componentMean(centred, [2, 3])).toBeLessThan(1e-6);
    // Within a component the models still differ.
    expect(Math.abs((centred[0]?.[0] ?? 0) - (centred[1]?.[0] ?? 0))).toBeGreaterThan(1e-3);
    const free = fit(false);
    expect(Math.max(componentMean(free, [0, 1]), componentMean(free, [2, 3]))).toBeGreaterThan(
      1e-3,
    );
  });
});

describe('prior map', () => {
  it('regresses abilities on public scores with tier shifts', () => {
    const models = ['a', 'b', 'c', 'd', 'e'];
    const scores = new Map([
      ['a', 0.5],
      ['b', 0.3],
      ['c', 0.2],
      ['d', 0.1],
      ['e', 0.4],
    ]);
    const tiers = new Map([
      ['a', 'frontier'],
      ['b', 'mid'],
      ['c', 'mid'],
      ['d', 'small'],
      ['e', 'frontier'],
    ]);
    const noise = createRng(2);
    const ability = models.map(
      (m) =>
        0.5 +
        2 * Math.log((scores.get(m) ?? 0) / (1 - (scores.get(m) ?? 0))) +
        0.01 * randomNormal(noise),
    );
    const map = fitPriorMap({
      models,
      ability,
      discrimination: [0.8, 1, 1, 1.4, 0.8],
      publicScores: scores,
      modelTiers: tiers,
    });
    expect(map.beta).toBeGreaterThan(1.5);
    expect(map.tierDiscrimination[0]).toBeCloseTo(0.8, 6);
    expect(map.tierDiscrimination[2]).toBeCloseTo(1.4, 6);
    expect(map.tierAbility[0]).toBeGreaterThan(map.tierAbility[2] ?? 0);
  });
});
