/**
 * Off-policy evaluation of a candidate policy on logged decisions (each with the logging policy's
 * propensity for the logged arm):
 *  - IPS (Horvitz-Thompson): V̂ = 1/n Σ π(a_i|x_i) / p_i · r_i;
 *  - self-normalised IPS: Σ w_i r_i / Σ w_i (Swaminathan and Joachims 2015), lower variance;
 *  - doubly robust (Dudík, Langford and Li, ICML 2011, eq. 2):
 *    V̂ = 1/n Σ [ Σ_a π(a|x_i) r̂(x_i, a) + π(a_i|x_i) / p_i · (r_i - r̂(x_i, a_i)) ],
 *    with the direct-method model r̂ = the offline utility stored with the decision;
 * each with a percentile bootstrap interval over decisions. The logging policy must give every arm
 * the candidate may choose a positive probability (LinUCB and greedy logs do not).
 */
import type { Rng } from '../../core/index.js';
import { bootstrapInterval, type Interval } from '../../metrics/index.js';

/** One logged decision with its observed reward. */
export interface LoggedDecision {
  /** Index of the logged (chosen) arm. */
  readonly chosen: number;
  /** The logging policy's probability of that arm, in (0, 1]. */
  readonly propensity: number;
  /** Observed reward of the logged arm. */
  readonly reward: number;
  /** Direct-method reward estimate for every arm (same order as the candidate's probabilities). */
  readonly estimatedRewards: readonly number[];
}

/** Estimates of a candidate policy's mean reward. */
export interface OffPolicyEstimate {
  readonly decisions: number;
  readonly ips: Interval;
  readonly snips: Interval;
  readonly doublyRobust: Interval;
  /** Direct method alone (Σ_a π r̂), biased by r̂. */
  readonly directMethod: Interval;
  /** The logging policy's own mean reward on the logs. */
  readonly logged: Interval;
  /** Kish effective sample size of the importance weights, (Σw)² / Σw². */
  readonly effectiveSampleSize: number;
  /** Largest importance weight. */
  readonly maxWeight: number;
}

/** Evaluate `probabilities` (the candidate's π(·|x_i) per logged decision) on `logs`. */
export function evaluateOffPolicy(options: {
  readonly logs: readonly LoggedDecision[];
  readonly probabilities: readonly (readonly number[])[];
  readonly rng: Rng;
  /** @default 1000 */
  readonly resamples?: number;
}): OffPolicyEstimate {
  const { logs, probabilities } = options;
  const n = logs.length;
  const weight = new Float64Array(n);
  const ipsTerm = new Float64Array(n);
  const drTerm = new Float64Array(n);
  const dmTerm = new Float64Array(n);
  const logged = new Float64Array(n);
  logs.forEach((log, i) => {
    const pi = probabilities[i] ?? [];
    const w = (pi[log.chosen] ?? 0) / log.propensity;
    let direct = 0;
    pi.forEach((p, a) => {
      direct += p * (log.estimatedRewards[a] ?? 0);
    });
    weight[i] = w;
    ipsTerm[i] = w * log.reward;
    dmTerm[i] = direct;
    drTerm[i] = direct + w * (log.reward - (log.estimatedRewards[log.chosen] ?? 0));
    logged[i] = log.reward;
  });
  const resamples = options.resamples ?? 1000;
  const meanOf = (values: Float64Array) => (indices: Uint32Array) => {
    let total = 0;
    for (const i of indices) total += values[i] as number;
    return total / Math.max(indices.length, 1);
  };
  const interval = (values: Float64Array): Interval =>
    bootstrapInterval({ size: n, statistic: meanOf(values), rng: options.rng, resamples });
  let sumW = 0;
  let sumW2 = 0;
  let maxWeight = 0;
  for (const w of weight) {
    sumW += w;
    sumW2 += w * w;
    maxWeight = Math.max(maxWeight, w);
  }
  return {
    decisions: n,
    ips: interval(ipsTerm),
    snips: bootstrapInterval({
      size: n,
      rng: options.rng,
      resamples,
      statistic: (indices) => {
        let num = 0;
        let den = 0;
        for (const i of indices) {
          num += ipsTerm[i] as number;
          den += weight[i] as number;
        }
        return den > 0 ? num / den : Number.NaN;
      },
    }),
    doublyRobust: interval(drTerm),
    directMethod: interval(dmTerm),
    logged: interval(logged),
    effectiveSampleSize: sumW2 > 0 ? (sumW * sumW) / sumW2 : 0,
    maxWeight,
  };
}
