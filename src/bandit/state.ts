/**
 * Restore a policy from its serialised state: shape-checked (TypeBox), then handed to the matching
 * class. Anything else is POLICY_STATE_INVALID, so a corrupt or foreign row in policy_state never
 * half-loads.
 */
import Type from 'typebox';
import { Value } from 'typebox/value';
import { RouterError } from '../core/index.js';
import {
  EpsilonGreedyPolicy,
  type EpsilonGreedyOptions,
} from './epsilon-greedy/epsilon-greedy-policy.js';
import type { LinearArmsOptions } from './arms-options.js';
import { LinearArms } from './linear-arms.js';
import { POLICY_STATE_FORMAT, type LinearPolicy, type LinearPolicyState } from './linear-policy.js';
import { LinUcbPolicy, type LinUcbOptions } from './linucb/linucb-policy.js';
import { BANDIT_POLICY_NAMES, type BanditPolicyName } from './policy.js';
import { ThompsonPolicy, type ThompsonOptions } from './thompson/thompson-policy.js';
import type { BanditPolicy } from './policy.js';
import type { ResidualOptions } from './residual/residual-options.js';
import { ResidualPolicy } from './residual/residual-policy.js';
import { residualPolicyFromState } from './residual/residual-state.js';

const Numbers = Type.Array(Type.Number());

const ArmSchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  time: Type.Integer({ minimum: 0 }),
  gram: Numbers,
  moment: Numbers,
  priorPrecision: Numbers,
  priorMean: Numbers,
  family: Type.Union([Type.String(), Type.Null()]),
  pulls: Type.Integer({ minimum: 0 }),
  weight: Type.Number({ minimum: 0 }),
  costObserved: Type.Number({ minimum: 0 }),
  costEstimated: Type.Number({ minimum: 0 }),
});

const LINEAR_POLICY_NAMES = BANDIT_POLICY_NAMES.filter((name) => name !== 'residual');

const StateSchema = Type.Object({
  policy: Type.Enum(LINEAR_POLICY_NAMES),
  format: Type.Literal(POLICY_STATE_FORMAT),
  version: Type.Integer({ minimum: 0 }),
  dimension: Type.Integer({ minimum: 1 }),
  params: Type.Record(Type.String(), Type.Number()),
  model: Type.Object({
    options: Type.Object({
      projectionDimension: Type.Integer({ minimum: 0 }),
      projectionSeed: Type.Integer(),
      noiseScale: Type.Number(),
      interceptPriorStd: Type.Number(),
      contextPriorStd: Type.Number(),
      unseenPriorScale: Type.Number(),
      discount: Type.Number(),
      costPriorWeight: Type.Number(),
    }),
    time: Type.Integer({ minimum: 0 }),
    embeddingDimension: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    arms: Type.Array(ArmSchema),
  }),
});

/** Options of {@link createPolicy}: the shared model knobs plus each policy's own. */
export type CreatePolicyOptions = LinearArmsOptions &
  LinUcbOptions &
  ThompsonOptions &
  EpsilonGreedyOptions & {
    /** Knobs of the residual policy (its names overlap the linear ones, so they sit apart). */
    readonly residual?: ResidualOptions;
  };

/** A fresh policy of the given kind. */
export function createPolicy(name: 'residual', options?: CreatePolicyOptions): ResidualPolicy;
export function createPolicy(
  name: Exclude<BanditPolicyName, 'residual'>,
  options?: CreatePolicyOptions,
): LinearPolicy;
export function createPolicy(name: BanditPolicyName, options?: CreatePolicyOptions): BanditPolicy;
export function createPolicy(
  name: BanditPolicyName,
  options: CreatePolicyOptions = {},
): BanditPolicy {
  const { alpha, explorationScale, epsilon, residual, ...model } = options;
  switch (name) {
    case 'residual':
      return new ResidualPolicy(residual ?? {});
    case 'linucb':
      return new LinUcbPolicy({ ...model, ...(alpha === undefined ? {} : { alpha }) });
    case 'thompson':
      return new ThompsonPolicy({
        ...model,
        ...(explorationScale === undefined ? {} : { explorationScale }),
      });
    case 'epsilon-greedy':
      return new EpsilonGreedyPolicy({ ...model, ...(epsilon === undefined ? {} : { epsilon }) });
  }
}

/** Restore a policy saved with `toState()`. POLICY_STATE_INVALID when the JSON does not fit. */
export function policyFromState(state: unknown): BanditPolicy {
  if (
    typeof state === 'object' &&
    state !== null &&
    (state as { policy?: unknown }).policy === 'residual'
  ) {
    return residualPolicyFromState(state);
  }
  if (!Value.Check(StateSchema, state)) {
    const first = [...Value.Errors(StateSchema, state)][0];
    throw new RouterError(
      'POLICY_STATE_INVALID',
      `policy state does not validate: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim(),
      {
        details: { path: first?.instancePath ?? '' },
      },
    );
  }
  const typed = state as LinearPolicyState;
  if (
    typed.model.time !== typed.version ||
    typed.dimension !== typed.model.options.projectionDimension + 1
  ) {
    throw new RouterError(
      'POLICY_STATE_INVALID',
      'policy state version or dimension is inconsistent',
    );
  }
  let model: LinearArms;
  try {
    model = LinearArms.fromJson(typed.model);
  } catch (error: unknown) {
    if (error instanceof RouterError && error.code === 'POLICY_STATE_INVALID') throw error;
    throw new RouterError('POLICY_STATE_INVALID', 'policy state options are invalid', {
      cause: error,
    });
  }
  const params = typed.params;
  const name = typed.policy as Exclude<BanditPolicyName, 'residual'>;
  try {
    switch (name) {
      case 'linucb':
        return new LinUcbPolicy(params.alpha === undefined ? {} : { alpha: params.alpha }, model);
      case 'thompson':
        return new ThompsonPolicy(
          params.explorationScale === undefined
            ? {}
            : { explorationScale: params.explorationScale },
          model,
        );
      case 'epsilon-greedy':
        return new EpsilonGreedyPolicy(
          params.epsilon === undefined ? {} : { epsilon: params.epsilon },
          model,
        );
    }
  } catch (error: unknown) {
    throw new RouterError('POLICY_STATE_INVALID', 'policy state parameters are invalid', {
      cause: error,
    });
  }
}
