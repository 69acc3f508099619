import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeKeysFile } from '../cli/keys.js';
import { generateApiKey, loadKeyRegistry, type KeysFile } from './auth.js';

function fakeClock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let now = start;
  return { now: () => now, advance: (ms) => (now += ms) };
}

describe('loadKeyRegistry', () => {
  it('picks up keys added to the file after the interval, without a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keys-'));
    const path = join(dir, 'keys.json');
    const first = generateApiKey();
    const second = generateApiKey();
    const file: KeysFile = { keys: [{ sha256: first.sha256, tenant: 'acme', role: 'tenant' }] };
    writeKeysFile(path, file);
    const clock = fakeClock();
    const reloads: number[] = [];
    const registry = loadKeyRegistry(path, { clock, onReload: (size) => reloads.push(size) });
    expect(registry.resolve(first.key)).toEqual({ tenant: 'acme', role: 'tenant' });
    writeKeysFile(path, {
      keys: [...file.keys, { sha256: second.sha256, tenant: 'globex', role: 'admin' }],
    });
    // Within the interval the file is not looked at (at most one stat per second).
    expect(registry.resolve(second.key)).toBeUndefined();
    clock.advance(1000);
    expect(registry.resolve(second.key)).toEqual({ tenant: 'globex', role: 'admin' });
    expect(registry.size).toBe(2);
    expect(reloads).toEqual([2]);
    // A removed key stops working the same way.
    writeKeysFile(path, { keys: [{ sha256: second.sha256, tenant: 'globex', role: 'admin' }] });
    clock.advance(1000);
    expect(registry.resolve(first.key)).toBeUndefined();
  });

  it('keeps the keys in force when the changed file is invalid, and reports it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keys-'));
    const path = join(dir, 'keys.json');
    const key = generateApiKey();
    writeKeysFile(path, { keys: [{ sha256: key.sha256, tenant: 'acme', role: 'tenant' }] });
    const clock = fakeClock();
    const errors: unknown[] = [];
    const registry = loadKeyRegistry(path, { clock, onError: (error) => errors.push(error) });
    writeFileSync(path, '{"keys": [{"oops": true}]}');
    clock.advance(1000);
    expect(registry.resolve(key.key)).toEqual({ tenant: 'acme', role: 'tenant' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('starts empty on a missing default file and follows it once it is created', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keys-'));
    const path = join(dir, 'keys.json');
    const clock = fakeClock();
    const registry = loadKeyRegistry(path, { clock, allowMissing: true });
    expect(registry.size).toBe(0);
    const key = generateApiKey();
    writeKeysFile(path, { keys: [{ sha256: key.sha256, tenant: 'acme', role: 'tenant' }] });
    clock.advance(1000);
    expect(registry.resolve(key.key)?.tenant).toBe('acme');
    expect(() => loadKeyRegistry(join(dir, 'absent.json'))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
