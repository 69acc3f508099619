import { describe, expect, it } from 'vitest';
import { RouterError } from '../core/index.js';
import { loadConfig } from './index.js';

describe('loadConfig', () => {
  it('has sane embedded defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config.port).toBe(8080);
    expect(config.embedder).toBe('use-lite');
    expect(config.dbPath.endsWith('arbiter.duckdb')).toBe(true);
    expect(config.storePrompts).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads env vars and lets overrides win', () => {
    const config = loadConfig({
      env: { PORT: '9001', ARBITER_STORE_PROMPTS: 'true', ARBITER_STATE_DIR: '/tmp/x' },
      overrides: { host: '0.0.0.0' },
    });
    expect(config).toMatchObject({ port: 9001, storePrompts: true, host: '0.0.0.0' });
    expect(config.dbPath).toBe('/tmp/x/arbiter.duckdb');
  });

  it('names the env var of an invalid value', () => {
    for (const [env, name] of [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ ARBITER_EMBEDDER: 'gpt' }, 'ARBITER_EMBEDDER'],
      [{ ARBITER_STORE_PROMPTS: 'maybe' }, 'ARBITER_STORE_PROMPTS'],
    ] as const) {
      let caught: unknown;
      try {
        loadConfig({ env });
      } catch (error: unknown) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RouterError);
      expect((caught as RouterError).code).toBe('CONFIG_INVALID');
      expect((caught as RouterError).details).toMatchObject({ env: name });
    }
  });
});
