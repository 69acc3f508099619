/**
 * Score a predictor on labelled rows: pooled over every observed (prompt, model) pair and per model.
 */
import type { QualityPredictor, TrainingSet } from './predictor.js';
import type { ForecastScores } from './scores.js';
import { forecastScores } from './scores.js';

/** Pooled and per-model forecast scores. */
export interface PredictorEvaluation {
  readonly overall: ForecastScores;
  readonly perModel: Readonly<Record<string, ForecastScores>>;
}

/** Evaluate `predictor` on `set` (models matched by id; models the predictor lacks are skipped). */
export function evaluatePredictor(
  predictor: QualityPredictor,
  set: TrainingSet,
): PredictorEvaluation {
  const predicted = predictor.predict(set.embeddings);
  const allP: number[] = [];
  const allY: number[] = [];
  const perModel: Record<string, ForecastScores> = {};
  set.models.forEach((model, j) => {
    const column = predictor.models.indexOf(model);
    if (column < 0) return;
    const p: number[] = [];
    const y: number[] = [];
    set.quality.forEach((row, i) => {
      const label = row[j] ?? Number.NaN;
      if (Number.isNaN(label)) return;
      p.push(predicted[i]?.[column] ?? Number.NaN);
      y.push(label);
    });
    if (p.length === 0) return;
    perModel[model] = forecastScores(p, y);
    allP.push(...p);
    allY.push(...y);
  });
  return { overall: forecastScores(allP, allY), perModel };
}
