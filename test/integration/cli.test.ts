import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/arbiter.js', import.meta.url));

async function arbiter(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (error: unknown) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('arbiter CLI', () => {
  it('lists its commands with --help', async () => {
    const { stdout, code } = await arbiter(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('serve');
    expect(stdout).toContain('embed');
  });

  it('creates API keys with `keys add` and lists them with `keys list`', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'arbiter-cli-')), 'keys.json');
    const added = await arbiter(['keys', 'add', '--tenant', 'acme', '--file', file]);
    expect(added.code).toBe(0);
    expect(added.stdout.trim()).toMatch(/^arb_[A-Za-z0-9_-]{43}$/u);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { keys: { tenant: string }[] };
    expect(stored.keys.map((key) => key.tenant)).toEqual(['acme']);
    const listed = await arbiter(['keys', 'list', '--file', file]);
    expect(listed.stdout).toContain('acme\ttenant');
    expect((await arbiter(['--help'])).stdout).toMatch(/^ {2}keys /mu);
  });

  it('rejects an unknown command with exit code 2', async () => {
    expect((await arbiter(['frobnicate'])).code).toBe(2);
  });

  it('embeds offline with the default USE-Lite embedder', async () => {
    const { stdout, code } = await arbiter(['embed', '--text', 'What is 2 + 2?']);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { model: string; dimension: number; ms: number };
    expect(out).toMatchObject({ model: 'use-lite@0.2.0', dimension: 512 });
    expect(out.ms).toBeGreaterThan(0);
  });

  it('prints the vector with --vector and reports a missing --text as a coded error', async () => {
    const { stdout } = await arbiter(['embed', '--embedder', 'hash', '--text', '', '--vector']);
    expect((JSON.parse(stdout) as { vector: number[] }).vector).toHaveLength(64);
    const missing = await arbiter(['embed']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('INPUT_INVALID');
  });
});
