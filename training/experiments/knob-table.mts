/**
 * What each slider value buys with the shipped catalog and artifact, on the artifact's reference
 * traffic (the same calibration the service runs at start-up).
 *   npx tsx training/experiments/knob-table.mts
 */
import { loadPredictorArtifact } from '../../src/artifact/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { artifactArmPredictor } from '../../src/retrain/index.js';
import { calibrateForCatalog } from '../../src/router/index.js';

const artifact = loadPredictorArtifact(process.argv[2] ?? 'models/default');
if (artifact.reference === undefined) throw new Error('artifact has no reference traffic');
const predictor = artifactArmPredictor(artifact, 'default');
const catalog = loadCatalog();
const calibration = calibrateForCatalog(catalog, predictor, artifact.reference);
if (calibration === undefined) throw new Error('no calibration');
console.log(
  '| slider | quality floor | willingness (USD/quality) | expected cost per request | expected quality | step from the slider below: share of the log-cost / dollar range |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
const costs = calibration.expectedCostUsd;
const first = costs[0] ?? 0;
const last = costs[costs.length - 1] ?? 0;
const share = (i: number): string => {
  if (i === 0) return '-';
  const a = costs[i - 1] ?? 0;
  const b = costs[i] ?? 0;
  const log = first > 0 && last > first ? Math.log(b / a) / Math.log(last / first) : Number.NaN;
  return `${(100 * log).toFixed(1)}% / ${((100 * (b - a)) / (last - first)).toFixed(1)}%`;
};
calibration.sliders.forEach((s, i) => {
  console.log(
    `| ${s} | ${(calibration.qualityFloor[i] ?? 0).toFixed(3)} | ${(calibration.willingness[i] ?? 0).toExponential(2)} | $${(calibration.expectedCostUsd[i] ?? 0).toFixed(6)} | ${(calibration.expectedQuality[i] ?? 0).toFixed(3)} | ${share(i)} |`,
  );
});
