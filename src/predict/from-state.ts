/**
 * Restore any quality predictor from its JSON state by `kind` (version-checked by each factory).
 */
import { RouterError } from '../core/index.js';
import type { QualityPredictor } from './predictor.js';
import { calibratedPredictorFromState } from './calibration.js';
import { ensemblePredictorFromState } from './ensemble-predictor.js';
import { irtPredictorFromState } from './irt-predictor.js';
import { knnPredictorFromState } from './knn-predictor.js';
import { logisticPredictorFromState } from './logistic-predictor.js';
import { mfPredictorFromState } from './mf-predictor.js';

/** Predictor kinds this build can restore. */
export const PREDICTOR_KINDS = ['knn', 'logistic', 'mf', 'irt', 'calibrated', 'ensemble'] as const;
/** A restorable predictor kind. */
export type PredictorKind = (typeof PREDICTOR_KINDS)[number];

function isPredictorKind(value: unknown): value is PredictorKind {
  return typeof value === 'string' && (PREDICTOR_KINDS as readonly string[]).includes(value);
}

/** Restore a predictor; ARTIFACT_INVALID on an unknown kind, a version mismatch or malformed data. */
export function predictorFromState(state: unknown): QualityPredictor {
  const kind =
    typeof state === 'object' && state !== null ? (state as { kind?: unknown }).kind : undefined;
  if (!isPredictorKind(kind)) {
    throw new RouterError('ARTIFACT_INVALID', 'unknown predictor kind', {
      details: { kind: String(kind) },
    });
  }
  switch (kind) {
    case 'knn':
      return knnPredictorFromState(state);
    case 'logistic':
      return logisticPredictorFromState(state);
    case 'mf':
      return mfPredictorFromState(state);
    case 'irt':
      return irtPredictorFromState(state);
    case 'calibrated':
      return calibratedPredictorFromState(state, predictorFromState);
    case 'ensemble':
      return ensemblePredictorFromState(state, predictorFromState);
  }
}
