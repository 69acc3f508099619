/**
 * Probabilistic-forecast scores for predicted quality p against observed labels y in [0, 1].
 * Pairs where either value is NaN are skipped. Fractional labels are allowed (soft targets).
 */

function finitePairs(
  predicted: ArrayLike<number>,
  observed: ArrayLike<number>,
): { p: number[]; y: number[] } {
  const p: number[] = [];
  const y: number[] = [];
  const n = Math.min(predicted.length, observed.length);
  for (let i = 0; i < n; i++) {
    const pi = predicted[i] ?? Number.NaN;
    const yi = observed[i] ?? Number.NaN;
    if (Number.isNaN(pi) || Number.isNaN(yi)) continue;
    p.push(pi);
    y.push(yi);
  }
  return { p, y };
}

/** Brier score: mean (p - y)^2 (Brier 1950). NaN when no pairs. */
export function brierScore(predicted: ArrayLike<number>, observed: ArrayLike<number>): number {
  const { p, y } = finitePairs(predicted, observed);
  if (p.length === 0) return Number.NaN;
  let sum = 0;
  p.forEach((pi, i) => {
    sum += (pi - (y[i] ?? 0)) ** 2;
  });
  return sum / p.length;
}

/** Mean negative log-likelihood (cross-entropy), p clipped to [eps, 1 - eps]. */
export function logLoss(
  predicted: ArrayLike<number>,
  observed: ArrayLike<number>,
  eps = 1e-12,
): number {
  const { p, y } = finitePairs(predicted, observed);
  if (p.length === 0) return Number.NaN;
  let sum = 0;
  p.forEach((raw, i) => {
    const pi = Math.min(1 - eps, Math.max(eps, raw));
    const yi = y[i] ?? 0;
    sum -= yi * Math.log(pi) + (1 - yi) * Math.log(1 - pi);
  });
  return sum / p.length;
}

/**
 * Expected calibration error with `bins` equal-width bins on [0, 1] (Naeini et al. 2015):
 * sum over bins of (bin size / n) * |mean(y) - mean(p)|. p = 1 falls in the last bin.
 */
export function expectedCalibrationError(
  predicted: ArrayLike<number>,
  observed: ArrayLike<number>,
  bins = 10,
): number {
  const { p, y } = finitePairs(predicted, observed);
  if (p.length === 0) return Number.NaN;
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  p.forEach((pi, i) => {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(pi * bins)));
    count[b] = (count[b] ?? 0) + 1;
    sumP[b] = (sumP[b] ?? 0) + pi;
    sumY[b] = (sumY[b] ?? 0) + (y[i] ?? 0);
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b] ?? 0;
    if (c > 0) ece += Math.abs((sumY[b] ?? 0) - (sumP[b] ?? 0)) / p.length;
  }
  return ece;
}

/**
 * Area under the ROC curve via the Mann-Whitney U statistic with average ranks for ties. Labels are
 * thresholded at 0.5 (y >= 0.5 is a positive). NaN when one class is empty.
 */
export function rocAuc(predicted: ArrayLike<number>, observed: ArrayLike<number>): number {
  const { p, y } = finitePairs(predicted, observed);
  const order = p.map((_, i) => i).sort((a, b) => (p[a] ?? 0) - (p[b] ?? 0));
  const rank = new Float64Array(p.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && p[order[end + 1] ?? 0] === p[order[start] ?? 0]) end++;
    const average = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) rank[order[k] ?? 0] = average;
    start = end + 1;
  }
  let positives = 0;
  let rankSum = 0;
  y.forEach((yi, i) => {
    if (yi >= 0.5) {
      positives++;
      rankSum += rank[i] ?? 0;
    }
  });
  const negatives = p.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The four scores together. */
export interface ForecastScores {
  readonly brier: number;
  readonly ece: number;
  readonly logLoss: number;
  readonly auc: number;
  /** Pairs scored. */
  readonly count: number;
}

/** All scores for one vector of predictions. */
export function forecastScores(
  predicted: ArrayLike<number>,
  observed: ArrayLike<number>,
): ForecastScores {
  return {
    brier: brierScore(predicted, observed),
    ece: expectedCalibrationError(predicted, observed),
    logLoss: logLoss(predicted, observed),
    auc: rocAuc(predicted, observed),
    count: finitePairs(predicted, observed).p.length,
  };
}
