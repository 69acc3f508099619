/**
 * Weighted average of member predictors over the same models (model averaging; members with
 * different inductive biases, e.g. kNN and a linear head, err on different prompts).
 */
import { RouterError } from '../core/index.js';
import type { PredictorState, QualityPredictor } from './predictor.js';
import { assertStateHeader, PREDICTOR_STATE_VERSION } from './state.js';

class EnsemblePredictor implements QualityPredictor {
  readonly kind = 'ensemble';
  readonly models: readonly string[];

  private readonly members: readonly QualityPredictor[];
  private readonly weights: readonly number[];

  constructor(members: readonly QualityPredictor[], weights: readonly number[]) {
    this.members = members;
    this.weights = weights;
    this.models = members[0]?.models ?? [];
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    const total = this.weights.reduce((a, b) => a + b, 0);
    const out = embeddings.map(() => new Float64Array(this.models.length));
    this.members.forEach((member, k) => {
      const w = (this.weights[k] ?? 0) / total;
      member.predict(embeddings).forEach((row, i) => {
        const target = out[i] as Float64Array;
        row.forEach((p, m) => {
          target[m] = (target[m] ?? 0) + w * p;
        });
      });
    });
    return out;
  }

  toState(): PredictorState {
    const members = this.members.map((m) => m.toState());
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...this.models],
      dimension: members[0]?.dimension ?? 0,
      weights: [...this.weights],
      members,
    };
  }
}

/** Average `members` (same models, same order) with non-negative `weights` (default equal). */
export function ensemblePredictor(
  members: readonly QualityPredictor[],
  weights: readonly number[] = members.map(() => 1),
): QualityPredictor {
  const first = members[0];
  if (first === undefined || weights.length !== members.length || weights.some((w) => !(w >= 0))) {
    throw new RouterError(
      'INPUT_INVALID',
      'an ensemble needs members and one non-negative weight each',
    );
  }
  if (weights.reduce((a, b) => a + b, 0) <= 0)
    throw new RouterError('INPUT_INVALID', 'ensemble weights sum to 0');
  for (const member of members) {
    if (member.models.join('\n') !== first.models.join('\n')) {
      throw new RouterError('INPUT_INVALID', 'ensemble members must share models');
    }
  }
  return new EnsemblePredictor(members, weights);
}

/** Restore an ensemble; `restoreMember` restores each member state. */
export function ensemblePredictorFromState(
  value: unknown,
  restoreMember: (state: unknown) => QualityPredictor,
): QualityPredictor {
  const state = assertStateHeader(value, 'ensemble');
  const { members, weights } = state;
  if (!Array.isArray(members) || !Array.isArray(weights) || members.length !== weights.length) {
    throw new RouterError('ARTIFACT_INVALID', 'ensemble state needs members and weights');
  }
  if (!weights.every((w) => typeof w === 'number'))
    throw new RouterError('ARTIFACT_INVALID', 'weights must be numbers');
  return ensemblePredictor(members.map(restoreMember), weights);
}
