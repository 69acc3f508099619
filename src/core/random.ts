/**
 * Seeded pseudo-random numbers. Everything random in Arbiter (exploration, splits, bootstrap) takes an
 * injected Rng so runs are reproducible; Math.random() is banned by lint.
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** The generator's internal state, to resume exactly where it stopped. */
  state(): number;
}

/**
 * mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32, good enough for
 * simulation and exploration; not for cryptography.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => a,
  };
}

/** An integer in [0, n). */
export function randomInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** A standard normal draw (Box-Muller). */
export function randomNormal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** A new array with the items in a seeded random order (Fisher-Yates); the input is not mutated. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
