// Builds the USE-Lite ONNX graph in a process of its own and writes it to the file named by argv[2]
// (see buildInChild in onnx-use-lite-cache.ts). argv[3] is the URL of the module that builds it:
// the compiled .js, or the TypeScript source, loaded through tsx as bin/arbiter.js does.
import { writeFile } from 'node:fs/promises';
import process from 'node:process';

const [out, moduleUrl] = process.argv.slice(2);
if (out === undefined || moduleUrl === undefined) {
  process.stderr.write('usage: onnx-use-lite-build-child.mjs OUT_FILE MODULE_URL\n');
  process.exit(2);
}
if (moduleUrl.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { buildUseLiteGraphBytes } = await import(moduleUrl);
await writeFile(out, await buildUseLiteGraphBytes());
