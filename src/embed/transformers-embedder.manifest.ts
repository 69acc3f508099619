import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RouterError, errorMessage } from '../core/index.js';

/** File name of the manifest an embedding model folder may carry. */
export const EMBEDDER_MANIFEST_FILE = 'manifest.json';

/** Model file checked when the manifest does not name one. */
export const DEFAULT_EMBEDDER_MODEL_FILE = 'onnx/model.onnx';

/**
 * The fields of `manifest.json` the loader checks; other fields (provenance, metrics) are kept as
 * written. See models/static-use-lite/manifest.json for a complete example.
 */
export interface EmbedderManifest {
  /** Artifact id, e.g. `static-use-lite`. */
  readonly id: string;
  /** Artifact version (semver). */
  readonly version: string;
  /** Length of the vectors the model returns. */
  readonly dimension: number;
  /** Lower-case hex SHA-256 of {@link EmbedderManifest.file}. */
  readonly sha256: string;
  /** Model file, relative to the folder. @default 'onnx/model.onnx' */
  readonly file: string;
}

/**
 * Read `<folder>/manifest.json` if it exists and verify the model file's SHA-256 against it.
 * Returns `undefined` when there is no manifest. Throws ARTIFACT_INVALID on a malformed manifest, a
 * missing model file, or a checksum mismatch.
 */
export async function verifyEmbedderManifest(
  folder: string,
): Promise<EmbedderManifest | undefined> {
  const manifestPath = path.join(folder, EMBEDDER_MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error: unknown) {
    if (isNotFound(error)) return undefined;
    throw invalid(`cannot read ${manifestPath}: ${errorMessage(error)}`, manifestPath, error);
  }
  const manifest = parseManifest(text, manifestPath);
  const modelFile = path.join(folder, manifest.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(modelFile);
  } catch (error: unknown) {
    throw invalid(`model file named by the manifest is unreadable: ${modelFile}`, modelFile, error);
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== manifest.sha256) {
    throw new RouterError('ARTIFACT_INVALID', `sha256 mismatch for ${modelFile}`, {
      details: { file: modelFile, expected: manifest.sha256, actual },
    });
  }
  return manifest;
}

function parseManifest(text: string, manifestPath: string): EmbedderManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error: unknown) {
    throw invalid(`${manifestPath} is not valid JSON`, manifestPath, error);
  }
  if (typeof raw !== 'object' || raw === null)
    throw invalid(`${manifestPath} is not an object`, manifestPath);
  const record = raw as Record<string, unknown>;
  const { id, version, dimension, sha256, file } = record;
  if (typeof id !== 'string' || id.length === 0)
    throw invalid(`${manifestPath}: id must be a string`, manifestPath);
  if (typeof version !== 'string')
    throw invalid(`${manifestPath}: version must be a string`, manifestPath);
  if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension <= 0) {
    throw invalid(`${manifestPath}: dimension must be a positive integer`, manifestPath);
  }
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/u.test(sha256)) {
    throw invalid(`${manifestPath}: sha256 must be 64 lower-case hex digits`, manifestPath);
  }
  if (
    file !== undefined &&
    (typeof file !== 'string' || path.isAbsolute(file) || file.includes('..'))
  ) {
    throw invalid(`${manifestPath}: file must be a relative path inside the folder`, manifestPath);
  }
  return { id, version, dimension, sha256, file: file ?? DEFAULT_EMBEDDER_MODEL_FILE };
}

function invalid(message: string, file: string, cause?: unknown): RouterError {
  return new RouterError('ARTIFACT_INVALID', message, { cause, details: { file } });
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}
