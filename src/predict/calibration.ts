/**
 * Post-hoc probability calibration per model, fitted on a held-out fold:
 * - Platt scaling (Platt 1999): p' = sigmoid(a * logit(p) + b), fitted by L-BFGS on log-loss;
 * - isotonic regression (Zadrozny & Elkan 2002) by pool-adjacent-violators, interpolated linearly
 *   between block centres.
 */
import { createRng, RouterError, shuffled } from '../core/index.js';
import type { PredictorState, QualityPredictor, TrainingSet } from './predictor.js';
import { roundSignificant } from './encoding.js';
import { logit, sigmoid, softplus } from './linalg.js';
import { minimizeLbfgs } from './lbfgs.js';
import { assertStateHeader, PREDICTOR_STATE_VERSION } from './state.js';
import { subsetTrainingSet } from './training-set.js';

/** Calibration methods. */
export const CALIBRATION_METHODS = ['platt', 'isotonic'] as const;
/** A calibration method name. */
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** A fitted monotone map from raw to calibrated probability (JSON-safe). */
export type Calibrator =
  | { readonly method: 'identity' }
  | { readonly method: 'platt'; readonly a: number; readonly b: number }
  | { readonly method: 'isotonic'; readonly x: readonly number[]; readonly y: readonly number[] };

/** Fit a Platt map on (raw p, y) pairs. */
export function fitPlatt(predicted: ArrayLike<number>, observed: ArrayLike<number>): Calibrator {
  const z: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] ?? Number.NaN;
    const t = observed[i] ?? Number.NaN;
    if (Number.isNaN(p) || Number.isNaN(t)) continue;
    z.push(logit(p));
    y.push(Math.min(1, Math.max(0, t)));
  }
  if (z.length < 2) return { method: 'identity' };
  const result = minimizeLbfgs(
    (theta, gradient) => {
      const a = theta[0] ?? 1;
      const b = theta[1] ?? 0;
      let value = 0;
      let ga = 0;
      let gb = 0;
      z.forEach((zi, i) => {
        const s = a * zi + b;
        const yi = y[i] ?? 0;
        value += softplus(s) - yi * s;
        const r = sigmoid(s) - yi;
        ga += r * zi;
        gb += r;
      });
      // A tiny ridge toward the identity map keeps separable folds finite.
      value = value / z.length + 1e-4 * ((a - 1) ** 2 + b * b);
      gradient[0] = ga / z.length + 2e-4 * (a - 1);
      gradient[1] = gb / z.length + 2e-4 * b;
      return value;
    },
    Float64Array.of(1, 0),
  );
  return { method: 'platt', a: result.x[0] ?? 1, b: result.x[1] ?? 0 };
}

/** Fit an isotonic (non-decreasing) map on (raw p, y) pairs by pool-adjacent-violators. */
export function fitIsotonic(predicted: ArrayLike<number>, observed: ArrayLike<number>): Calibrator {
  const pairs: { p: number; y: number }[] = [];
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i] ?? Number.NaN;
    const y = observed[i] ?? Number.NaN;
    if (!Number.isNaN(p) && !Number.isNaN(y)) pairs.push({ p, y: Math.min(1, Math.max(0, y)) });
  }
  if (pairs.length < 2) return { method: 'identity' };
  pairs.sort((a, b) => a.p - b.p);
  // Blocks: sum of p, sum of y, count; merge while the previous block's mean exceeds the next one.
  const blocks: { sp: number; sy: number; n: number }[] = [];
  for (const { p, y } of pairs) {
    blocks.push({ sp: p, sy: y, n: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1] as { sp: number; sy: number; n: number };
      const previous = blocks[blocks.length - 2] as { sp: number; sy: number; n: number };
      if (previous.sy / previous.n < last.sy / last.n) break;
      previous.sp += last.sp;
      previous.sy += last.sy;
      previous.n += last.n;
      blocks.pop();
    }
  }
  return {
    method: 'isotonic',
    x: blocks.map((b) => roundSignificant(b.sp / b.n, 7)),
    y: blocks.map((b) => roundSignificant(b.sy / b.n, 7)),
  };
}

/** Apply a calibrator to one raw probability. */
export function applyCalibrator(calibrator: Calibrator, p: number): number {
  switch (calibrator.method) {
    case 'identity':
      return p;
    case 'platt':
      return sigmoid(calibrator.a * logit(p) + calibrator.b);
    case 'isotonic': {
      const { x, y } = calibrator;
      const n = x.length;
      if (n === 0) return p;
      if (p <= (x[0] ?? 0)) return y[0] ?? p;
      if (p >= (x[n - 1] ?? 1)) return y[n - 1] ?? p;
      let lo = 0;
      let hi = n - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if ((x[mid] ?? 0) <= p) lo = mid;
        else hi = mid;
      }
      const x0 = x[lo] ?? 0;
      const x1 = x[hi] ?? 1;
      const t = x1 > x0 ? (p - x0) / (x1 - x0) : 0;
      return (y[lo] ?? 0) + t * ((y[hi] ?? 0) - (y[lo] ?? 0));
    }
  }
}

