/**
 * Principal component analysis for the static-embedder distillation: mean-centred covariance and a
 * cyclic Jacobi eigendecomposition (Golub & Van Loan, Matrix Computations, 4th ed., §8.5.2). Jacobi needs
 * no random start, so the components are a pure function of the input rows.
 */

/** Result of {@link fitPca}. */
export interface Pca {
  /** Column means of the input rows (length = input dimension). */
  readonly mean: Float64Array;
  /** Principal axes, row-major `[components][inputDimension]`, by decreasing variance. */
  readonly components: Float64Array;
  /** Variance along each kept axis. */
  readonly variances: Float64Array;
  /** Fraction of the total variance the kept axes explain, in [0, 1]. */
  readonly explainedVariance: number;
  readonly inputDimension: number;
  readonly outputDimension: number;
}

/** Options for {@link fitPca}. */
export interface FitPcaOptions {
  /** Row-major data, `rows × dimension`. */
  readonly data: Float32Array;
  readonly rows: number;
  readonly dimension: number;
  /** Number of axes to keep. */
  readonly components: number;
}

/** Fit PCA on row-major data. */
export function fitPca(options: FitPcaOptions): Pca {
  const { data, rows, dimension, components } = options;
  if (components < 1 || components > dimension) {
    throw new RangeError(`components must be in [1, ${dimension}], got ${components}`);
  }
  const mean = new Float64Array(dimension);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dimension; c++) mean[c] = (mean[c] ?? 0) + (data[r * dimension + c] ?? 0);
  }
  for (let c = 0; c < dimension; c++) mean[c] = (mean[c] ?? 0) / rows;

  const covariance = new Float64Array(dimension * dimension);
  const centred = new Float64Array(dimension);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dimension; c++)
      centred[c] = (data[r * dimension + c] ?? 0) - (mean[c] ?? 0);
    for (let i = 0; i < dimension; i++) {
      const ci = centred[i] ?? 0;
      const base = i * dimension;
      for (let j = i; j < dimension; j++) {
        covariance[base + j] = (covariance[base + j] ?? 0) + ci * (centred[j] ?? 0);
      }
    }
  }
  for (let i = 0; i < dimension; i++) {
    for (let j = i; j < dimension; j++) {
      const value = (covariance[i * dimension + j] ?? 0) / Math.max(1, rows - 1);
      covariance[i * dimension + j] = value;
      covariance[j * dimension + i] = value;
    }
  }

  const { values, vectors } = symmetricEigen(covariance, dimension);
  const order = [...values.keys()].sort((a, b) => (values[b] ?? 0) - (values[a] ?? 0) || a - b);
  const total = values.reduce((sum, value) => sum + Math.max(0, value), 0);
  const componentRows = new Float64Array(components * dimension);
  const variances = new Float64Array(components);
  let kept = 0;
  order.slice(0, components).forEach((index, k) => {
    variances[k] = values[index] ?? 0;
    kept += Math.max(0, values[index] ?? 0);
    // Eigenvectors are defined up to sign; fix it (largest-magnitude entry positive) for reproducibility.
    let pivot = 0;
    for (let c = 0; c < dimension; c++) {
      const v = vectors[c * dimension + index] ?? 0;
      if (Math.abs(v) > Math.abs(pivot)) pivot = v;
    }
    const sign = pivot < 0 ? -1 : 1;
    for (let c = 0; c < dimension; c++) {
      componentRows[k * dimension + c] = sign * (vectors[c * dimension + index] ?? 0);
    }
  });
  return {
    mean,
    components: componentRows,
    variances,
    explainedVariance: total > 0 ? kept / total : 0,
    inputDimension: dimension,
    outputDimension: components,
  };
}

/** Project one row (length = input dimension) onto the kept axes. */
export function projectRow(pca: Pca, row: ArrayLike<number>): Float64Array {
  const out = new Float64Array(pca.outputDimension);
  for (let k = 0; k < pca.outputDimension; k++) {
    let sum = 0;
    const base = k * pca.inputDimension;
    for (let c = 0; c < pca.inputDimension; c++) {
      sum += ((row[c] ?? 0) - (pca.mean[c] ?? 0)) * (pca.components[base + c] ?? 0);
    }
    out[k] = sum;
  }
  return out;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations. Returns eigenvalues and the
 * eigenvectors as the columns of a row-major `n × n` matrix. The input is not mutated.
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const maxSweeps = 60;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let offDiagonal = 0;
    let diagonal = 0;
    for (let p = 0; p < n; p++) {
      diagonal += (a[p * n + p] ?? 0) ** 2;
      for (let q = p + 1; q < n; q++) offDiagonal += (a[p * n + q] ?? 0) ** 2;
    }
    if (offDiagonal <= 1e-22 * diagonal) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] ?? 0;
        if (apq === 0) continue;
        const app = a[p * n + p] ?? 0;
        const aqq = a[q * n + q] ?? 0;
        // Rotation angle that zeroes a[p][q] (G&VL Algorithm 8.5.1, sym.schur2).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] ?? 0;
          const akq = a[k * n + q] ?? 0;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] ?? 0;
          const aqk = a[q * n + k] ?? 0;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] ?? 0;
          const vkq = v[k * n + q] ?? 0;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(a[i * n + i] ?? 0);
  return { values, vectors: v };
}
