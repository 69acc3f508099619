import { describe, expect, it } from 'vitest';
import { hindsightReferences } from './learning.js';
import type { TransferStream } from './transfer.js';

/**
 * Two prompt clusters. The strong model answers 80% of every cluster; the cheap one answers all of
 * cluster A and none of B, and the artifact predicts it at 0.3 everywhere. On average the cheap
 * model is worse than the strong one, so per-model offsets cannot find its cluster; the prompts'
 * neighbours can.
 */
function stream(): TransferStream {
  const n = 100; // 50 per cluster: more than the 30 neighbours
  const rows = Array.from({ length: n }, (_, i) => i);
  const inA = (i: number): boolean => i % 2 === 0;
  return {
    name: 'routerbench',
    models: ['acme/strong', 'acme/cheap'],
    embeddings: rows.map((i) =>
      Float32Array.from([inA(i) ? 1 : 0, inA(i) ? 0 : 1, 0.01 * (i % 7)]),
    ),
    quality: rows.map((i) => Float64Array.from([i % 5 === 4 ? 0 : 1, inA(i) ? 1 : 0])),
    costUsd: rows.map(() => Float64Array.from([0.01, 0.0001])),
    predictedQuality: rows.map(() => Float64Array.from([0.9, 0.3])),
    qualityUncertainty: rows.map(() => Float64Array.from([0.1, 0.1])),
    estimatedCostUsd: rows.map(() => Float64Array.from([0.01, 0.0001])),
    sources: ['predictor', 'prior'],
    trainedOn: ['mmlu'],
    trainingRows: 0,
    embedderId: 'test',
  };
}

describe('hindsight references', () => {
  it('scores a per-model-offset learner and a full-information kNN against the frozen frontier', () => {
    // The frozen artifact sends every prompt to the strong model: quality 0.8 at 0.01.
    const frozenSweep = [{ quality: 0.8, costUsd: 0.01 }];
    const [offsets, knn] = hindsightReferences(
      stream(),
      { willingnessToPay: 0.1, qualityFloor: 0.9 },
      frozenSweep,
    );
    // Offsets: the cheap model's mean (0.5) is still under the floor: the strong one everywhere.
    expect(offsets?.quality).toBeCloseTo(0.8, 10);
    expect(offsets?.costUsd).toBeCloseTo(0.01, 10);
    expect(offsets?.gap).toBeCloseTo(0, 10);
    // kNN: cluster A's neighbours show the cheap model always right: half the prompts go to it.
    expect(knn?.quality).toBeCloseTo(0.5 * 1 + 0.5 * 0.8, 10);
    expect(knn?.costUsd).toBeCloseTo(0.5 * 0.0001 + 0.5 * 0.01, 10);
    expect(knn?.gap).toBeCloseTo(10, 6);
  });
});
