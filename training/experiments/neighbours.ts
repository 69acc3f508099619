/**
 * Neighbour averages for the blend experiments (task-means.ts, knn-blend.ts, knn-blend-mtbench.ts):
 * the K nearest training prompts by cosine on USE-Lite (unit vectors, so the dot product), three ways to
 * mix their outcomes into the joint model's prediction (one weight, a kernel by nearness, the joint
 * model's own residuals near the prompt), and the CV bookkeeping the scripts share.
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
 * Each model's mean outcome over the neighbours labelled for it, each neighbour weighing
 * `weight(similarity)`; `evidence` is the sum of those weights (0: no labelled neighbour).
 */
function weightedMean(
  neighbours: readonly Neighbour[],
  labels: readonly ArrayLike<number>[],
  model: number,
  weight: (similarity: number) => number,
): { mean: number; evidence: number } {
  let sum = 0;
  let evidence = 0;
  for (const { row, similarity } of neighbours) {
    const y = labels[row]?.[model] ?? Number.NaN;
    if (Number.isFinite(y)) {
      const w = weight(similarity);
      sum += w * y;
      evidence += w;
    }
  }
  return { mean: evidence === 0 ? Number.NaN : sum / evidence, evidence };
}

/**
 * q = (1 - w) q_joint + w q_nn with one weight for every prompt, q_nn each model's plain mean over the
 * neighbours labelled for it (q_joint where none is). With w = 1 it is the plain neighbour mean.
 */
export function globalBlend(
  joint: readonly Float64Array[],
  neighbours: readonly Neighbour[][],
  labels: readonly ArrayLike<number>[],
  w: number,
): Float64Array[] {
  return joint.map((row, t) =>
    Float64Array.from(row, (q, m) => {
      const { mean, evidence } = weightedMean(neighbours[t] ?? [], labels, m, () => 1);
      return evidence === 0 ? q : (1 - w) * q + w * mean;
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
      const near = kernelMean(neighbours[t] ?? [], labels, m, width, tau);
      return near === undefined ? q : (1 - near.share) * q + near.share * near.mean;
    }),
  );
}

/**
 * Model `m`'s mean over the labelled neighbours, each weighing exp((similarity - 1) / width), and the
 * share evidence / (evidence + tau) a blend moves by; undefined when no neighbour is labelled.
 */
function kernelMean(
  neighbours: readonly Neighbour[],
  labels: readonly ArrayLike<number>[],
  m: number,
  width: number,
  tau: number,
): { mean: number; share: number } | undefined {
  const { mean, evidence } = weightedMean(neighbours, labels, m, (s) => Math.exp((s - 1) / width));
  return evidence === 0 ? undefined : { mean, share: evidence / (evidence + tau) };
}

/**
 * The joint model corrected by its own errors near the prompt: each labelled neighbour's residual
 * y - q_joint(neighbour) (the joint model's prediction for that training prompt, `trainJoint`) weighs
 * exp((similarity - 1) / width); the prediction moves by their weighted mean times
 * evidence / (evidence + tau). Where the joint model fits the neighbours, nothing moves, however near.
 */
export function residualBlend(
  joint: readonly Float64Array[],
  neighbours: readonly Neighbour[][],
  labels: readonly ArrayLike<number>[],
  trainJoint: readonly ArrayLike<number>[],
  width: number,
  tau: number,
): Float64Array[] {
  const residuals = labels.map((row, r) =>
    Float64Array.from(row, (y, m) => y - (trainJoint[r]?.[m] ?? Number.NaN)),
  );
  return joint.map((row, t) =>
    Float64Array.from(row, (q, m) => {
      const near = kernelMean(neighbours[t] ?? [], residuals, m, width, tau);
      return near === undefined ? q : Math.min(1, Math.max(0, q + near.share * near.mean));
    }),
  );
}

/** One blend the CV compares. */
export interface BlendVariant {
  readonly name: string;
  apply(
    joint: readonly Float64Array[],
    neighbours: readonly Neighbour[][],
    labels: readonly ArrayLike<number>[],
    trainJoint: readonly ArrayLike<number>[],
  ): Float64Array[];
}

/** The single weights the experiments search. */
export const WEIGHTS: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

/** The kernel grid the experiments search: width x tau. */
export const KERNEL_GRID: readonly { readonly width: number; readonly tau: number }[] = [
  0.05, 0.1, 0.2,
].flatMap((width) => [1, 4, 16].map((tau) => ({ width, tau })));

