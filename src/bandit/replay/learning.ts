/**
 * Learning benchmark (issue #11 part 5): one prequential pass of an online policy over a stream the
 * artifact never trained on, scored against the frozen artifact and the oracle on the same prompts.
 * Every strategy decides with the same rule (the service's, injected as `rule`) at the same knob:
 * the frozen artifact on its predictions and estimated costs, the oracle on the true quality and
 * cost, the policy on whatever it makes of the predictions and the outcomes it has seen. Only the
 * policy's chosen model's outcome is revealed to it. The knob sweep gives each reference's
 * (cost, quality) points at every checkpoint, from which the caller reads quality at equal cost.
 */
import { RouterError, createRng } from '../../core/index.js';
import type { ArmTags, BanditArm, BanditPolicy, RuleArm } from '../policy.js';
import { reward } from '../reward.js';

/** One operating point of the knob. */
export interface KnobPoint {
  /** USD per unit quality. */
  readonly willingnessToPay: number;
  /** Share of the best candidate's quality a choice must reach; undefined: no floor. */
  readonly qualityFloor?: number;
}

/** The service's decision rule (decision-rule.ts `chooseArm`), injected by the caller. */
export type KnobRule = (arms: readonly RuleArm[], knob: KnobPoint) => number;

/** Inputs of {@link runLearningStream}: per-prompt rows aligned with `embeddings`, columns with `models`. */
export interface LearningInput {
  readonly models: readonly string[];
  readonly embeddings: readonly Float32Array[];
  /** True quality per prompt per model; NaN where the model has no outcome (not offered). */
  readonly quality: readonly ArrayLike<number>[];
  /** True cost, USD. */
  readonly costUsd: readonly ArrayLike<number>[];
  /** The frozen artifact's quality prediction (the policy's prior). */
  readonly predictedQuality: readonly ArrayLike<number>[];
  /** The artifact's std per prediction, when it has one. */
  readonly qualityUncertainty?: readonly ArrayLike<number>[];
  /** Estimated cost before the call, USD. */
  readonly estimatedCostUsd: readonly ArrayLike<number>[];
  readonly tags?: readonly (ArmTags | undefined)[];
  /** The knob every strategy routes at. */
  readonly knob: KnobPoint;
  /** Knob points swept for the frozen and oracle frontiers. */
  readonly sweep: readonly KnobPoint[];
  readonly rule: KnobRule;
  /**
   * For a policy that takes the floor's candidates (`candidates` not `all`): the indices of the arms
   * the router would offer it, in the router's order (decision-rule.ts's floor and ranking).
   */
  readonly offer?: (arms: readonly RuleArm[], knob: KnobPoint) => number[];
  readonly policy: BanditPolicy;
  /** Seed of the policy's exploration. */
  readonly seed: number;
  /** Prompt order (row indices). */
  readonly order: readonly number[];
  /** Step counts at which totals are taken (the last step is always one). */
  readonly checkpoints: readonly number[];
}

/** Mean quality and cost of a strategy's choices so far. */
export interface Totals {
  readonly quality: number;
  readonly costUsd: number;
}

/** Totals at one checkpoint. */
export interface LearningCheckpoint {
  readonly steps: number;
  readonly online: Totals;
  readonly frozen: Totals;
  readonly oracle: Totals;
  /** Frozen artifact and oracle at every sweep point (aligned with `sweep`). */
  readonly frozenSweep: readonly Totals[];
  readonly oracleSweep: readonly Totals[];
  readonly explorationRate: number;
}

/** Result of one pass. */
export interface LearningResult {
  readonly checkpoints: readonly LearningCheckpoint[];
  /** Per step: realised quality of the policy, the frozen artifact and the oracle (at the knob). */
  readonly onlineQuality: Float64Array;
  readonly frozenQuality: Float64Array;
  readonly oracleQuality: Float64Array;
  readonly propensities: Float64Array;
}

const at = (row: ArrayLike<number>, m: number): number => row[m] as number;

