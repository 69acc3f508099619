import { readFileSync } from 'node:fs';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { RouterError, errorMessage } from '../core/index.js';

/**
 * Read a JSON config file and validate it against a TypeBox schema. CONFIG_INVALID names the file
 * and, for a schema failure, the first offending field.
 */
export function readJsonFile<S extends TSchema>(path: string, schema: S, what: string): Static<S> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    throw new RouterError(
      'CONFIG_INVALID',
      `${path}: cannot read ${what}: ${errorMessage(error)}`,
      {
        cause: error,
        details: { file: path },
      },
    );
  }
  if (!Value.Check(schema, data)) {
    const first = [...Value.Errors(schema, data)][0];
    throw new RouterError(
      'CONFIG_INVALID',
      `${path}: ${what} field "${first?.instancePath ?? ''}" ${first?.message ?? 'is invalid'}`,
      { details: { file: path, field: first?.instancePath } },
    );
  }
  return data;
}
