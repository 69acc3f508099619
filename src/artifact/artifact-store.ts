/**
 * Read and write predictor artifacts: `predictor.json` ({quality, outputLength} predictor states) and
 * `manifest.json`. Loading verifies the manifest version, the predictor file's sha256, and the
 * embedder id and dimension, then restores both predictors.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errorMessage, RouterError } from '../core/index.js';
import type { OutputLengthPredictor, QualityPredictor } from '../predict/index.js';
import {
  dequantizeRows,
  outputLengthPredictorFromState,
  predictorFromState,
  quantizeRows,
  type QuantizedRows,
} from '../predict/index.js';
import type { ArtifactManifest } from './manifest.js';
import { parseManifest, PREDICTOR_FILE } from './manifest.js';

/** The manifest file inside an artifact directory. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * Reference traffic kept in the artifact (a sample of its held-out prompts): what the 0-10 knob is
 * calibrated on (router/knob.ts). Embeddings are stored as int8 rows with a per-row scale.
 */
export interface ReferenceTraffic {
  readonly embeddings: readonly Float32Array[];
  /** Prompt tokens (cl100k_base) per reference prompt. */
  readonly inputTokens: readonly number[];
  /** Source dataset per reference prompt. */
  readonly datasets: readonly string[];
}

/** A loaded artifact. */
export interface PredictorArtifact {
  readonly manifest: ArtifactManifest;
  readonly quality: QualityPredictor;
  readonly outputLength: OutputLengthPredictor;
  /** Absent in artifacts written before reference traffic existed. */
  readonly reference?: ReferenceTraffic;
}

function encodeReference(reference: ReferenceTraffic): Record<string, unknown> {
  const cols = reference.embeddings[0]?.length ?? 0;
  return {
    embeddings: quantizeRows(reference.embeddings, cols),
    inputTokens: [...reference.inputTokens],
    datasets: [...reference.datasets],
  };
}

function decodeReference(value: unknown, dimension: number, path: string): ReferenceTraffic {
  const record = (value ?? {}) as Record<string, unknown>;
  try {
    const embeddings = dequantizeRows(record['embeddings'] as QuantizedRows).map((row) =>
      Float32Array.from(row),
    );
    const inputTokens = record['inputTokens'];
    const datasets = record['datasets'];
    if (
      !Array.isArray(inputTokens) ||
      !Array.isArray(datasets) ||
      inputTokens.length !== embeddings.length ||
      datasets.length !== embeddings.length ||
      embeddings.some((row) => row.length !== dimension)
    )
      throw new Error('reference rows do not line up');
    return {
      embeddings,
      inputTokens: inputTokens.map((v) => Number(v)),
      datasets: datasets.map((v) => String(v)),
    };
  } catch (error: unknown) {
    throw new RouterError(
      'ARTIFACT_INVALID',
      `${path}: bad reference traffic: ${errorMessage(error)}`,
      {
        cause: error,
        details: { file: path },
      },
    );
  }
}

/** Options for {@link loadPredictorArtifact}. */
export interface LoadArtifactOptions {
  /** Required embedder id (e.g. the running embedder's modelId); checked when given. */
  readonly embedderId?: string;
  /** Required embedding dimension; checked when given. */
  readonly dimension?: number;
}

/** sha256 hex digest of bytes. */
export function sha256OfBytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error: unknown) {
    throw new RouterError('ARTIFACT_INVALID', `${path}: cannot read: ${errorMessage(error)}`, {
      cause: error,
      details: { file: path },
    });
  }
}

function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error: unknown) {
    throw new RouterError('ARTIFACT_INVALID', `${path}: not JSON: ${errorMessage(error)}`, {
      cause: error,
      details: { file: path },
    });
  }
}

/** Load and verify `dir/manifest.json` + its predictor file. */
export function loadPredictorArtifact(
  dir: string,
  options: LoadArtifactOptions = {},
): PredictorArtifact {
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifest = parseManifest(parseJson(readFile(manifestPath), manifestPath), manifestPath);
  const fail = (reason: string, details: Record<string, unknown> = {}): never => {
    throw new RouterError('ARTIFACT_INVALID', `${dir}: ${reason}`, {
      details: { dir, ...details },
    });
  };
  if (options.embedderId !== undefined && options.embedderId !== manifest.embedder.id) {
    fail('artifact was trained for another embedder', {
      expected: options.embedderId,
      actual: manifest.embedder.id,
    });
  }
  if (options.dimension !== undefined && options.dimension !== manifest.embedder.dimension) {
    fail('artifact has another embedding dimension', {
      expected: options.dimension,
      actual: manifest.embedder.dimension,
    });
  }
  const predictorPath = join(dir, basename(manifest.predictor.file));
  const bytes = readFile(predictorPath);
  const digest = sha256OfBytes(bytes);
  if (digest !== manifest.predictor.sha256) {
    fail('predictor file does not match the manifest sha256', {
      expected: manifest.predictor.sha256,
      actual: digest,
    });
  }
  const body = parseJson(bytes, predictorPath) as {
    quality?: unknown;
    outputLength?: unknown;
    reference?: unknown;
  } | null;
  const quality = predictorFromState(body?.quality);
  const outputLength = outputLengthPredictorFromState(body?.outputLength);
  for (const [name, state] of [
    ['quality', quality.toState()],
    ['outputLength', outputLength.toState()],
  ] as const) {
    if (state.dimension !== manifest.embedder.dimension) {
      fail(`${name} predictor dimension does not match the manifest`, {
        predictor: state.dimension,
      });
    }
  }
  if (quality.models.join('\n') !== manifest.models.join('\n'))
    fail('predictor models do not match the manifest');
  const reference =
    body?.reference === undefined
      ? undefined
      : decodeReference(body.reference, manifest.embedder.dimension, predictorPath);
  return { manifest, quality, outputLength, ...(reference === undefined ? {} : { reference }) };
}

/** Options for {@link writePredictorArtifact}. */
export interface WriteArtifactOptions {
  readonly dir: string;
  readonly quality: QualityPredictor;
  readonly outputLength: OutputLengthPredictor;
  readonly reference?: ReferenceTraffic;
  /** Manifest fields other than the predictor file block (filled in here). */
  readonly manifest: Omit<ArtifactManifest, 'predictor'>;
}

/** Write predictor.json and manifest.json (with the predictor's sha256); returns the manifest. */
export function writePredictorArtifact(options: WriteArtifactOptions): ArtifactManifest {
  mkdirSync(options.dir, { recursive: true });
  const body = `${JSON.stringify({
    quality: options.quality.toState(),
    outputLength: options.outputLength.toState(),
    ...(options.reference === undefined ? {} : { reference: encodeReference(options.reference) }),
  })}\n`;
  writeFileSync(join(options.dir, PREDICTOR_FILE), body);
  const manifest: ArtifactManifest = {
    ...options.manifest,
    predictor: {
      file: PREDICTOR_FILE,
      sha256: sha256OfBytes(body),
      kind: options.quality.kind,
      outputLengthKind: options.outputLength.kind,
    },
  };
  writeFileSync(join(options.dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
