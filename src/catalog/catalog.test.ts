import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RouterError } from '../core/index.js';
import { loadCatalog, parseCatalog } from './index.js';

function catchError(fn: () => unknown): RouterError {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error('expected a RouterError');
}

const valid = loadCatalog();

function withModel(patch: (model: Record<string, unknown>) => void): unknown {
  const copy = structuredClone({ version: 1, models: valid.models }) as unknown as {
    models: Record<string, unknown>[];
  };
  patch(copy.models[1] as Record<string, unknown>);
  return copy;
}

describe('catalog', () => {
  it('ships real entries for every model in the shared routing data', () => {
    expect(valid.models.length).toBeGreaterThanOrEqual(21);
    for (const name of [
      'gpt-4-1106-preview',
      'mistralai/Mixtral-8x7B-Instruct-v0.1',
      'mistralai/mixtral-8x7b-chat',
      'claude-instant-v1',
      'meta/code-llama-instruct-34b-chat',
      'zero-one-ai/Yi-34B-Chat',
      'WizardLM/WizardLM-13B-V1.2',
      'llama3-chatqa-1.5-8b',
      'llama-3.3-nemotron-super-49b-v1',
      'codegemma-7b',
    ]) {
      expect(valid.resolveModelId(name), name).toBeDefined();
    }
    expect(valid.get('openai/gpt-4-1106-preview')?.pricing).toEqual({
      input_per_million: 10,
      output_per_million: 30,
    });
  });

  it('names the file, the model and the field of a bad entry', () => {
    const error = catchError(() =>
      parseCatalog(
        withModel((model) => {
          model.pricing = { input_per_million: -1, output_per_million: 2 };
        }),
        'my-catalog.json',
      ),
    );
    expect(error.code).toBe('CATALOG_INVALID');
    expect(error.details).toMatchObject({
      file: 'my-catalog.json',
      model: 'openai/gpt-3.5-turbo-1106',
      field: 'pricing/input_per_million',
    });
    expect(error.message).toContain('my-catalog.json');
    expect(error.message).toContain('openai/gpt-3.5-turbo-1106');
  });

  it('rejects unknown fields, missing fields and duplicate ids', () => {
    expect(catchError(() => parseCatalog(withModel((m) => void (m.colour = 'red')))).code).toBe(
      'CATALOG_INVALID',
    );
    expect(
      catchError(() => parseCatalog(withModel((m) => delete m.tokenizer))).details,
    ).toMatchObject({
      model: 'openai/gpt-3.5-turbo-1106',
    });
    const duplicate = catchError(() =>
      parseCatalog(withModel((m) => void (m.id = 'openai/gpt-4-1106-preview'))),
    );
    expect(duplicate.details).toMatchObject({ field: 'id' });
  });

  it('fails on an unreadable or non-JSON file with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-catalog-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ not json');
    const error = catchError(() => loadCatalog(path));
    expect(error.code).toBe('CATALOG_INVALID');
    expect(error.details).toMatchObject({ file: path });
    expect(catchError(() => loadCatalog(join(dir, 'missing.json'))).code).toBe('CATALOG_INVALID');
  });

  it('returns frozen entries that callers cannot mutate', () => {
    const model = valid.models[0];
    expect(Object.isFrozen(model)).toBe(true);
  });
});
