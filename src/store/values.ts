/**
 * Conversions at the repo edge: rows come back from DuckDB as loosely typed JS (BIGINT as bigint,
 * JSON as text, lists as arrays); repos hand out plain numbers, strings and typed arrays only.
 */
import type { JS } from '@duckdb/node-api';
import { StoreError } from '../core/index.js';

function invalid(column: string, expected: string): StoreError {
  return new StoreError(`column ${column} is not ${expected}`, {
    code: 'STORE_CORRUPT',
    details: { column },
  });
}

/** A number from a numeric column (bigint narrowed; throws when the column holds something else). */
export function asNumber(value: JS | undefined, column: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw invalid(column, 'a number');
}

/** A number or null. */
export function asNumberOrNull(value: JS | undefined, column: string): number | null {
  return value === null || value === undefined ? null : asNumber(value, column);
}

/** A string from a VARCHAR/JSON column. */
export function asString(value: JS | undefined, column: string): string {
  if (typeof value === 'string') return value;
  throw invalid(column, 'a string');
}

/** A string or null. */
export function asStringOrNull(value: JS | undefined, column: string): string | null {
  return value === null || value === undefined ? null : asString(value, column);
}

/** A boolean from a BOOLEAN column. */
export function asBoolean(value: JS | undefined, column: string): boolean {
  if (typeof value === 'boolean') return value;
  throw invalid(column, 'a boolean');
}

/** A string list from a VARCHAR[] column. */
export function asStringList(value: JS | undefined, column: string): string[] {
  if (!Array.isArray(value)) throw invalid(column, 'a list');
  return value.map((item) => asString(item, column));
}

/** A Float32Array from a FLOAT[] column, or null. Values are exact: FLOAT widens to double losslessly. */
export function asVectorOrNull(value: JS | undefined, column: string): Float32Array | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) throw invalid(column, 'a list');
  return Float32Array.from(value, (item) => asNumber(item, column));
}

/**
 * A vector as little-endian float32 bytes (a copy). Storing decision embeddings as BLOB instead of
 * FLOAT[] makes the appender copy one value per row instead of converting 512 numbers: 800 decisions
 * flushed in 153 ms as FLOAT[] and 44 ms without embeddings on this machine, blocking the event loop.
 */
export function vectorToBlob(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] ?? 0, true);
  return bytes;
}

/** The vector stored by {@link vectorToBlob}, or null. */
export function vectorFromBlobOrNull(value: JS | undefined, column: string): Float32Array | null {
  if (value === null || value === undefined) return null;
  if (!(value instanceof Uint8Array) || value.byteLength % 4 !== 0)
    throw invalid(column, 'float32 bytes');
  return decodeFloat32(value);
}

/** Little-endian float32 bytes (length a multiple of 4, checked by the caller) as a vector. */
export function decodeFloat32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Parse a JSON column. */
export function parseJson(value: JS | undefined, column: string): unknown {
  return parseJsonText(asString(value, column), column);
}

/** JSON text of a column, parsed; STORE_CORRUPT naming the column when it is not JSON. */
export function parseJsonText(text: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error: unknown) {
    throw new StoreError(`column ${column} holds invalid JSON`, {
      code: 'STORE_CORRUPT',
      cause: error,
      details: { column },
    });
  }
}

/** Epoch milliseconds as the BIGINT DuckDB's `epoch_ms(...)` takes. */
export function msToBigInt(ms: number): bigint {
  return BigInt(Math.round(ms));
}

/** A plain-number copy of a vector, for binding as a list. */
export function vectorToList(vector: Float32Array): number[] {
  return Array.from(vector);
}
