/**
 * Compact JSON-safe encodings for weight arrays: base64 of little-endian float32 (5.3 bytes per
 * weight instead of ~10 for decimal text), and int8 rows with a per-row scale for stored neighbours.
 */
import { RouterError } from '../core/index.js';

/** Base64 of the values as float32 (precision ~7 significant digits). */
export function encodeFloat32(values: ArrayLike<number>): string {
  const f32 = Float32Array.from(values);
  return Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString('base64');
}

/** Inverse of {@link encodeFloat32}; checks the expected length when given. */
export function decodeFloat32(text: unknown, expectedLength?: number): Float64Array {
  if (typeof text !== 'string')
    throw new RouterError('ARTIFACT_INVALID', 'weights must be a base64 string');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0)
    throw new RouterError('ARTIFACT_INVALID', 'weights are not float32 data');
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const f32 = new Float32Array(copy.buffer);
  if (expectedLength !== undefined && f32.length !== expectedLength) {
    throw new RouterError('ARTIFACT_INVALID', 'weights have the wrong length', {
      details: { expected: expectedLength, actual: f32.length },
    });
  }
  return Float64Array.from(f32);
}

/** {@link encodeFloat32} of equal-length rows, concatenated. */
export function encodeFloat32Rows(rows: readonly ArrayLike<number>[]): string {
  return encodeFloat32(Float64Array.from(rows.flatMap((row) => Array.from(row))));
}

/** Inverse of {@link encodeFloat32Rows}: `count` rows of `dimension` float32 values. */
export function decodeFloat32Rows(text: unknown, count: number, dimension: number): Float32Array[] {
  const flat = decodeFloat32(text, count * dimension);
  return Array.from({ length: count }, (_, r) =>
    Float32Array.from(flat.subarray(r * dimension, (r + 1) * dimension)),
  );
}

/** Rows quantised to int8 with one float32 scale per row (max |value| / 127). */
export interface QuantizedRows {
  readonly rows: number;
  readonly cols: number;
  /** Base64 int8 data, rows x cols. */
  readonly data: string;
  /** Base64 float32 scales, one per row. */
  readonly scales: string;
}

/** Quantise equal-length rows to int8. */
export function quantizeRows(rows: readonly ArrayLike<number>[], cols: number): QuantizedRows {
  const data = new Int8Array(rows.length * cols);
  const scales = new Float32Array(rows.length);
  rows.forEach((row, r) => {
    let max = 0;
    for (let j = 0; j < cols; j++) max = Math.max(max, Math.abs(row[j] ?? 0));
    const scale = max > 0 ? max / 127 : 1;
    scales[r] = scale;
    for (let j = 0; j < cols; j++) data[r * cols + j] = Math.round((row[j] ?? 0) / scale);
  });
  return {
    rows: rows.length,
    cols,
    data: Buffer.from(data.buffer).toString('base64'),
    scales: encodeFloat32(scales),
  };
}

/** Inverse of {@link quantizeRows}: float32 rows. */
export function dequantizeRows(value: unknown): Float32Array[] {
  if (typeof value !== 'object' || value === null) {
    throw new RouterError('ARTIFACT_INVALID', 'quantized rows must be an object');
  }
  const { rows, cols, data, scales } = value as Record<string, unknown>;
  if (typeof rows !== 'number' || typeof cols !== 'number' || typeof data !== 'string') {
    throw new RouterError('ARTIFACT_INVALID', 'quantized rows are malformed');
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength !== rows * cols)
    throw new RouterError('ARTIFACT_INVALID', 'quantized rows have the wrong size');
  const int8 = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scale = decodeFloat32(scales, rows);
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Float32Array(cols);
    const s = scale[r] ?? 1;
    for (let j = 0; j < cols; j++) row[j] = (int8[r * cols + j] ?? 0) * s;
    out.push(row);
  }
  return out;
}

/** Round to `digits` significant digits (for small JSON number fields). */
export function roundSignificant(value: number, digits = 6): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(digits)) : value;
}
