import {
  lstatSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeKeysFile } from './keys.js';

const FILE = { keys: [] };

describe('writeKeysFile', () => {
  it('writes the file 0600 even when a stale 0644 temp file is present', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keysfile-'));
    const path = join(dir, 'keys.json');
    writeFileSync(`${path}.tmp`, 'stale', { mode: 0o644 });
    writeKeysFile(path, FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(FILE);
    expect(() => statSync(`${path}.tmp`)).toThrow();
  });

  it('never writes through a symlinked temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbiter-keysfile-'));
    const path = join(dir, 'keys.json');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'untouched', { mode: 0o644 });
    symlinkSync(victim, `${path}.tmp`);
    writeKeysFile(path, FILE);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(statSync(victim).mode & 0o777).toBe(0o644);
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
