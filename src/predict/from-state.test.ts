import { describe, expect, it } from 'vitest';
import { createRng, isRouterError } from '../core/index.js';
import { randomUnit, syntheticSet } from './__fixtures__/synthetic.js';
import { ensemblePredictor } from './ensemble-predictor.js';
import { predictorFromState } from './from-state.js';
import { fitKnnPredictor } from './knn-predictor.js';
import { fitLogisticPredictor } from './logistic-predictor.js';
import { fitMfPredictor } from './mf-predictor.js';
import { PREDICTOR_STATE_VERSION } from './state.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error: unknown) {
    return isRouterError(error) ? error.code : 'not a RouterError';
  }
  return undefined;
}

describe('predictorFromState', () => {
  const rng = createRng(2);
  const { set } = syntheticSet({
    rows: 120,
    dimension: 8,
    directions: [randomUnit(rng, 8), randomUnit(rng, 8)],
    seed: 1,
  });
  const fitted = [
    fitKnnPredictor(set, { k: 5 }),
    fitLogisticPredictor(set),
    fitMfPredictor(set, { latentDimension: 3, epochs: 2 }),
  ];

  it('restores every kind, including an ensemble, to identical predictions', () => {
    for (const predictor of [...fitted, ensemblePredictor(fitted, [1, 2, 1])]) {
      const restored = predictorFromState(JSON.parse(JSON.stringify(predictor.toState())));
      expect(restored.kind).toBe(predictor.kind);
      expect(restored.models).toEqual(set.models);
      expect(restored.predict(set.embeddings.slice(0, 8))).toEqual(
        predictor.predict(set.embeddings.slice(0, 8)),
      );
    }
  });

  it('rejects a version mismatch, an unknown kind and malformed weights with ARTIFACT_INVALID', () => {
    for (const predictor of fitted) {
      const state = predictor.toState();
      expect(
        codeOf(() => predictorFromState({ ...state, version: PREDICTOR_STATE_VERSION + 1 })),
      ).toBe('ARTIFACT_INVALID');
    }
    expect(
      codeOf(() => predictorFromState({ kind: 'tree', version: 1, models: [], dimension: 0 })),
    ).toBe('ARTIFACT_INVALID');
    expect(codeOf(() => predictorFromState(null))).toBe('ARTIFACT_INVALID');
    const logistic = fitted[1]?.toState();
    expect(codeOf(() => predictorFromState({ ...logistic, weights: 'AAAA' }))).toBe(
      'ARTIFACT_INVALID',
    );
  });

  it('rejects query embeddings of the wrong dimension with INPUT_INVALID', () => {
    expect(codeOf(() => fitted[1]?.predict([new Float32Array(3)]))).toBe('INPUT_INVALID');
  });
});
