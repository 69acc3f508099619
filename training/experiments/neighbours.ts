/**
 * Neighbour averages for the blend experiments (knn-blend.ts, knn-blend-mtbench.ts): the K nearest
 * training prompts by cosine on USE-Lite (unit vectors, so the dot product), and two ways to mix
 * their outcomes into the joint model's prediction.
 */

/** One neighbour: its row in the training labels and its cosine similarity to the target. */
export interface Neighbour {
  readonly row: number;
  readonly similarity: number;
}

/** The `k` nearest of `train` to each target, nearest first. */
export function nearest(
  train: readonly Float32Array[],
  targets: readonly Float32Array[],
  k: number,
): Neighbour[][] {
  return targets.map((x) => {
    const all = train.map((y, row) => {
      let dot = 0;
      for (let i = 0; i < x.length; i++) dot += (x[i] as number) * (y[i] as number);
      return { row, similarity: dot };
    });
    all.sort((a, b) => b.similarity - a.similarity);
    return all.slice(0, k);
  });
}

/**
 * q = (1 - w) q_joint + w q_nn with one weight for every prompt, q_nn each model's plain mean over the
 * neighbours labelled for it (q_joint where none is).
 */
export function globalBlend(
  joint: readonly Float64Array[],
  neighbours: readonly Neighbour[][],
  labels: readonly ArrayLike<number>[],
  w: number,
): Float64Array[] {
  return joint.map((row, t) =>
    Float64Array.from(row, (q, m) => {
      let sum = 0;
      let n = 0;
      for (const { row: j } of neighbours[t] ?? []) {
        const y = labels[j]?.[m] ?? Number.NaN;
        if (Number.isFinite(y)) {
          sum += y;
          n++;
        }
      }
      return n === 0 ? q : (1 - w) * q + (w * sum) / n;
    }),
  );
}

/**
 * The neighbours' outcomes as evidence that grows with how near they are: each labelled neighbour
 * weighs exp((similarity - 1) / width); the prediction moves from q_joint toward their weighted mean
 * by evidence / (evidence + tau). Far neighbours (a prompt unlike any training prompt) move nothing.
 */
export function kernelBlend(
  joint: readonly Float64Array[],
  neighbours: readonly Neighbour[][],
  labels: readonly ArrayLike<number>[],
  width: number,
  tau: number,
): Float64Array[] {
  return joint.map((row, t) =>
    Float64Array.from(row, (q, m) => {
      let sum = 0;
      let evidence = 0;
      for (const { row: j, similarity } of neighbours[t] ?? []) {
        const y = labels[j]?.[m] ?? Number.NaN;
        if (Number.isFinite(y)) {
          const weight = Math.exp((similarity - 1) / width);
          sum += weight * y;
          evidence += weight;
        }
      }
      if (evidence === 0) return q;
      const share = evidence / (evidence + tau);
      return (1 - share) * q + (share * sum) / evidence;
    }),
  );
}

/** The kernel grid the experiments search: width x tau. */
export const KERNEL_GRID: readonly { readonly width: number; readonly tau: number }[] = [
  0.05, 0.1, 0.2,
].flatMap((width) => [1, 4, 16].map((tau) => ({ width, tau })));

/** Mean squared error over labelled cells. */
export function brier(
  predicted: readonly Float64Array[],
  labels: readonly ArrayLike<number>[],
): { sum: number; n: number } {
  let sum = 0;
  let n = 0;
  predicted.forEach((row, t) =>
    row.forEach((q, m) => {
      const y = labels[t]?.[m] ?? Number.NaN;
      if (Number.isFinite(y)) {
        sum += (q - y) ** 2;
        n++;
      }
    }),
  );
  return { sum, n };
}
