/**
 * The knob as the service runs it: calibrated (knob.ts) on the artifact's reference traffic over the
 * catalog's default candidates, with the same predictor, token counts and cost estimate as
 * `Router.route`; recalibrated when the catalog in force changes (admins add or disable models).
 */
import type { Catalog } from '../catalog/index.js';
import { isDefaultCandidate } from '../catalog/index.js';
import { estimateCost, fromCl100kCount } from '../tokens/index.js';
import type { ArmPredictor } from './arm-predictor.js';
import {
  calibrateKnob,
  knobFloorFunction,
  knobFunction,
  type KnobCalibration,
  type KnobReference,
} from './knob.js';

/** Reference prompts: embeddings and their cl100k_base token counts. */
export interface KnobReferenceTraffic {
  readonly embeddings: readonly Float32Array[];
  readonly inputTokens: readonly number[];
}

/** A served knob: the slider map and the calibration behind it (undefined: uncalibrated). */
export interface ServedKnob {
  readonly willingness: (slider: number) => number;
  /** The quality floor for a slider value (the default floor when uncalibrated). */
  readonly qualityFloor: (slider: number) => number;
  readonly calibration: () => KnobCalibration | undefined;
}

/**
 * The served predictor's quality and cost estimates on the reference traffic for `catalog`'s
 * default candidates (undefined when there are none or no reference prompts).
 */
export function knobReference(
  catalog: Catalog,
  predictor: ArmPredictor,
  reference: KnobReferenceTraffic,
): KnobReference | undefined {
  const models = catalog.models.filter(isDefaultCandidate);
  if (models.length === 0 || reference.embeddings.length === 0) return undefined;
  const predictedQuality: Float64Array[] = [];
  const estimatedCostUsd: Float64Array[] = [];
  reference.embeddings.forEach((embedding, i) => {
    const estimates = predictor.estimate(embedding, models);
    predictedQuality.push(Float64Array.from(estimates, (e) => e.quality));
    estimatedCostUsd.push(
      Float64Array.from(models, (model, m) =>
        estimateCost(model, {
          inputTokens: fromCl100kCount(reference.inputTokens[i] ?? 0, model.tokenizer),
          outputTokens: Math.round(estimates[m]?.outputTokens ?? 0),
        }),
      ),
    );
  });
  return { predictedQuality, estimatedCostUsd };
}

/** Calibrate on the reference traffic for `catalog`'s default candidates. */
export function calibrateForCatalog(
  catalog: Catalog,
  predictor: ArmPredictor,
  reference: KnobReferenceTraffic,
): KnobCalibration | undefined {
  const predictions = knobReference(catalog, predictor, reference);
  return predictions === undefined ? undefined : calibrateKnob(predictions);
}

/** The service's knob; without reference traffic, the raw log-uniform slider. */
export function servedKnob(options: {
  readonly catalog: () => Catalog;
  readonly predictor: ArmPredictor;
  readonly reference?: KnobReferenceTraffic;
}): ServedKnob {
  let cachedFor: Catalog | undefined;
  let calibration: KnobCalibration | undefined;
  let map = knobFunction(undefined);
  let floorMap = knobFloorFunction(undefined);
  const current = (): void => {
    const catalog = options.catalog();
    if (catalog === cachedFor || options.reference === undefined) return;
    cachedFor = catalog;
    calibration = calibrateForCatalog(catalog, options.predictor, options.reference);
    map = knobFunction(calibration);
    floorMap = knobFloorFunction(calibration);
  };
  return {
    willingness: (slider) => {
      current();
      return map(slider);
    },
    qualityFloor: (slider) => {
      current();
      return floorMap(slider);
    },
    calibration: () => {
      current();
      return calibration;
    },
  };
}