/** Run the policy once over the stream. */
export function runLearningStream(input: LearningInput): LearningResult {
  const { models, order, rule, policy, knob, sweep } = input;
  const n = order.length;
  if (n === 0) throw new RouterError('INPUT_INVALID', 'the stream is empty');
  const rng = createRng(input.seed);
  const marks = new Set([...input.checkpoints.filter((c) => c > 0 && c < n), n]);
  const onlineQuality = new Float64Array(n);
  const frozenQuality = new Float64Array(n);
  const oracleQuality = new Float64Array(n);
  const propensities = new Float64Array(n);
  const sums = {
    online: { quality: 0, costUsd: 0 },
    frozen: { quality: 0, costUsd: 0 },
    oracle: { quality: 0, costUsd: 0 },
    frozenSweep: sweep.map(() => ({ quality: 0, costUsd: 0 })),
    oracleSweep: sweep.map(() => ({ quality: 0, costUsd: 0 })),
    explored: 0,
  };
  const checkpoints: LearningCheckpoint[] = [];
  const pick = (arms: readonly RuleArm[], point: KnobPoint): number =>
    Math.max(0, rule(arms, point));
  for (let t = 0; t < n; t++) {
    const row = order[t] as number;
    const truth = input.quality[row] as ArrayLike<number>;
    const trueCost = input.costUsd[row] as ArrayLike<number>;
    const predicted = input.predictedQuality[row] as ArrayLike<number>;
    const estimated = input.estimatedCostUsd[row] as ArrayLike<number>;
    const spread = input.qualityUncertainty?.[row];
    const offered: number[] = [];
    for (let m = 0; m < models.length; m++) if (Number.isFinite(at(truth, m))) offered.push(m);
    if (offered.length === 0) throw new RouterError('INPUT_INVALID', `row ${row} has no outcome`);
    const believed = offered.map((m) => ({
      predictedQuality: at(predicted, m),
      estimatedCostUsd: at(estimated, m),
    }));
    const actual = offered.map((m) => ({
      predictedQuality: at(truth, m),
      estimatedCostUsd: at(trueCost, m),
    }));
    const add = (target: { quality: number; costUsd: number }, m: number): void => {
      target.quality += at(truth, m);
      target.costUsd += at(trueCost, m);
    };
    const frozen = offered[pick(believed, knob)] as number;
    const oracle = offered[pick(actual, knob)] as number;
    sweep.forEach((point, s) => {
      add(
        sums.frozenSweep[s] as Totals & { quality: number },
        offered[pick(believed, point)] as number,
      );
      add(
        sums.oracleSweep[s] as Totals & { quality: number },
        offered[pick(actual, point)] as number,
      );
    });
    const offeredToPolicy =
      policy.candidates === 'all' || input.offer === undefined
        ? offered
        : input.offer(believed, knob).map((i) => offered[i] as number);
    const arms: BanditArm[] = offeredToPolicy.map((m) => ({
      model: models[m] as string,
      predictedQuality: at(predicted, m),
      estimatedCostUsd: at(estimated, m),
      score: reward(at(predicted, m), at(estimated, m), knob.willingnessToPay),
      ...(spread === undefined ? {} : { qualityUncertainty: at(spread, m) }),
    }));
    const selection = policy.select({
      arms,
      embedding: input.embeddings[row] as Float32Array,
      willingnessToPay: knob.willingnessToPay,
      rng,
      rule: (candidates) => rule(candidates, knob),
      ...(input.tags === undefined ? {} : { tags: offeredToPolicy.map((m) => input.tags?.[m]) }),
    });
    const chosen = offeredToPolicy[selection.index] as number;
    policy.update({
      model: models[chosen] as string,
      features: selection.features,
      predictedQuality: at(predicted, chosen),
      estimatedCostUsd: at(estimated, chosen),
      quality: at(truth, chosen),
      costUsd: at(trueCost, chosen),
      ...(input.tags?.[chosen] === undefined ? {} : { tags: input.tags[chosen] }),
    });
    add(sums.online, chosen);
    add(sums.frozen, frozen);
    add(sums.oracle, oracle);
    if (selection.explored) sums.explored += 1;
    onlineQuality[t] = at(truth, chosen);
    frozenQuality[t] = at(truth, frozen);
    oracleQuality[t] = at(truth, oracle);
    propensities[t] = selection.propensity;
    const steps = t + 1;
    if (marks.has(steps)) {
      const mean = (s: { quality: number; costUsd: number }): Totals => ({
        quality: s.quality / steps,
        costUsd: s.costUsd / steps,
      });
      checkpoints.push({
        steps,
        online: mean(sums.online),
        frozen: mean(sums.frozen),
        oracle: mean(sums.oracle),
        frozenSweep: sums.frozenSweep.map(mean),
        oracleSweep: sums.oracleSweep.map(mean),
        explorationRate: sums.explored / steps,
      });
    }
  }
  return { checkpoints, onlineQuality, frozenQuality, oracleQuality, propensities };
}
