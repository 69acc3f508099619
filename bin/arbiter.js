#!/usr/bin/env node
// Launcher. Runs the compiled CLI from dist/ when that build matches the sources exactly (see
// dist-stamp.js: `npm run build`, also run by `npm install` / `npm ci` through `prepare`), which
// starts faster and holds about 40 MB less than compiling on the fly. Otherwise (no build, a failed
// one, or any source changed since) it runs the TypeScript sources through tsx, so no build step is
// ever needed and a stale build is never run. ARBITER_FROM_SOURCE=1 forces the sources.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBuild } from './dist-stamp.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const build = process.env.ARBITER_FROM_SOURCE === '1' ? undefined : freshBuild(root).entry;
let main;
if (build === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import(pathToFileURL(build).href));
}
process.exitCode = await main(process.argv.slice(2));
