/**
 * Bandit decision cost: one select + one update per iteration, excluding embedding, with the
 * production shape: 11 arms (RouterBench's models), a 512-dimension embedding (USE-Lite), default
 * options (16 projected coordinates, d = 17), after 2,000 warm-up outcomes so every arm has data.
 * Also the feature projection alone and Thompson's propensity quadrature alone.
 *
 * Target: select + update < 1 ms per decision. Results: benchmarks/results/bandit.md.
 * Run: npx vitest bench --run benchmarks/bandit.bench.ts
 */
import { bench, describe } from 'vitest';
import {
  BANDIT_POLICY_NAMES,
  createPolicy,
  winProbability,
  type BanditArm,
  type BanditPolicy,
  type DecisionRuleFunction,
} from '../src/bandit/index.js';
import { createRng } from '../src/core/index.js';
import { chooseArm, DEFAULT_QUALITY_FLOOR } from '../src/router/decision-rule.js';

const DIMENSION = 512;
const ARMS = 11;
const rng = createRng(1);

function unitVector(seed: number): Float32Array {
  const r = createRng(seed);
  const v = Float32Array.from({ length: DIMENSION }, () => r.next() - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const embeddings = Array.from({ length: 64 }, (_, i) => unitVector(i + 1));
const arms: BanditArm[] = Array.from({ length: ARMS }, (_, m) => {
  const quality = 0.5 + 0.04 * m;
  const cost = 0.0002 * (m + 1);
  return {
    model: `bench/model-${m}`,
    predictedQuality: quality,
    estimatedCostUsd: cost,
    score: quality - cost / 0.1,
  };
});

function warmed(name: (typeof BANDIT_POLICY_NAMES)[number]): BanditPolicy {
  const policy = createPolicy(name);
  for (let t = 0; t < 2000; t++) step(policy, t);
  return policy;
}

/** The arms, rule and answering arm of one benchmark shape. */
interface Shape {
  readonly arms: readonly BanditArm[];
  readonly rule?: DecisionRuleFunction;
  /** Index of the arm whose outcome comes back, given the chosen one. */
  readonly answered: (chosen: number, t: number) => number;
}

/** RouterBench's shape: 11 arms, the policy's own rule, the chosen arm answers. */
const ROUTERBENCH: Shape = { arms, answered: (chosen) => chosen };

/** One select, then one update with the answering arm's outcome. */
function step(policy: BanditPolicy, t: number, shape: Shape = ROUTERBENCH): void {
  const selection = policy.select({
    arms: shape.arms,
    embedding: embeddings[t % embeddings.length] as Float32Array,
    willingnessToPay: 0.1,
    rng,
    ...(shape.rule === undefined ? {} : { rule: shape.rule }),
  });
  const arm = shape.arms[shape.answered(selection.index, t)] as BanditArm;
  policy.update({
    model: arm.model,
    features: selection.features,
    predictedQuality: arm.predictedQuality,
    estimatedCostUsd: arm.estimatedCostUsd,
    quality: rng.next() < arm.predictedQuality ? 1 : 0,
    costUsd: arm.estimatedCostUsd,
  });
}

describe('select + update (11 arms, 512-d embedding)', () => {
  for (const name of BANDIT_POLICY_NAMES) {
    const policy = warmed(name);
    let t = 0;
    bench(name, () => {
      step(policy, t++);
    });
  }
});

/**
 * The served path's shape: the residual learner (the served default) over the shipped catalog's 56
 * models, asked through the service's own decision rule (chooseArm with the default quality floor),
 * which it consults once per arm whose optimistic estimate might change the choice.
 */
const SERVED_ARMS = 56;
const servedArms: BanditArm[] = Array.from({ length: SERVED_ARMS }, (_, m) => {
  const quality = 0.4 + (0.55 * ((m * 37) % SERVED_ARMS)) / SERVED_ARMS;
  const cost = 0.00005 * (1 + ((m * 101) % 97));
  return {
    model: `bench/served-${m}`,
    predictedQuality: quality,
    estimatedCostUsd: cost,
    score: 0,
  };
});
/** The served shape; every arm answers in turn, as under real traffic (the choice alone would starve the rest). */
const SERVED: Shape = {
  arms: servedArms,
  rule: (candidates) =>
    chooseArm(candidates, { willingnessToPay: 0.1, qualityFloor: DEFAULT_QUALITY_FLOOR }),
  answered: (_chosen, t) => t % SERVED_ARMS,
};

describe('select + update, served shape (residual, 56 arms, the served rule)', () => {
  const policy = createPolicy('residual');
  for (let t = 0; t < 2000; t++) step(policy, t, SERVED);
  let t = 0;
  bench('residual, 56 arms, chooseArm with the default floor', () => {
    step(policy, t++, SERVED);
  });
});

describe('parts', () => {
  const policy = warmed('thompson');
  bench('feature projection (512 -> 16)', () => {
    policy.features(embeddings[0] as Float32Array);
  });
  const estimates = arms.map((_, m) => ({ mean: 0.5 + 0.01 * m, std: 0.05 }));
  bench('thompson propensity quadrature (11 arms)', () => {
    winProbability(estimates, 10, 0.3);
  });
});
