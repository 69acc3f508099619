/**
 * Prequential ("test then train", Dawid 1984) simulation of a bandit over a routing dataset: prompts
 * arrive in order; each is routed before its outcome is known, only the chosen model's outcome is
 * revealed, and the policy updates on it. The offline router (argmax of the offline utility) and the
 * oracle (argmax of the true utility) are scored on the same stream for comparison.
 */
import { RouterError, createRng } from '../../core/index.js';
import type { ArmTags, BanditArm, BanditPolicy } from '../policy.js';
import { reward } from '../reward.js';

/** Inputs of {@link runPrequential}. Per-prompt arrays are aligned with `embeddings`; columns with `models`. */
export interface PrequentialInput {
  readonly models: readonly string[];
  readonly embeddings: readonly Float32Array[];
  /** True quality per prompt per model in [0, 1]; NaN where unknown (that model is not offered). */
  readonly quality: readonly ArrayLike<number>[];
  /** True cost per prompt per model, USD. */
  readonly costUsd: readonly ArrayLike<number>[];
  /** The offline predictor's quality estimate per prompt per model (the bandit's prior). */
  readonly predictedQuality: readonly ArrayLike<number>[];
  /** Estimated cost per prompt per model, USD (what the router knows before the call). */
  readonly estimatedCostUsd: readonly ArrayLike<number>[];
  /** USD per unit quality (reward = quality - cost / willingnessToPay). */
  readonly willingnessToPay: number;
  readonly policy: BanditPolicy;
  /** Seed of the policy's exploration rng. */
  readonly seed: number;
  /** Catalog facts per model (aligned with `models`). */
  readonly tags?: readonly (ArmTags | undefined)[];
  /** Whether model `m` may be offered at step `t` (new-model scenario). @default always */
  readonly available?: (step: number, model: number) => boolean;
  /** Prompt order (a permutation of row indices). @default 0 … n-1 */
  readonly order?: readonly number[];
  /** High-resolution clock for the select + update timing, ms. @default no timing */
  readonly now?: () => number;
}

/** Per-step trace and totals of a prequential run (indexed by step, not by prompt). */
export interface PrequentialResult {
  readonly models: readonly string[];
  readonly willingnessToPay: number;
  /** Prompt row at each step. */
  readonly rows: Int32Array;
  /** Model index chosen by the bandit / offline router / oracle at each step. */
  readonly choices: Int32Array;
  readonly offlineChoices: Int32Array;
  readonly oracleChoices: Int32Array;
  readonly propensities: Float64Array;
  readonly explored: Uint8Array;
  /** Realised quality, cost and reward of the bandit's choice. */
  readonly quality: Float64Array;
  readonly cost: Float64Array;
  readonly reward: Float64Array;
  readonly offlineReward: Float64Array;
  readonly oracleReward: Float64Array;
  readonly summary: PrequentialSummary;
}

/** Means over the whole stream. */
export interface PrequentialSummary {
  readonly steps: number;
  readonly bandit: StrategyTotals;
  readonly offline: StrategyTotals;
  readonly oracle: StrategyTotals;
  /** Share of steps where the bandit explored. */
  readonly explorationRate: number;
  /** Final cumulative regret against the oracle. */
  readonly regret: number;
  readonly offlineRegret: number;
  /** Mean select + update time per decision, µs (when `now` was given). */
  readonly microsPerDecision?: number;
}

/** Mean quality, cost and reward of one strategy. */
export interface StrategyTotals {
  readonly quality: number;
  readonly costUsd: number;
  readonly reward: number;
}

function at(row: ArrayLike<number>, m: number): number {
  return row[m] as number;
}

