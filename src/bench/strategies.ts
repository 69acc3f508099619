import type { CatalogModel } from '../catalog/index.js';
import type { Rng } from '../core/index.js';
import { randomInt } from '../core/index.js';
import type { TestTruth } from './evaluate.js';

/** A fixed strategy's per-prompt choices (model indices). */
export interface FixedStrategy {
  readonly name: string;
  readonly choices: Int32Array;
}

/**
 * The reference strategies every router is reported beside: random (seeded, uniform over models),
 * cheapest (lowest catalog price), each single model, the best single model (highest mean quality
 * on the fold's training rows, so chosen without seeing the test labels) and the oracle (the best
 * answer per prompt; ties go to the cheaper call).
 */
export function fixedStrategies(options: {
  readonly truth: TestTruth;
  readonly models: readonly string[];
  readonly entries: readonly CatalogModel[];
  /** Best single model per test prompt (its fold's choice). */
  readonly bestSingle: Int32Array;
  readonly rng: Rng;
}): FixedStrategy[] {
  const { truth, models, entries } = options;
  const n = truth.quality.length;
  const price = (m: number): number =>
    (entries[m] as CatalogModel).pricing.input_per_million +
    (entries[m] as CatalogModel).pricing.output_per_million;
  const cheapest = models.reduce((best, _, m) => (price(m) < price(best) ? m : best), 0);
  const oracle = Int32Array.from(truth.quality, (row, i) => {
    const cost = truth.costUsd[i] as Float64Array;
    let best = 0;
    for (let m = 1; m < row.length; m++) {
      const q = row[m] as number;
      const b = row[best] as number;
      if (q > b || (q === b && (cost[m] as number) < (cost[best] as number)) || Number.isNaN(b))
        best = m;
    }
    return best;
  });
  return [
    {
      name: 'random',
      choices: Int32Array.from({ length: n }, () => randomInt(options.rng, models.length)),
    },
    { name: 'cheapest', choices: new Int32Array(n).fill(cheapest) },
    ...models.map((model, m) => ({ name: `single:${model}`, choices: new Int32Array(n).fill(m) })),
    { name: 'best-single', choices: options.bestSingle },
    { name: 'oracle', choices: oracle },
  ];
}
