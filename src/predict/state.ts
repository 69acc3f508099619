/**
 * Shared state checks for serialised predictors. Every state carries `kind` and `version`; a reader
 * accepts only the version it writes, so a stale artifact fails loudly (ARTIFACT_INVALID) instead of
 * predicting garbage.
 */
import { RouterError } from '../core/index.js';
import type { PredictorState } from './predictor.js';

/** Format version written by every predictor in this module. Bump on any incompatible change. */
export const PREDICTOR_STATE_VERSION = 1;

/** Throw ARTIFACT_INVALID unless `value` is a state of `kind` at the current version. */
export function assertStateHeader(value: unknown, kind: string): PredictorState {
  if (typeof value !== 'object' || value === null) {
    throw new RouterError('ARTIFACT_INVALID', 'predictor state must be an object');
  }
  const state = value as Record<string, unknown>;
  if (state.kind !== kind) {
    throw new RouterError('ARTIFACT_INVALID', `expected a ${kind} predictor state`, {
      details: { kind: state.kind },
    });
  }
  if (state.version !== PREDICTOR_STATE_VERSION) {
    throw new RouterError('ARTIFACT_INVALID', 'unsupported predictor state version', {
      details: { kind, version: state.version, supported: PREDICTOR_STATE_VERSION },
    });
  }
  if (!Array.isArray(state.models) || !state.models.every((m) => typeof m === 'string')) {
    throw new RouterError('ARTIFACT_INVALID', 'predictor state needs a models array', {
      details: { kind },
    });
  }
  if (
    typeof state.dimension !== 'number' ||
    !Number.isInteger(state.dimension) ||
    state.dimension < 0
  ) {
    throw new RouterError('ARTIFACT_INVALID', 'predictor state needs an integer dimension', {
      details: { kind },
    });
  }
  return value as PredictorState;
}

/** A numeric field of a state, or ARTIFACT_INVALID. */
export function numberField(state: PredictorState, field: string): number {
  const value = state[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RouterError('ARTIFACT_INVALID', `predictor state field ${field} must be a number`, {
      details: { kind: state.kind, field },
    });
  }
  return value;
}

/** A numeric array field of a state with the expected length, or ARTIFACT_INVALID. */
export function numberArrayField(
  state: PredictorState,
  field: string,
  length: number,
): Float64Array {
  const value = state[field];
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    !value.every((v) => typeof v === 'number')
  ) {
    throw new RouterError(
      'ARTIFACT_INVALID',
      `predictor state field ${field} must be ${length} numbers`,
      {
        details: { kind: state.kind, field },
      },
    );
  }
  return Float64Array.from(value);
}

/** Throw INPUT_INVALID when query embeddings do not match the fitted dimension. */
export function assertQueryDimension(
  embeddings: readonly ArrayLike<number>[],
  dimension: number,
): void {
  for (const e of embeddings) {
    if (e.length !== dimension) {
      throw new RouterError('INPUT_INVALID', 'embedding dimension does not match the predictor', {
        details: { expected: dimension, actual: e.length },
      });
    }
  }
}
