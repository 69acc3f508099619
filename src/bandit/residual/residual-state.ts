/** Restore a {@link ResidualPolicy} from its JSON state: shape-checked (TypeBox), else POLICY_STATE_INVALID. */
import Type from 'typebox';
import { Value } from 'typebox/value';
import { RouterError } from '../../core/index.js';
import { ResidualMemory, type ResidualMemoryJson } from './residual-memory.js';
import { RESIDUAL_STATE_FORMAT, ResidualPolicy } from './residual-policy.js';

const Finite = Type.Number();
const NonNegative = Type.Number({ minimum: 0 });

const StateSchema = Type.Object({
  policy: Type.Literal('residual'),
  format: Type.Literal(RESIDUAL_STATE_FORMAT),
  version: Type.Integer({ minimum: 0 }),
  dimension: Type.Integer({ minimum: 1 }),
  memory: Type.Object({
    options: Type.Record(Type.String(), Type.Number()),
    time: Type.Integer({ minimum: 0 }),
    global: Type.Object({ weight: NonNegative, residual: Finite }),
    models: Type.Array(
      Type.Object({
        model: Type.String({ minLength: 1 }),
        weight: NonNegative,
        residual: Finite,
        residualSquares: NonNegative,
        costObserved: NonNegative,
        costEstimated: NonNegative,
        pulls: Type.Integer({ minimum: 0 }),
      }),
    ),
    entries: Type.Array(
      Type.Object({
        features: Type.Array(Finite),
        model: Type.String({ minLength: 1 }),
        residual: Finite,
        time: Type.Integer({ minimum: 0 }),
      }),
    ),
    embeddingDimension: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  }),
});

/** Restore a residual policy saved with `toState()`. */
export function residualPolicyFromState(state: unknown): ResidualPolicy {
  if (!Value.Check(StateSchema, state)) {
    const first = [...Value.Errors(StateSchema, state)][0];
    throw new RouterError(
      'POLICY_STATE_INVALID',
      `residual policy state does not validate: ${first?.instancePath ?? ''} ${first?.message ?? ''}`.trim(),
      { details: { path: first?.instancePath ?? '' } },
    );
  }
  const typed = state as unknown as {
    version: number;
    dimension: number;
    memory: ResidualMemoryJson;
  };
  if (
    typed.memory.time !== typed.version ||
    typed.dimension !== typed.memory.options.projectionDimension
  ) {
    throw new RouterError(
      'POLICY_STATE_INVALID',
      'residual state version or dimension is inconsistent',
    );
  }
  try {
    return new ResidualPolicy({}, ResidualMemory.fromJson(typed.memory));
  } catch (error: unknown) {
    if (error instanceof RouterError && error.code === 'POLICY_STATE_INVALID') throw error;
    throw new RouterError('POLICY_STATE_INVALID', 'residual policy options are invalid', {
      cause: error,
    });
  }
}
