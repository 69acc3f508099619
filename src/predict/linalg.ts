/**
 * Dense numeric kernels for the predictors: vectors are typed arrays, matrices are row-major flat
 * Float64Arrays. Bounds: every loop below runs over indices checked against the arrays' lengths by the
 * caller's shapes (rows x cols), so the `!` on typed-array reads never hides an undefined.
 * (Same exemption as bandit/linalg.ts in STYLE.md: kernels only.)
 */

/** A readonly numeric vector. */
export type Vector = Readonly<Float32Array> | Readonly<Float64Array>;

/** Dot product of `a` and `b` over their first `n` entries (default: a.length). */
export function dot(a: Vector, b: Vector, n: number = a.length): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Dot product of `x` with row `row` of a row-major matrix with `cols` columns. */
export function dotRow(matrix: Float64Array, row: number, cols: number, x: Vector): number {
  let sum = 0;
  const offset = row * cols;
  for (let j = 0; j < cols; j++) sum += matrix[offset + j]! * x[j]!;
  return sum;
}

/** out += scale * x (in place on `out`). */
export function axpy(out: Float64Array, scale: number, x: Vector, n: number = out.length): void {
  for (let i = 0; i < n; i++) out[i] = out[i]! + scale * x[i]!;
}

/** Row `row` of the matrix += scale * x. */
export function axpyRow(
  matrix: Float64Array,
  row: number,
  cols: number,
  scale: number,
  x: Vector,
): void {
  const offset = row * cols;
  for (let j = 0; j < cols; j++) matrix[offset + j] = matrix[offset + j]! + scale * x[j]!;
}

/** y = M x for a rows x cols matrix (fresh output). */
export function matVec(matrix: Float64Array, rows: number, cols: number, x: Vector): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = dotRow(matrix, r, cols, x);
  return out;
}

/** Euclidean norm. */
export function norm(a: Vector): number {
  return Math.sqrt(dot(a, a));
}

/** A unit-length copy (zero vectors stay zero). */
export function normalized(a: Vector): Float64Array {
  const n = norm(a);
  const out = new Float64Array(a.length);
  if (n === 0) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i]! / n;
  return out;
}

/** Logistic function, clamped so that exp never overflows. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-Math.min(z, 40)));
  const e = Math.exp(Math.max(z, -40));
  return e / (1 + e);
}

/** Inverse of {@link sigmoid} with p clipped to [eps, 1 - eps]. */
export function logit(p: number, eps = 1e-6): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q / (1 - q));
}

/** log(1 + exp(z)) computed stably. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * Solve the symmetric positive-definite system A x = b by Cholesky (A is n x n row-major, not
 * mutated). Returns undefined when A is not positive definite.
 */
export function solveSpd(a: Float64Array, n: number, b: Vector): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (sum <= 0) return undefined;
        l[i * n + i] = Math.sqrt(sum);
      } else {
        l[i * n + j] = sum / l[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/** Median of the finite values, or NaN when there are none. */
export function median(values: Iterable<number>): number {
  const finite = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
