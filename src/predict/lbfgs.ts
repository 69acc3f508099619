/**
 * Limited-memory BFGS for smooth (here: convex) objectives. Nocedal & Wright, Numerical Optimization,
 * 2nd ed., Algorithm 7.4 (two-loop recursion) and 7.5, with a backtracking Armijo line search
 * (Algorithm 3.1). Deterministic: no randomness, fixed iteration order.
 */
import { dot } from './linalg.js';

/** Writes the gradient at `x` into `gradient` and returns the objective value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Options for {@link minimizeLbfgs}. */
export interface LbfgsOptions {
  /** Correction pairs kept. @default 10 */
  readonly memory?: number;
  /** Iteration cap. @default 200 */
  readonly maxIterations?: number;
  /** Stop when the relative decrease of the objective falls below this. @default 1e-7 */
  readonly tolerance?: number;
}

/** Outcome of a minimisation. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
}

/** Minimise `objective` from `start` (not mutated). */
export function minimizeLbfgs(
  objective: Objective,
  start: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const memory = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-7;
  const n = start.length;
  let x = Float64Array.from(start);
  let gradient = new Float64Array(n);
  let value = objective(x, gradient);
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const alpha = new Float64Array(memory);
  let iterations = 0;

  for (; iterations < maxIterations; iterations++) {
    // Two-loop recursion: direction = -H * gradient.
    const direction = Float64Array.from(gradient);
    for (let k = sHistory.length - 1; k >= 0; k--) {
      const a = (rhoHistory[k] ?? 0) * dot(sHistory[k] as Float64Array, direction);
      alpha[k] = a;
      const yk = yHistory[k] as Float64Array;
      for (let i = 0; i < n; i++) direction[i] = (direction[i] ?? 0) - a * (yk[i] ?? 0);
    }
    const last = sHistory.length - 1;
    if (last >= 0) {
      const yLast = yHistory[last] as Float64Array;
      const gamma = dot(sHistory[last] as Float64Array, yLast) / dot(yLast, yLast);
      for (let i = 0; i < n; i++) direction[i] = (direction[i] ?? 0) * gamma;
    } else {
      const gradNorm = Math.sqrt(dot(gradient, gradient));
      if (gradNorm === 0) break;
      for (let i = 0; i < n; i++) direction[i] = (direction[i] ?? 0) / gradNorm;
    }
    for (let k = 0; k < sHistory.length; k++) {
      const b = (rhoHistory[k] ?? 0) * dot(yHistory[k] as Float64Array, direction);
      const sk = sHistory[k] as Float64Array;
      const scale = (alpha[k] ?? 0) - b;
      for (let i = 0; i < n; i++) direction[i] = (direction[i] ?? 0) + scale * (sk[i] ?? 0);
    }
    for (let i = 0; i < n; i++) direction[i] = -(direction[i] ?? 0);

    let slope = dot(gradient, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -(gradient[i] ?? 0);
      slope = dot(gradient, direction);
      if (slope >= 0) break;
    }

    let step = 1;
    const candidate = new Float64Array(n);
    const candidateGradient = new Float64Array(n);
    let candidateValue = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) candidate[i] = (x[i] ?? 0) + step * (direction[i] ?? 0);
      candidateValue = objective(candidate, candidateGradient);
      if (Number.isFinite(candidateValue) && candidateValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(candidateValue < value)) break;

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = (candidate[i] ?? 0) - (x[i] ?? 0);
      y[i] = (candidateGradient[i] ?? 0) - (gradient[i] ?? 0);
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (sHistory.length === memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / sy);
    }
    const decrease = value - candidateValue;
    x = candidate;
    gradient = candidateGradient;
    value = candidateValue;
    if (decrease <= tolerance * Math.max(1, Math.abs(value))) {
      iterations++;
      break;
    }
  }
  return { x, value, iterations };
}
