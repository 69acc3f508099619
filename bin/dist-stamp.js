// Whether the compiled CLI under dist/ was built from the sources as they are now. The build
// (bin/build-dist.js) writes a fingerprint of its inputs next to its output; the launcher
// (bin/arbiter.js) runs dist/ only when the fingerprint of the current sources equals it, so a build
// older than any source edit, file added or file removed is never run: the launcher falls back to
// the TypeScript sources through tsx.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Where the build writes its output, relative to the repository root. */
export const DIST_DIR = 'dist';
/** The fingerprint of the sources a build was made from (written last, only by a build that succeeded). */
export const STAMP_FILE = join(DIST_DIR, '.source-fingerprint');
/** The CLI entry point in the build. */
export const DIST_ENTRY = join(DIST_DIR, 'cli', 'main.js');

/**
 * Whether a file under src/ goes into the build: everything but tests and fixtures, which
 * tsconfig.build.json excludes (so editing a test does not make the build stale).
 */
export function isBuildInput(name) {
  return !name.endsWith('.test.ts') && !name.endsWith('.case.ts') && !name.includes('.fixture.');
}

/** Every file the build reads: src/ but tests and fixtures (byte for byte), and the tsconfig files. */
function inputFiles(root) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__fixtures__') walk(path);
      } else if (isBuildInput(entry.name)) files.push(path);
    }
  };
  walk(join(root, 'src'));
  files.push(join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json'));
  return files.map((file) => relative(root, file).split(sep).join('/')).sort();
}

/**
 * SHA-256 over the path and content of every build input, in path order (about 270 files, 1.6 MB:
 * 20-30 ms on an idle machine). A missing input hashes as absent, so deleting a file changes it too.
 */
export function sourceFingerprint(root) {
  const hash = createHash('sha256');
  for (const file of inputFiles(root)) {
    const path = join(root, file);
    hash.update(`${file}\0`);
    hash.update(existsSync(path) ? readFileSync(path) : '\u0000absent');
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * The compiled entry point when dist/ holds a finished build of exactly the current sources;
 * otherwise undefined with the reason (no build, an unfinished or failed one, or sources changed
 * since).
 */
export function freshBuild(root) {
  const stampPath = join(root, STAMP_FILE);
  if (!existsSync(stampPath)) return { entry: undefined, reason: 'no finished build in dist/' };
  const entry = join(root, DIST_ENTRY);
  if (!existsSync(entry)) return { entry: undefined, reason: `${DIST_ENTRY} is missing` };
  const stamped = readFileSync(stampPath, 'utf8').trim();
  if (stamped !== sourceFingerprint(root)) {
    return { entry: undefined, reason: 'the sources changed since dist/ was built' };
  }
  return { entry, reason: 'dist/ matches the sources' };
}
