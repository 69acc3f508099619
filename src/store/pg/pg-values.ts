/**
 * Conversions at the PostgreSQL repo edge: node-postgres hands back loosely typed values (bytea as
 * Buffer, text[] as string[]); repos hand out plain numbers, strings and typed arrays only. Counts
 * and epoch times are cast to float8/int4 in SQL so they arrive as numbers, never as strings.
 */
import { StoreError } from '../../core/index.js';
import { decodeFloat32, parseJsonText } from '../values.js';
import type { PgRow } from './pg-database.js';

function invalid(column: string, expected: string): StoreError {
  return new StoreError(`column ${column} is not ${expected}`, {
    code: 'STORE_CORRUPT',
    details: { column },
  });
}

/** A number column. */
export function pgNumber(row: PgRow, column: string): number {
  const value = row[column];
  if (typeof value === 'number') return value;
  throw invalid(column, 'a number');
}

/** A number column that may be NULL. */
export function pgNumberOrNull(row: PgRow, column: string): number | null {
  return row[column] === null || row[column] === undefined ? null : pgNumber(row, column);
}

/** A text column. */
export function pgString(row: PgRow, column: string): string {
  const value = row[column];
  if (typeof value === 'string') return value;
  throw invalid(column, 'a string');
}

/** A text column that may be NULL. */
export function pgStringOrNull(row: PgRow, column: string): string | null {
  return row[column] === null || row[column] === undefined ? null : pgString(row, column);
}

/** A boolean column. */
export function pgBoolean(row: PgRow, column: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  throw invalid(column, 'a boolean');
}

/** A text[] column. */
export function pgStringList(row: PgRow, column: string): string[] {
  const value = row[column];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw invalid(column, 'a text list');
  }
  return value;
}

/** A real[] column as a Float32Array (real widens to double losslessly), or null. */
export function pgVectorOrNull(row: PgRow, column: string): Float32Array | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'number')) {
    throw invalid(column, 'a real list');
  }
  return Float32Array.from(value);
}

/** A bytea column of little-endian float32 (../values.ts vectorToBlob), or null. */
export function pgBlobVectorOrNull(row: PgRow, column: string): Float32Array | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (!(value instanceof Uint8Array) || value.byteLength % 4 !== 0) {
    throw invalid(column, 'float32 bytes');
  }
  return decodeFloat32(value);
}

/** A JSON column read as text (`column::text`), parsed. */
export function pgJson(row: PgRow, column: string): unknown {
  return parseJsonText(pgString(row, column), column);
}

/** SQL for a `timestamptz` column as epoch milliseconds (float8, exact for ms values). */
export function epochMs(column: string, alias: string): string {
  return `(extract(epoch FROM ${column}) * 1000)::float8 AS ${alias}`;
}

/**
 * `($1, $2, ...), ($n+1, ...)` for `rows` rows of `templates.length` columns. A template is the SQL
 * for one value with `?` where the placeholder goes (e.g. `to_timestamp(?::float8 / 1000)`).
 */
export function valuesList(rows: number, templates: readonly string[]): string {
  const groups: string[] = [];
  let n = 0;
  for (let r = 0; r < rows; r++) {
    const cells = templates.map((template) => template.replace('?', `$${++n}`));
    groups.push(`(${cells.join(', ')})`);
  }
  return groups.join(', ');
}

/** PostgreSQL's limit on bind parameters in one statement. */
export const MAX_PARAMETERS = 65_535;

/** Rows per multi-row INSERT so its parameters stay under {@link MAX_PARAMETERS}. */
export function rowsPerStatement(columns: number, cap = 2048): number {
  return Math.max(1, Math.min(cap, Math.floor(MAX_PARAMETERS / columns)));
}
