import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { decisionFixture } from './__fixtures__/records.js';
import {
  candidateSetId,
  decodeDecision,
  encodeDecision,
  fromFloat16Bits,
  storedForm,
  toFloat16Bits,
} from './decision-codec.js';

const rng = createRng(7);

function unitVector(dimension: number): Float32Array {
  const v = Float32Array.from({ length: dimension }, () => rng.next() * 2 - 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('decision codec', () => {
  it('stores a routed decision compactly: int8 embedding, set id, 7 bytes per candidate', () => {
    const models = Array.from({ length: 56 }, (_, i) => `vendor/model-${i}`);
    const ranked = [...models].reverse();
    const decision = decisionFixture({
      embedding: unitVector(512),
      candidates: ranked,
      chosenModel: ranked[0] as string,
      predicted: ranked.map((model, i) => ({
        model,
        quality: rng.next(),
        costUsd: 10 ** (-6 + 4 * rng.next()),
        score: i === 3 ? undefined : rng.next() * 4 - 2,
      })),
      features: { willingness_to_pay: 0.5, excluded: [], policy_features: [1, 0.25, -1 / 3] },
    });
    const e = encodeDecision(decision);
    expect(e.embeddingQ?.byteLength).toBe(4 + 512);
    expect(e.embedding).toBeNull();
    expect(e.arms?.byteLength).toBe(56 * 7);
    expect(e.candidates).toBeNull();
    expect(e.predicted).toBeNull();
    expect(e.candidateSet?.id).toBe(candidateSetId([...models].sort()));
    expect(e.promptDigest?.byteLength).toBe(32);
    expect(e.features).toBe('{"excluded":[]}');

    const back = storedForm(decision);
    expect(back.promptHash).toBe(decision.promptHash);
    expect(back.candidates).toEqual(ranked);
    expect(back.features).toEqual(decision.features);
    const original = decision.embedding as Float32Array;
    const step = Math.max(...original.map(Math.abs)) / 127;
    back.embedding?.forEach((x, i) =>
      expect(Math.abs(x - (original[i] as number))).toBeLessThanOrEqual(step / 2 + 1e-7),
    );
    back.predicted.forEach((arm, i) => {
      const was = decision.predicted[i];
      expect(arm.model).toBe(was?.model);
      expect(Math.abs(arm.quality - (was?.quality ?? 0))).toBeLessThanOrEqual(1 / 131070 + 1e-12);
      expect(Math.abs(arm.costUsd / (was?.costUsd ?? 1) - 1)).toBeLessThanOrEqual(2.2e-4);
      if (was?.score === undefined) expect(arm.score).toBeUndefined();
      else
        expect(Math.abs((arm.score as number) - was.score)).toBeLessThanOrEqual(
          Math.abs(was.score) * 2 ** -11 + 2 ** -25,
        );
    });
    expect(back.predicted.filter((arm) => arm.score === undefined)).toHaveLength(1);
    expect(e.estimatedCostUsd).toBe(decision.predicted[0]?.costUsd);
  });

  it('falls back to the lossless form for what the compact one cannot hold', () => {
    const cases = [
      decisionFixture({ predicted: [] }),
      decisionFixture({ candidates: ['a', 'a'], predicted: [] }),
      decisionFixture({
        candidates: ['a'],
        predicted: [{ model: 'a', quality: 1.5, costUsd: 0.1 }],
      }),
      decisionFixture({
        candidates: ['a'],
        predicted: [{ model: 'a', quality: 0.5, costUsd: 5e3 }],
      }),
      decisionFixture({
        candidates: ['a'],
        predicted: [{ model: 'a', quality: 0.5, costUsd: 0.1, score: 1e6 }],
      }),
    ];
    for (const decision of cases) {
      const e = encodeDecision(decision);
      expect(e.arms).toBeNull();
      expect(storedForm(decision).predicted).toEqual(decision.predicted);
      expect(storedForm(decision).candidates).toEqual(decision.candidates);
    }
    const odd = decisionFixture({
      promptHash: 'not-hex',
      embedding: Float32Array.from([1, Number.NaN]),
      features: { policy_features: 'x', willingness_to_pay: 'y' },
    });
    const e = encodeDecision(odd);
    expect(e.promptHash).toBe('not-hex');
    expect(e.embeddingQ).toBeNull();
    const back = storedForm(odd);
    expect(back.promptHash).toBe('not-hex');
    expect(back.embedding).toEqual(odd.embedding);
    expect(back.features).toEqual(odd.features);
  });

  it('stores a feature vector on the 1e-4 grid as int16, read back to the same doubles', () => {
    // The residual learner's features: 64 coordinates rounded to 1e-4 (residual-memory.ts).
    const grid = Array.from({ length: 64 }, () => Math.round((rng.next() * 2 - 1) * 1e4) / 1e4);
    grid[3] = 1;
    grid[4] = -1;
    const decision = decisionFixture({ features: { policy_features: grid } });
    expect(encodeDecision(decision).policyFeatures?.byteLength).toBe(1 + 2 * 64);
    const back = storedForm(decision).features?.['policy_features'] as number[];
    expect(back).toEqual(grid);
    back.forEach((value, i) => expect(Object.is(value, grid[i])).toBe(true));
    // Off the grid, past int16, or a negative zero (int16 has none): float64, exact.
    for (const vector of [
      [...grid.slice(1), 1 / 3],
      [...grid.slice(1), 3.2768],
      [...grid.slice(1), -0],
    ]) {
      const other = decisionFixture({ features: { policy_features: vector } });
      expect(encodeDecision(other).policyFeatures?.byteLength).toBe(8 * 64);
      const read = storedForm(other).features?.['policy_features'] as number[];
      read.forEach((value, i) => expect(Object.is(value, vector[i])).toBe(true));
    }
  });

  it('computes the chosen and the best-quality candidate costs exactly (ties: cheaper, then first)', () => {
    const e = encodeDecision(
      decisionFixture({
        candidates: ['a', 'b', 'c'],
        chosenModel: 'c',
        predicted: [
          { model: 'a', quality: 0.8, costUsd: 0.3 },
          { model: 'b', quality: 0.8, costUsd: 0.2 },
          { model: 'c', quality: 0.1, costUsd: 0.123456789 },
        ],
      }),
    );
    expect(e.estimatedCostUsd).toBe(0.123456789);
    expect(e.bestQualityCostUsd).toBe(0.2);
  });

  it('reads a row written before the compact format', () => {
    const decision = decisionFixture();
    const back = decodeDecision({
      promptHash: decision.promptHash,
      promptDigest: null,
      embedding: null,
      embeddingQ: null,
      candidates: decision.candidates,
      setModels: null,
      predicted: JSON.stringify(decision.predicted),
      arms: null,
      features: JSON.stringify(decision.features),
      policyFeatures: null,
      willingnessToPay: null,
    });
    expect(back.predicted).toEqual(decision.predicted);
    expect(back.features).toEqual(decision.features);
  });

  it('converts binary16 like IEEE 754 (round half to even, subnormals, limits)', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBeNull();
    expect(toFloat16Bits(2 ** -24)).toBe(1);
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
    expect(toFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    for (const x of [0, 1 / 3, -0.7, 123.456, 2 ** -20, 6.1e-5]) {
      const back = fromFloat16Bits(toFloat16Bits(x) as number);
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(Math.abs(x) * 2 ** -11, 2 ** -25));
    }
  });
});