/** The residual grid: width x tau. */
export const RESIDUAL_GRID: readonly { readonly width: number; readonly tau: number }[] = [
  0.02, 0.05, 0.1, 0.2,
].flatMap((width) => [0.25, 1, 4].map((tau) => ({ width, tau })));

/** Every blend: first one per weight in {@link WEIGHTS} (w = 0: the joint model alone), then the kernels. */
export const BLEND_VARIANTS: readonly BlendVariant[] = [
  ...WEIGHTS.map((w) => ({
    name: `global w=${w}`,
    apply: (
      q: readonly Float64Array[],
      nn: readonly Neighbour[][],
      labels: readonly ArrayLike<number>[],
    ) => globalBlend(q, nn, labels, w),
  })),
  ...KERNEL_GRID.map(({ width, tau }) => ({
    name: `kernel width=${width} tau=${tau}`,
    apply: (
      q: readonly Float64Array[],
      nn: readonly Neighbour[][],
      labels: readonly ArrayLike<number>[],
    ) => kernelBlend(q, nn, labels, width, tau),
  })),
  ...RESIDUAL_GRID.map(({ width, tau }) => ({
    name: `residual width=${width} tau=${tau}`,
    apply: (
      q: readonly Float64Array[],
      nn: readonly Neighbour[][],
      labels: readonly ArrayLike<number>[],
      trainJoint: readonly ArrayLike<number>[],
    ) => residualBlend(q, nn, labels, trainJoint, width, tau),
  })),
];

/** Squared error summed over labelled cells, and their count. */
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

/**
 * Cross-validated Brier of every blend in {@link BLEND_VARIANTS}: `fold(f)` gives fold f's joint
 * predictions, neighbours and labels; the result is each variant's Brier over all folds, and the
 * variants chosen by it among the single weights and among the kernels.
 */
export function crossValidateBlends(
  folds: number,
  fold: (f: number) => {
    readonly joint: readonly Float64Array[];
    readonly neighbours: readonly Neighbour[][];
    readonly trainLabels: readonly ArrayLike<number>[];
    readonly heldLabels: readonly ArrayLike<number>[];
    readonly trainJoint: readonly ArrayLike<number>[];
  },
  /** Optional routing score of a fold's predictions (higher is better), averaged over folds. */
  routing?: (
    predicted: readonly Float64Array[],
    heldLabels: readonly ArrayLike<number>[],
    fold: number,
  ) => number,
): {
  brier: number[];
  routing: number[];
  chosenGlobal: number;
  chosenKernel: number;
  chosenResidual: number;
} {
  const totals = BLEND_VARIANTS.map(() => ({ sum: 0, n: 0 }));
  const routingTotals = BLEND_VARIANTS.map(() => 0);
  for (let f = 0; f < folds; f++) {
    const { joint, neighbours, trainLabels, heldLabels, trainJoint } = fold(f);
    BLEND_VARIANTS.forEach((variant, j) => {
      const predicted = variant.apply(joint, neighbours, trainLabels, trainJoint);
      const b = brier(predicted, heldLabels);
      const total = totals[j] as { sum: number; n: number };
      total.sum += b.sum;
      total.n += b.n;
      if (routing !== undefined)
        routingTotals[j] = (routingTotals[j] as number) + routing(predicted, heldLabels, f) / folds;
    });
    console.error(`CV fold ${f + 1}/${folds} done`);
  }
  const scores = totals.map((t) => t.sum / t.n);
  const lowest = (from: number, to: number): number => {
    let k = from;
    for (let j = from; j < to; j++) if ((scores[j] as number) < (scores[k] as number)) k = j;
    return k;
  };
  return {
    brier: scores,
    routing: routingTotals,
    chosenGlobal: lowest(0, WEIGHTS.length),
    chosenKernel: lowest(WEIGHTS.length, WEIGHTS.length + KERNEL_GRID.length),
    chosenResidual: lowest(WEIGHTS.length + KERNEL_GRID.length, BLEND_VARIANTS.length),
  };
}

/** The three rows every blend table shows: the joint model alone and the two CV choices. */
export function reportedBlends(cv: {
  readonly chosenGlobal: number;
  readonly chosenKernel: number;
  readonly chosenResidual: number;
}): readonly (readonly [string, number])[] {
  return [
    ['joint model alone', 0],
    ['global weight, chosen by CV', cv.chosenGlobal],
    ['kernel, chosen by CV', cv.chosenKernel],
    ['residual kernel, chosen by CV', cv.chosenResidual],
  ];
}
