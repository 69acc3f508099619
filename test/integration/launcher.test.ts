import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freshBuild, sourceFingerprint, STAMP_FILE } from '../../bin/dist-stamp.js';

// bin/arbiter.js runs the compiled CLI from dist/ only when the build there was made from exactly the
// current sources (bin/dist-stamp.js); otherwise it runs the sources through tsx. These tests use a
// tiny project laid out like the repository: the real bin/ scripts, the repository's node_modules.

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

/** A project whose source CLI says "source" and whose (hand-made, unstamped) build says "dist". */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'arbiter-launcher-'));
  roots.push(root);
  for (const file of ['arbiter.js', 'dist-stamp.js', 'build-dist.js']) {
    write(root, `bin/${file}`, readFileSync(join(REPO, 'bin', file), 'utf8'));
  }
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  write(root, 'package.json', JSON.stringify({ type: 'module' }));
  write(
    root,
    'tsconfig.json',
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: ['node'],
        skipLibCheck: true,
        noEmit: true,
      },
      include: ['src'],
    }),
  );
  write(
    root,
    'tsconfig.build.json',
    JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, rootDir: 'src', outDir: 'dist' },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
    }),
  );
  const main = (from: string): string =>
    `export async function main(argv: string[]): Promise<number> {\n  process.stdout.write('${from} ' + argv.join(' '));\n  return 0;\n}\n`;
  write(root, 'src/cli/main.ts', main('source'));
  write(root, 'src/cli/main.test.ts', '// a test: not a build input\n');
  write(root, 'src/embed/worker.mjs', 'export const worker = 1;\n');
  write(
    root,
    'dist/cli/main.js',
    main('dist').replace(': string[]', '').replace(': Promise<number>', ''),
  );
  return root;
}

function launch(root: string, env: Record<string, string> = {}): string {
  const run = spawnSync(process.execPath, [join(root, 'bin/arbiter.js'), 'serve'], {
    encoding: 'utf8',
    env: { ...process.env, ARBITER_FROM_SOURCE: '', ...env },
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return run.stdout;
}

function stamp(root: string): void {
  writeFileSync(join(root, STAMP_FILE), `${sourceFingerprint(root)}\n`);
}

describe('source fingerprint', () => {
  it('changes with any build input and only with build inputs', () => {
    const root = project();
    const base = sourceFingerprint(root);
    expect(sourceFingerprint(root)).toBe(base);
    write(root, 'src/cli/main.test.ts', '// edited test\n');
    write(root, 'src/__fixtures__/data.json', '{}');
    expect(sourceFingerprint(root)).toBe(base);
    write(root, 'src/cli/extra.ts', 'export const x = 1;\n');
    const added = sourceFingerprint(root);
    expect(added).not.toBe(base);
    rmSync(join(root, 'src/cli/extra.ts'));
    expect(sourceFingerprint(root)).toBe(base);
    // Same size, one character different.
    const text = readFileSync(join(root, 'src/cli/main.ts'), 'utf8');
    write(root, 'src/cli/main.ts', text.replace('source', 'sourcE'));
    expect(sourceFingerprint(root)).not.toBe(base);
    write(root, 'src/cli/main.ts', text);
    write(root, 'tsconfig.build.json', '{}');
    expect(sourceFingerprint(root)).not.toBe(base);
  });
});

describe('bin/arbiter.js', () => {
  it('runs the sources through tsx when dist/ has no stamp', () => {
    const root = project();
    expect(freshBuild(root)).toMatchObject({ entry: undefined });
    expect(launch(root)).toBe('source serve');
  });

  it('runs dist/ when its stamp matches the sources, and tsx once they change', () => {
    const root = project();
    stamp(root);
    expect(freshBuild(root).entry).toBe(join(root, 'dist/cli/main.js'));
    expect(launch(root)).toBe('dist serve');
    expect(launch(root, { ARBITER_FROM_SOURCE: '1' })).toBe('source serve');
    // Any source edit, even a comment, makes the build stale: the sources run.
    write(
      root,
      'src/cli/main.ts',
      `// edited\n${readFileSync(join(root, 'src/cli/main.ts'), 'utf8')}`,
    );
    expect(freshBuild(root)).toMatchObject({
      entry: undefined,
      reason: 'the sources changed since dist/ was built',
    });
    expect(launch(root)).toBe('source serve');
    // So does a new source file.
    stamp(root);
    expect(launch(root)).toBe('dist serve');
    write(root, 'src/cli/new.ts', 'export {};\n');
    expect(launch(root)).toBe('source serve');
  });

  it('runs what bin/build-dist.js built, with the .mjs files copied next to it', () => {
    const root = project();
    write(
      root,
      'src/cli/main.ts',
      readFileSync(join(root, 'src/cli/main.ts'), 'utf8').replace("'source ", "'built "),
    );
    const built = spawnSync(process.execPath, [join(root, 'bin/build-dist.js')], {
      encoding: 'utf8',
    });
    expect(built.status, built.stderr + built.stdout).toBe(0);
    expect(readFileSync(join(root, 'dist/embed/worker.mjs'), 'utf8')).toContain('worker');
    expect(freshBuild(root).entry).toBe(join(root, 'dist/cli/main.js'));
    expect(launch(root)).toBe('built serve');
  }, 60_000);

  it('leaves no stamp after a failed build: npm run build fails, prepare warns and succeeds', () => {
    const root = project();
    write(root, 'src/cli/broken.ts', 'export const n: number = "not a number";\n');
    const build = spawnSync(process.execPath, [join(root, 'bin/build-dist.js')], {
      encoding: 'utf8',
    });
    expect(build.status).toBe(1);
    expect(freshBuild(root)).toMatchObject({
      entry: undefined,
      reason: 'no finished build in dist/',
    });
    const prepare = spawnSync(process.execPath, [join(root, 'bin/build-dist.js'), '--optional'], {
      encoding: 'utf8',
    });
    expect(prepare.status).toBe(0);
    expect(prepare.stderr).toMatch(/run the TypeScript sources through tsx/u);
    expect(freshBuild(root).entry).toBeUndefined();
    expect(launch(root)).toBe('source serve');
  }, 60_000);
});
