/**
 * The manifest of a trained predictor artifact (`models/<name>/manifest.json`): what was trained, on
 * which files (sha256), with which embedder, and how well it scored on its held-out split.
 */
import { RouterError } from '../core/index.js';

/** Manifest format version. */
export const ARTIFACT_MANIFEST_VERSION = 1;

/** The predictor file inside an artifact directory. */
export const PREDICTOR_FILE = 'predictor.json';

/** One training data file and its digest. */
export interface ArtifactDataFile {
  /** Path relative to the data directory. */
  readonly path: string;
  readonly sha256: string;
}

/** The artifact manifest (JSON). */
export interface ArtifactManifest {
  /** Artifact name, e.g. `default`. */
  readonly id: string;
  readonly version: number;
  /** Embedder the predictor expects; queries must come from the same one. */
  readonly embedder: { readonly id: string; readonly dimension: number };
  /** The predictor file, its sha256, and the predictor kinds inside. */
  readonly predictor: {
    readonly file: string;
    readonly sha256: string;
    readonly kind: string;
    readonly outputLengthKind: string;
  };
  /** Catalog model ids the predictor scores. */
  readonly models: readonly string[];
  /** Datasets and files trained on. */
  readonly trainedOn: {
    readonly datasets: readonly string[];
    readonly files: readonly ArtifactDataFile[];
  };
  /** How rows were split between training and held-out evaluation. */
  readonly split: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  /** Held-out scores (Brier, ECE, log-loss, AUC), overall and per dataset. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** The command that produced the artifact. */
  readonly createdBy: string;
  /** ISO time of creation. */
  readonly createdAt: string;
  /** `git rev-parse HEAD` at training time (and whether the tree was dirty). */
  readonly gitCommit: string;
  readonly trainingSeconds: number;
}

/** Parse and check a manifest object; ARTIFACT_INVALID when a required field is missing. */
export function parseManifest(value: unknown, source: string): ArtifactManifest {
  const fail = (reason: string): never => {
    throw new RouterError('ARTIFACT_INVALID', `${source}: ${reason}`, {
      details: { file: source },
    });
  };
  if (typeof value !== 'object' || value === null) return fail('manifest must be an object');
  const m = value as Record<string, unknown>;
  if (m.version !== ARTIFACT_MANIFEST_VERSION)
    return fail(`unsupported manifest version ${String(m.version)}`);
  if (typeof m.id !== 'string') return fail('id must be a string');
  const embedder = m.embedder as Record<string, unknown> | undefined;
  if (typeof embedder?.id !== 'string' || typeof embedder.dimension !== 'number') {
    return fail('embedder {id, dimension} is required');
  }
  const predictor = m.predictor as Record<string, unknown> | undefined;
  if (typeof predictor?.file !== 'string' || typeof predictor.sha256 !== 'string') {
    return fail('predictor {file, sha256} is required');
  }
  if (!Array.isArray(m.models) || !m.models.every((x) => typeof x === 'string'))
    return fail('models must be strings');
  return value as ArtifactManifest;
}
