#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx, so no build step is needed to use `arbiter`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
