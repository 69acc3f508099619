#!/usr/bin/env node
// Build the CLI into dist/ (tsc -p tsconfig.build.json, plus the .mjs workers and the dashboard's
// static files the compiled code loads next to itself), then stamp it with the fingerprint of the
// sources it was built from. The stamp is removed first and written last, so an unfinished or failed
// build is never run by bin/arbiter.js; the fingerprint is taken before compiling, so a source edited
// during the build makes it stale too.
//
//   node bin/build-dist.js              (npm run build) fails on a compile error
//   node bin/build-dist.js --optional   (npm's prepare) warns instead and leaves no stamp: the CLI
//                                       then runs the sources through tsx
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST_DIR, STAMP_FILE, isBuildInput, sourceFingerprint } from './dist-stamp.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const optional = process.argv.includes('--optional');

function fail(message) {
  process.stderr.write(
    optional
      ? `arbiter: ${message}; the CLI will run the TypeScript sources through tsx\n`
      : `build failed: ${message}\n`,
  );
  process.exit(optional ? 0 : 1);
}

/** Files under src/ the compiled code reads at run time but tsc does not emit (workers, dashboard). */
function runtimeAssets(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__') found.push(...runtimeAssets(path));
    } else if (/\.(mjs|js|css|html)$/u.test(entry.name) && isBuildInput(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

const fingerprint = sourceFingerprint(root);
rmSync(join(root, DIST_DIR), { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  fail('typescript is not installed (dev dependencies omitted), so dist/ was not built');
}
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});
if (compiled.status !== 0) fail(`tsc exited with ${compiled.status ?? compiled.signal}`);
const src = join(root, 'src');
for (const asset of runtimeAssets(src)) {
  const target = join(root, DIST_DIR, relative(src, asset));
  mkdirSync(dirname(target), { recursive: true });
  cpSync(asset, target);
}
writeFileSync(join(root, STAMP_FILE), `${fingerprint}\n`);