/** Run the bandit once over the stream. */
export function runPrequential(input: PrequentialInput): PrequentialResult {
  const n = input.embeddings.length;
  const k = input.models.length;
  if (
    input.quality.length !== n ||
    input.costUsd.length !== n ||
    input.predictedQuality.length !== n ||
    input.estimatedCostUsd.length !== n
  ) {
    throw new RouterError('INPUT_INVALID', 'prequential inputs must have one row per embedding');
  }
  const order = input.order ?? Array.from({ length: n }, (_, i) => i);
  const wtp = input.willingnessToPay;
  const rng = createRng(input.seed);
  const steps = order.length;
  const out = {
    rows: new Int32Array(steps),
    choices: new Int32Array(steps),
    offlineChoices: new Int32Array(steps),
    oracleChoices: new Int32Array(steps),
    propensities: new Float64Array(steps),
    explored: new Uint8Array(steps),
    quality: new Float64Array(steps),
    cost: new Float64Array(steps),
    reward: new Float64Array(steps),
    offlineReward: new Float64Array(steps),
    oracleReward: new Float64Array(steps),
    offlineQuality: new Float64Array(steps),
    offlineCost: new Float64Array(steps),
    oracleQuality: new Float64Array(steps),
    oracleCost: new Float64Array(steps),
  };
  let elapsed = 0;
  for (let t = 0; t < steps; t++) {
    const row = order[t] as number;
    const truth = input.quality[row] as ArrayLike<number>;
    const trueCost = input.costUsd[row] as ArrayLike<number>;
    const predicted = input.predictedQuality[row] as ArrayLike<number>;
    const estimated = input.estimatedCostUsd[row] as ArrayLike<number>;
    const offered: number[] = [];
    for (let m = 0; m < k; m++) {
      if (Number.isFinite(at(truth, m)) && (input.available?.(t, m) ?? true)) offered.push(m);
    }
    if (offered.length === 0)
      throw new RouterError('INPUT_INVALID', `no model is available at step ${t}`);
    // The router's order: best offline utility first, cheaper first on ties.
    const score = (m: number): number => reward(at(predicted, m), at(estimated, m), wtp);
    offered.sort((a, b) => score(b) - score(a) || at(estimated, a) - at(estimated, b) || a - b);
    const arms: BanditArm[] = offered.map((m) => ({
      model: input.models[m] as string,
      predictedQuality: at(predicted, m),
      estimatedCostUsd: at(estimated, m),
      score: score(m),
    }));
    const started = input.now?.() ?? 0;
    const selection = input.policy.select({
      arms,
      embedding: input.embeddings[row] as Float32Array,
      willingnessToPay: wtp,
      rng,
      ...(input.tags === undefined ? {} : { tags: offered.map((m) => input.tags?.[m]) }),
    });
    const chosen = offered[selection.index] as number;
    const quality = at(truth, chosen);
    const cost = at(trueCost, chosen);
    input.policy.update({
      model: input.models[chosen] as string,
      features: selection.features,
      predictedQuality: at(predicted, chosen),
      estimatedCostUsd: at(estimated, chosen),
      quality,
      costUsd: cost,
      ...(input.tags?.[chosen] === undefined ? {} : { tags: input.tags[chosen] }),
    });
    if (input.now !== undefined) elapsed += input.now() - started;
    const offline = offered[0] as number;
    let oracle = offered[0] as number;
    for (const m of offered) {
      const gain =
        reward(at(truth, m), at(trueCost, m), wtp) -
        reward(at(truth, oracle), at(trueCost, oracle), wtp);
      if (gain > 0 || (gain === 0 && at(trueCost, m) < at(trueCost, oracle))) oracle = m;
    }
    out.rows[t] = row;
    out.choices[t] = chosen;
    out.offlineChoices[t] = offline;
    out.oracleChoices[t] = oracle;
    out.propensities[t] = selection.propensity;
    out.explored[t] = selection.explored ? 1 : 0;
    out.quality[t] = quality;
    out.cost[t] = cost;
    out.reward[t] = reward(quality, cost, wtp);
    out.offlineQuality[t] = at(truth, offline);
    out.offlineCost[t] = at(trueCost, offline);
    out.offlineReward[t] = reward(at(truth, offline), at(trueCost, offline), wtp);
    out.oracleQuality[t] = at(truth, oracle);
    out.oracleCost[t] = at(trueCost, oracle);
    out.oracleReward[t] = reward(at(truth, oracle), at(trueCost, oracle), wtp);
  }
  const mean = (values: ArrayLike<number>): number => {
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i] as number;
    return total / Math.max(values.length, 1);
  };
  const sum = (values: Float64Array): number => values.reduce((s, v) => s + v, 0);
  const summary: PrequentialSummary = {
    steps,
    bandit: { quality: mean(out.quality), costUsd: mean(out.cost), reward: mean(out.reward) },
    offline: {
      quality: mean(out.offlineQuality),
      costUsd: mean(out.offlineCost),
      reward: mean(out.offlineReward),
    },
    oracle: {
      quality: mean(out.oracleQuality),
      costUsd: mean(out.oracleCost),
      reward: mean(out.oracleReward),
    },
    explorationRate: mean(out.explored),
    regret: sum(out.oracleReward) - sum(out.reward),
    offlineRegret: sum(out.oracleReward) - sum(out.offlineReward),
    ...(input.now === undefined
      ? {}
      : { microsPerDecision: (1000 * elapsed) / Math.max(steps, 1) }),
  };
  return {
    models: input.models,
    willingnessToPay: wtp,
    rows: out.rows,
    choices: out.choices,
    offlineChoices: out.offlineChoices,
    oracleChoices: out.oracleChoices,
    propensities: out.propensities,
    explored: out.explored,
    quality: out.quality,
    cost: out.cost,
    reward: out.reward,
    offlineReward: out.offlineReward,
    oracleReward: out.oracleReward,
    summary,
  };
}

/** Cumulative sum of `values`. */
export function cumulative(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += values[i] as number;
    out[i] = total;
  }
  return out;
}
