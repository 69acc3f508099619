import { describe, expect, it } from 'vitest';
import { fromFloat16Bits, toFloat16Bits } from './onnx-proto.js';
import { fitPca, symmetricEigen } from './pca.js';
import { buildStaticEmbeddingModel } from './static-model.js';

describe('float16 conversion', () => {
  it('encodes exact values and specials', () => {
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });

  it('rounds to nearest with relative error ≤ 2^-11 for normal values', () => {
    for (const value of [0.1, -0.3333, 3.14159, 123.456, 1e-3, -7e-4]) {
      const back = fromFloat16Bits(toFloat16Bits(value));
      expect(Math.abs(back - value) / Math.abs(value)).toBeLessThanOrEqual(2 ** -11);
    }
    // Ties go to even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10.
    expect(toFloat16Bits(1 + 2 ** -11)).toBe(0x3c00);
  });
});

describe('PCA', () => {
  it('diagonalises a symmetric matrix (A v = λ v)', () => {
    const a = new Float64Array([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = symmetricEigen(a, 3);
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 3; i++) {
        let av = 0;
        for (let k = 0; k < 3; k++) av += (a[i * 3 + k] ?? 0) * (vectors[k * 3 + j] ?? 0);
        expect(av).toBeCloseTo((values[j] ?? 0) * (vectors[i * 3 + j] ?? 0), 10);
      }
    }
    expect(values.reduce((s, v) => s + v, 0)).toBeCloseTo(12, 10);
  });

  it('finds the axis of a stretched point cloud', () => {
    // Points along (1, 1)/√2 with a little spread across it.
    const data = new Float32Array([-2, -2.1, -1, -0.9, 0, 0.1, 1, 1.1, 2, 1.9]);
    const pca = fitPca({ data, rows: 5, dimension: 2, components: 1 });
    expect(Math.abs(pca.components[0] ?? 0)).toBeCloseTo(Math.SQRT1_2, 2);
    expect(pca.explainedVariance).toBeGreaterThan(0.99);
  });
});

describe('buildStaticEmbeddingModel', () => {
  it('is deterministic and sized by the table', () => {
    const table = Float32Array.from({ length: 1000 * 4 }, (_, i) => i / 7);
    const options = {
      table,
      vocabSize: 1000,
      dimension: 4,
      description: 'x',
      metadata: {},
    } as const;
    const f16 = buildStaticEmbeddingModel({ ...options, dtype: 'float16' });
    const f32 = buildStaticEmbeddingModel({ ...options, dtype: 'float32' });
    expect(buildStaticEmbeddingModel({ ...options, dtype: 'float16' })).toEqual(f16);
    // float16 halves the table (the extra Cast node costs a few dozen bytes).
    expect(f32.length - f16.length).toBeGreaterThan(1000 * 4 * 2 - 100);
    expect(() =>
      buildStaticEmbeddingModel({ ...options, vocabSize: 1001, dtype: 'float32' }),
    ).toThrow(RangeError);
  });
});
