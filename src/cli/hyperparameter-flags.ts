/**
 * `--set KEY=VALUE` flags of `arbiter train` and `arbiter bench`: fixed hyperparameters of the
 * quality predictors (trainer.ts), in place of the ones cross-validation would choose.
 */
import { RouterError } from '../core/index.js';
import type { QualityHyperparameters } from '../predict/index.js';

/** Numeric keys `--set` accepts. */
export const NUMERIC_HYPERPARAMETERS = [
  'k',
  'temperature',
  'priorStrength',
  'l2',
  'latentDimension',
  'epochs',
  'l2Model',
  'l2Shared',
  'learningRate',
  'l2Difficulty',
  'l2Specialisation',
  'members',
  'clusters',
  'centreSpecialisation',
] as const;

/** Parse `--set` pairs; a bad key or value is INPUT_INVALID. */
export function parseHyperparameters(pairs: readonly string[]): QualityHyperparameters {
  const out: Record<string, number | string> = {};
  for (const pair of pairs) {
    const [key, raw] = pair.split('=');
    if (key === 'clusterBy') {
      if (raw !== 'kmeans' && raw !== 'scale')
        throw new RouterError('INPUT_INVALID', `--set ${pair}: clusterBy is kmeans or scale`);
      out[key] = raw;
      continue;
    }
    const value = Number(raw);
    if (
      key === undefined ||
      !(NUMERIC_HYPERPARAMETERS as readonly string[]).includes(key) ||
      !Number.isFinite(value)
    ) {
      throw new RouterError(
        'INPUT_INVALID',
        `--set ${pair}: expected KEY=NUMBER with KEY in ${NUMERIC_HYPERPARAMETERS.join(', ')}, or clusterBy=kmeans|scale`,
      );
    }
    out[key] = value;
  }
  return out;
}

/**
 * The joint model's hyperparameters of a served artifact's manifest, when the artifact was trained on
 * exactly `datasets` (any order): what `arbiter bench --test-file` fits by default, so that it scores
 * the configuration `/v1/route` serves instead of re-choosing it by CV on a sample of the rows.
 * Undefined when the manifest is for another predictor or another recipe.
 */
export function servedHyperparameters(
  manifest: {
    readonly hyperparameters: Readonly<Record<string, unknown>>;
    readonly trainedOn: { readonly datasets: readonly string[] };
  },
  datasets: readonly string[],
): QualityHyperparameters | undefined {
  const { hyperparameters, trainedOn } = manifest;
  if (hyperparameters.kind !== 'irt') return undefined;
  const same =
    new Set(datasets).size === new Set(trainedOn.datasets).size &&
    datasets.every((d) => trainedOn.datasets.includes(d));
  if (!same) return undefined;
  const out: Record<string, number | string> = {};
  for (const key of NUMERIC_HYPERPARAMETERS) {
    const value = hyperparameters[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  const clusterBy = hyperparameters.clusterBy;
  if (clusterBy === 'kmeans' || clusterBy === 'scale') out.clusterBy = clusterBy;
  return out;
}
