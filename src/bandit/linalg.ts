/**
 * Small dense kernels for the bandit's per-arm ridge models (dimension d ≈ 10-40): symmetric
 * positive-definite solves by Cholesky, quadratic forms, and the standard normal pdf/cdf.
 * Matrices are row-major flat Float64Arrays of d × d entries. Bounds: every loop runs over indices
 * below `d` (or d × d) and the callers pass arrays of exactly those lengths, so the `!` on
 * typed-array reads never hides an undefined (the exemption STYLE.md grants to this file only).
 */

/** A readonly numeric vector. */
export type Vector = Readonly<ArrayLike<number>>;

/** Dot product of the first `n` entries (default: `a.length`). */
export function dot(a: Vector, b: Vector, n: number = a.length): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * In-place Cholesky factorisation of a symmetric positive-definite d × d matrix: on return the lower
 * triangle holds L with `M = L Lᵀ` (upper triangle left as is). Returns false when a pivot is not
 * positive (the matrix is not SPD to working precision).
 */
export function choleskyInPlace(m: Float64Array, d: number): boolean {
  for (let j = 0; j < d; j++) {
    let diagonal = m[j * d + j]!;
    for (let k = 0; k < j; k++) diagonal -= m[j * d + k]! * m[j * d + k]!;
    if (!(diagonal > 0)) return false;
    const pivot = Math.sqrt(diagonal);
    m[j * d + j] = pivot;
    for (let i = j + 1; i < d; i++) {
      let sum = m[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= m[i * d + k]! * m[j * d + k]!;
      m[i * d + j] = sum / pivot;
    }
  }
  return true;
}

/** Solve `L y = b` (forward substitution) with the lower factor from {@link choleskyInPlace}. */
export function forwardSolve(
  l: Float64Array,
  d: number,
  b: Vector,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < d; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * d + k]! * out[k]!;
    out[i] = sum / l[i * d + i]!;
  }
  return out;
}

/** Solve `Lᵀ x = y` (back substitution) with the lower factor from {@link choleskyInPlace}. */
export function backSolve(l: Float64Array, d: number, y: Vector, out: Float64Array): Float64Array {
  for (let i = d - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i]! * out[k]!;
    out[i] = sum / l[i * d + i]!;
  }
  return out;
}

/** `out = M⁻¹ b` for `M = L Lᵀ`. */
export function choleskySolve(l: Float64Array, d: number, b: Vector): Float64Array {
  const y = forwardSolve(l, d, b, new Float64Array(d));
  return backSolve(l, d, y, new Float64Array(d));
}

/**
 * `xᵀ M⁻¹ x` for `M = L Lᵀ`, as `‖L⁻¹ x‖²` (one forward solve, no inverse). `scratch` has length d.
 */
export function inverseQuadraticForm(
  l: Float64Array,
  d: number,
  x: Vector,
  scratch: Float64Array,
): number {
  forwardSolve(l, d, x, scratch);
  return dot(scratch, scratch, d);
}

/** `M += scale · x xᵀ` on a full (both triangles) symmetric d × d matrix. */
export function addOuter(m: Float64Array, d: number, x: Vector, scale = 1): void {
  for (let i = 0; i < d; i++) {
    const xi = scale * x[i]!;
    for (let j = 0; j < d; j++) m[i * d + j] = m[i * d + j]! + xi * x[j]!;
  }
}

/** Multiply every entry by `factor` in place. */
export function scaleInPlace(values: Float64Array, factor: number): void {
  if (factor === 1) return;
  for (let i = 0; i < values.length; i++) values[i] = values[i]! * factor;
}

/** Standard normal density. */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * Standard normal CDF Φ(z) via the complementary error function, using W. J. Cody's rational
 * Chebyshev erfc approximation as given in Numerical Recipes (3rd ed., §6.2.2, `erfccheb`-style
 * fractional error < 1.2e-7 everywhere).
 */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  // Numerical Recipes (2nd ed.) eq. 6.2.13 / routine erfcc: fractional error < 1.2e-7.
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
