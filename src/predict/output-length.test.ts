import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import type { Rng } from '../core/index.js';
import { randomUnit } from './__fixtures__/synthetic.js';
import { fitOutputLengthPredictor, outputLengthPredictorFromState } from './output-length.js';
import type { TrainingSet } from './predictor.js';

/** Draws unit vectors near `centre` (unit noise scaled by 0.25, then renormalised). */
function around(rng: Rng, centre: Float32Array): () => Float32Array {
  return () => {
    const noise = randomUnit(rng, centre.length);
    const v = centre.map((c, j) => c + 0.25 * (noise[j] ?? 0));
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
}

describe('output-length predictor', () => {
  const rng = createRng(8);
  const w = randomUnit(rng, 8);
  const rows = Array.from({ length: 400 }, () => randomUnit(rng, 8));
  // Model 0: log(1 + tokens) = 5 + 2 w.x (plenty of data); model 1: 10 observations; model 2: none.
  const truth = (x: Float32Array): number =>
    Math.expm1(5 + 2 * x.reduce((s, v, j) => s + v * (w[j] ?? 0), 0));
  const set: TrainingSet = {
    models: ['long', 'few', 'none'],
    embeddings: rows,
    quality: rows.map(() => Float64Array.of(1, 1, 1)),
    outputTokens: rows.map((x, i) =>
      Float64Array.of(truth(x), i < 10 ? 100 + i : Number.NaN, Number.NaN),
    ),
  };

  it('regresses log tokens where data is plentiful and falls back to medians', () => {
    const predictor = fitOutputLengthPredictor(set, {
      l2: 1e-6,
      floorTokens: 1,
      evidenceGate: false,
    });
    const probe = Array.from({ length: 20 }, () => randomUnit(rng, 8));
    predictor.predict(probe).forEach((row, i) => {
      const expected = truth(probe[i] as Float32Array);
      expect(Math.abs(Math.log1p(row[0] ?? 0) - Math.log1p(expected))).toBeLessThan(0.05);
      expect(row[1]).toBeCloseTo(104.5, 4); // median of 100..109 (stored to 7 digits)
    });
  });

  it('gives a model without data the shared prompt effect at the mean verbosity, floored', () => {
    const predictor = fitOutputLengthPredictor(set, {
      l2: 1e-6,
      floorTokens: 1,
      evidenceGate: false,
    });
    const probe = Array.from({ length: 50 }, () => randomUnit(rng, 8));
    const rows = predictor.predict(probe);
    // The shared effect is the prompt's: log length of `none` moves with `long`'s (slope ~1)...
    const pairs = rows.map((row) => [Math.log1p(row[0] ?? 0), Math.log1p(row[2] ?? 0)] as const);
    const gaps = pairs.map(([a, b]) => a - b);
    const meanGap = gaps.reduce((s, v) => s + v, 0) / gaps.length;
    for (const gap of gaps) expect(Math.abs(gap - meanGap)).toBeLessThan(0.2);
    // ... at the mean of the two observed models' levels (log 105 and ~5 on average).
    expect(meanGap).toBeGreaterThan(0);
    // With the default floor a model without data is never predicted under 32 tokens.
    const floored = fitOutputLengthPredictor(set);
    for (const row of floored.predict(probe)) expect(row[2]).toBeGreaterThanOrEqual(32);
  });

  it("trusts a model's own regression near its length data and the shared one far from it", () => {
    // Length data only on prompts around one direction (a closed-form benchmark): model `terse`
    // answers in 2 tokens, model `verbose` in 200. Model `terse`'s regression would carry its 2
    // tokens to any prompt; far from the data both get the shared prediction (>= 32).
    const local = createRng(21);
    const centre = randomUnit(local, 16);
    const near = around(local, centre);
    const embeddings = Array.from({ length: 600 }, near);
    const lengths: TrainingSet = {
      models: ['terse', 'verbose'],
      embeddings,
      quality: embeddings.map(() => Float64Array.of(1, 1)),
      outputTokens: embeddings.map(() => Float64Array.of(2, 200)),
    };
    const gated = fitOutputLengthPredictor(lengths);
    const free = fitOutputLengthPredictor(lengths, { evidenceGate: false });
    const nearProbe = Array.from({ length: 20 }, near);
    const nearRows = gated.predict(nearProbe);
    expect(nearRows.filter((row) => (row[0] ?? 0) < 3).length).toBeGreaterThanOrEqual(16);
    for (const row of nearRows) expect(row[1]).toBeGreaterThan(150);
    // Far: orthogonal-ish random directions, none within the held-out threshold's reach.
    const far = Array.from({ length: 20 }, () => randomUnit(local, 16)).filter(
      (x) => Math.abs(x.reduce((sum, v, j) => sum + v * (centre[j] ?? 0), 0)) < 0.3,
    );
    expect(far.length).toBeGreaterThan(5);
    const gatedFar = gated.predict(far);
    const freeFar = free.predict(far);
    gatedFar.forEach((row, i) => {
      expect(row[0]).toBeGreaterThanOrEqual(32);
      expect(row[0]).toBeCloseTo(row[1] ?? 0, 6);
      expect(freeFar[i]?.[0]).toBeLessThan(10); // the ungated regression keeps its 2 tokens
    });
    // The evidence survives the state round trip.
    const restored = outputLengthPredictorFromState(JSON.parse(JSON.stringify(gated.toState())));
    expect(restored.predict([...nearProbe, ...far])).toEqual(gated.predict([...nearProbe, ...far]));
  });

  it('trusts a model only near prompts with its own answers', () => {
    // Two regions of length data: `both` answers in both (300 tokens), `first` only in the first
    // (2 tokens). Near the second region `first` gets the shared prediction, not its 2 tokens.
    const local = createRng(34);
    const one = around(local, randomUnit(local, 16));
    const two = around(local, randomUnit(local, 16));
    const embeddings = [...Array.from({ length: 400 }, one), ...Array.from({ length: 400 }, two)];
    const set: TrainingSet = {
      models: ['first', 'both'],
      embeddings,
      quality: embeddings.map(() => Float64Array.of(1, 1)),
      outputTokens: embeddings.map((_, i) => Float64Array.of(i < 400 ? 2 : Number.NaN, 300)),
    };
    const predictor = fitOutputLengthPredictor(set);
    // Near the first region its 2 tokens stand, except on the few prompts below the held-out
    // threshold (about 5% by construction), where an answer under the floor is not believed.
    const first = predictor.predict(Array.from({ length: 40 }, one)).map((row) => row[0] ?? 0);
    expect(first.filter((t) => t < 3).length).toBeGreaterThanOrEqual(32);
    for (const t of first) expect(t < 3 || t >= 32).toBe(true);
    for (const row of predictor.predict(Array.from({ length: 10 }, two))) {
      expect(row[0]).toBeGreaterThanOrEqual(32);
      expect(row[1]).toBeGreaterThan(250);
    }
  });

  it('trusts models near their answers in a routing log, one answer per prompt', () => {
    // Logged traffic: each prompt answered by one of two models, alternately. Both have answers all
    // over the region, so both keep their own regressions there (2 and 200 tokens).
    const local = createRng(55);
    const near = around(local, randomUnit(local, 16));
    const embeddings = Array.from({ length: 800 }, near);
    const set: TrainingSet = {
      models: ['terse', 'verbose'],
      embeddings,
      quality: embeddings.map(() => Float64Array.of(1, 1)),
      outputTokens: embeddings.map((_, i) =>
        i % 2 === 0 ? Float64Array.of(2, Number.NaN) : Float64Array.of(Number.NaN, 200),
      ),
    };
    // (A few probes fall below the held-out threshold, about 5% by construction, and are blended.)
    const rows = fitOutputLengthPredictor(set).predict(Array.from({ length: 20 }, near));
    expect(rows.filter((row) => (row[0] ?? 0) < 3).length).toBeGreaterThanOrEqual(16);
    expect(rows.filter((row) => (row[1] ?? 0) > 150).length).toBeGreaterThanOrEqual(14);
  });

  it('round-trips its state exactly', () => {
    const predictor = fitOutputLengthPredictor(set);
    const restored = outputLengthPredictorFromState(
      JSON.parse(JSON.stringify(predictor.toState())),
    );
    expect(restored.predict(rows.slice(0, 10))).toEqual(predictor.predict(rows.slice(0, 10)));
  });
});