/** Fit one calibrator per model from a predictor's outputs on labelled rows. */
export function fitCalibrators(options: {
  readonly predictor: QualityPredictor;
  readonly set: TrainingSet;
  readonly method: CalibrationMethod;
}): Calibrator[] {
  const raw = options.predictor.predict(options.set.embeddings);
  return options.set.models.map((_, m) => {
    const p = raw.map((row) => row[m] ?? Number.NaN);
    const y = options.set.quality.map((row) => row[m] ?? Number.NaN);
    return options.method === 'platt' ? fitPlatt(p, y) : fitIsotonic(p, y);
  });
}

class CalibratedPredictor implements QualityPredictor {
  readonly kind = 'calibrated';
  readonly models: readonly string[];

  private readonly base: QualityPredictor;
  private readonly calibrators: readonly Calibrator[];

  constructor(base: QualityPredictor, calibrators: readonly Calibrator[]) {
    this.base = base;
    this.calibrators = calibrators;
    this.models = base.models;
  }

  predict(embeddings: readonly Float32Array[]): Float64Array[] {
    return this.base
      .predict(embeddings)
      .map((row) =>
        Float64Array.from(row, (p, m) =>
          applyCalibrator(this.calibrators[m] ?? { method: 'identity' }, p),
        ),
      );
  }

  toState(): PredictorState {
    const base = this.base.toState();
    return {
      kind: this.kind,
      version: PREDICTOR_STATE_VERSION,
      models: [...this.models],
      dimension: base.dimension,
      base,
      calibrators: this.calibrators,
    };
  }
}

/** Wrap a fitted predictor with per-model calibrators. */
export function calibratedPredictor(
  base: QualityPredictor,
  calibrators: readonly Calibrator[],
): QualityPredictor {
  if (calibrators.length !== base.models.length) {
    throw new RouterError('INPUT_INVALID', 'need one calibrator per model');
  }
  return new CalibratedPredictor(base, calibrators);
}

/** Options for {@link fitCalibratedPredictor}. */
export interface CalibratedFitOptions {
  readonly set: TrainingSet;
  /** Fits the base predictor on a training subset. */
  readonly fit: (set: TrainingSet) => QualityPredictor;
  /** @default 'platt' */
  readonly method?: CalibrationMethod;
  /** Share of rows held out to fit the calibrators. @default 0.2 */
  readonly heldOutFraction?: number;
  /** Seed for the held-out split. @default 0 */
  readonly seed?: number;
}

/** Fit the base on (1 - f) of the rows and the calibrators on the held-out f. */
export function fitCalibratedPredictor(options: CalibratedFitOptions): QualityPredictor {
  const n = options.set.embeddings.length;
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    createRng(options.seed ?? 0),
  );
  const cut = Math.round(n * (1 - (options.heldOutFraction ?? 0.2)));
  const base = options.fit(subsetTrainingSet(options.set, order.slice(0, cut)));
  const calibrators = fitCalibrators({
    predictor: base,
    set: subsetTrainingSet(options.set, order.slice(cut)),
    method: options.method ?? 'platt',
  });
  return new CalibratedPredictor(base, calibrators);
}

function parseCalibrator(value: unknown): Calibrator {
  if (typeof value === 'object' && value !== null) {
    const c = value as Record<string, unknown>;
    if (c.method === 'identity') return { method: 'identity' };
    if (c.method === 'platt' && typeof c.a === 'number' && typeof c.b === 'number') {
      return { method: 'platt', a: c.a, b: c.b };
    }
    const isNumbers = (v: unknown): v is number[] =>
      Array.isArray(v) && v.every((e) => typeof e === 'number');
    if (c.method === 'isotonic' && isNumbers(c.x) && isNumbers(c.y) && c.x.length === c.y.length) {
      return { method: 'isotonic', x: c.x, y: c.y };
    }
  }
  throw new RouterError('ARTIFACT_INVALID', 'calibrator is malformed');
}

/** Restore a calibrated predictor; `restoreBase` restores the wrapped state. */
export function calibratedPredictorFromState(
  value: unknown,
  restoreBase: (state: unknown) => QualityPredictor,
): QualityPredictor {
  const state = assertStateHeader(value, 'calibrated');
  const base = restoreBase(state.base);
  const raw = state.calibrators;
  if (!Array.isArray(raw) || raw.length !== base.models.length) {
    throw new RouterError('ARTIFACT_INVALID', 'calibrated state needs one calibrator per model');
  }
  return new CalibratedPredictor(base, raw.map(parseCalibrator));
}
