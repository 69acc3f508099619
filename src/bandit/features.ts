/**
 * Context features for the linear bandits: `x = [1, P e]`, where `e` is the L2-normalised prompt
 * embedding and P a fixed k × D Gaussian random projection drawn from a seed (Johnson-Lindenstrauss:
 * inner products between embeddings are kept up to O(1/√k) distortion). P has N(0, 1) entries, so
 * for a unit-norm `e` each projected coordinate is O(1), on the same scale as the intercept, and one
 * ridge penalty suits all of them. Deterministic: the same seed and D give the same P on every
 * machine, so stored feature vectors stay valid across restarts.
 */
import { RouterError, createRng, randomNormal } from '../core/index.js';

/** A seeded random projection from D-dimensional embeddings to k coordinates (plus an intercept). */
export class RandomProjection {
  /** Projected coordinates k (the feature vector has k + 1 entries). */
  readonly k: number;
  readonly seed: number;
  private matrix: Float64Array | undefined;
  private inputDimension: number | undefined;

  constructor(options: {
    readonly k: number;
    readonly seed: number;
    readonly inputDimension?: number;
  }) {
    this.k = options.k;
    this.seed = options.seed;
    if (options.inputDimension !== undefined) this.build(options.inputDimension);
  }

  /** Embedding dimension D, once the first embedding (or the state) fixed it. */
  get dimension(): number | undefined {
    return this.inputDimension;
  }

  /** Feature dimension d = k + 1. */
  get featureDimension(): number {
    return this.k + 1;
  }

  /** `[1, P e]`. POLICY_STATE_INVALID when the embedding dimension differs from the one the state used. */
  features(embedding: Float32Array): Float64Array {
    if (this.inputDimension === undefined) this.build(embedding.length);
    if (embedding.length !== this.inputDimension) {
      throw new RouterError(
        'POLICY_STATE_INVALID',
        `embedding has ${embedding.length} dimensions; the policy state was built for ${this.inputDimension}`,
        { details: { expected: this.inputDimension, got: embedding.length } },
      );
    }
    const matrix = this.matrix as Float64Array;
    const dimension = embedding.length;
    const out = new Float64Array(this.k + 1);
    out[0] = 1;
    for (let r = 0; r < this.k; r++) {
      let sum = 0;
      const offset = r * dimension;
      for (let c = 0; c < dimension; c++)
        sum += (matrix[offset + c] as number) * (embedding[c] as number);
      out[r + 1] = sum;
    }
    return out;
  }

  private build(dimension: number): void {
    const rng = createRng(this.seed);
    this.matrix = Float64Array.from({ length: this.k * dimension }, () => randomNormal(rng));
    this.inputDimension = dimension;
  }
}
