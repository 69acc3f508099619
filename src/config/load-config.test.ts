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

  it('takes a DuckDB memory limit in DuckDB size units, unset by default', () => {
    expect(loadConfig({ env: {} }).duckdbMemoryLimit).toBeUndefined();
    for (const size of ['128MB', '1GiB', '1.5 GB', '96MiB']) {
      expect(loadConfig({ env: { ARBITER_DUCKDB_MEMORY_LIMIT: size } }).duckdbMemoryLimit).toBe(
        size,
      );
    }
  });

  it('keeps 20,000 recent decisions in memory unless told otherwise', () => {
    expect(loadConfig({ env: {} }).recentDecisions).toBe(20_000);
    expect(loadConfig({ env: { ARBITER_RECENT_DECISIONS: '0' } }).recentDecisions).toBe(0);
    expect(loadConfig({ env: { ARBITER_RECENT_DECISIONS: '250000' } }).recentDecisions).toBe(
      250_000,
    );
  });

  it('names the env var of an invalid value', () => {
    for (const [env, name] of [
      [{ PORT: 'eighty' }, 'PORT'],
      [{ PORT: '70000' }, 'PORT'],
      [{ ARBITER_EMBEDDER: 'gpt' }, 'ARBITER_EMBEDDER'],
      [{ ARBITER_STORE_PROMPTS: 'maybe' }, 'ARBITER_STORE_PROMPTS'],
      [{ ARBITER_DUCKDB_MEMORY_LIMIT: '128' }, 'ARBITER_DUCKDB_MEMORY_LIMIT'],
      [{ ARBITER_RECENT_DECISIONS: '-1' }, 'ARBITER_RECENT_DECISIONS'],
      [{ ARBITER_RECENT_DECISIONS: '1.5' }, 'ARBITER_RECENT_DECISIONS'],
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
