/**
 * The predictor artifact a running service routes with, held in one slot whose contents are
 * replaced by a single reference assignment: a request reads the predictor, the knob and the
 * version from the same artifact (Router.route reads all three in one synchronous stretch after its
 * embedding await), and a promotion or rollback never restarts the service.
 */
import { resolve } from 'node:path';
import {
  loadPredictorArtifact,
  type ArtifactManifest,
  type PredictorArtifact,
} from '../artifact/index.js';
import type { Catalog } from '../catalog/index.js';
import {
  priorArmPredictor,
  servedKnob,
  trainedArmPredictor,
  type ArmPredictor,
  type ServedKnob,
} from '../router/index.js';

/** An artifact ready to serve. */
export interface ServedArtifact {
  /** Absolute folder it was loaded from; `prior` when routing on catalog priors. */
  readonly dir: string;
  /** Recorded with each decision: `<id>@<first 12 hex of the predictor sha256>`, or `prior`. */
  readonly version: string;
  readonly predictor: ArmPredictor;
  /** The 0-10 knob calibrated on the artifact's reference traffic. */
  readonly knob: ServedKnob;
  readonly manifest?: ArtifactManifest;
}

/** The embedder the service runs (artifacts must have been trained for it). */
export interface EmbedderIdentity {
  readonly modelId: string;
  readonly dimension: number;
}

/**
 * The arm predictor an artifact serves: its quality and output-length models, with its reference
 * prompts as the scale a prompt's hardness (reasoning tokens) is ranked on.
 */
export function artifactArmPredictor(artifact: PredictorArtifact, version: string): ArmPredictor {
  return trainedArmPredictor({
    version,
    quality: artifact.quality,
    outputLength: artifact.outputLength,
    ...(artifact.reference === undefined ? {} : { reference: artifact.reference }),
  });
}

/** The version string of an artifact: its id and the digest of its predictor file. */
export function artifactVersion(manifest: ArtifactManifest): string {
  return `${manifest.id}@${manifest.predictor.sha256.slice(0, 12)}`;
}

/** Routing on catalog tier priors (no artifact). */
export function priorServedArtifact(catalog: () => Catalog): ServedArtifact {
  const predictor = priorArmPredictor();
  return {
    dir: 'prior',
    version: predictor.version,
    predictor,
    knob: servedKnob({ catalog, predictor }),
  };
}

/**
 * Load and verify `dir` (manifest, predictor sha256, embedder id and dimension): ARTIFACT_INVALID
 * when it cannot serve with this embedder.
 */
export function loadServedArtifact(
  dir: string,
  options: { readonly embedder: EmbedderIdentity; readonly catalog: () => Catalog },
): ServedArtifact {
  const artifact = loadPredictorArtifact(dir, {
    embedderId: options.embedder.modelId,
    dimension: options.embedder.dimension,
  });
  const version = artifactVersion(artifact.manifest);
  const predictor = artifactArmPredictor(artifact, version);
  return {
    dir: resolve(dir),
    version,
    predictor,
    knob: servedKnob({
      catalog: options.catalog,
      predictor,
      ...(artifact.reference === undefined ? {} : { reference: artifact.reference }),
    }),
    manifest: artifact.manifest,
  };
}

/** The served artifact, swapped atomically. */
export class ArtifactSlot {
  private served: ServedArtifact;

  /** What the router holds: every call goes to the artifact in the slot at that moment. */
  readonly predictor: ArmPredictor;

  constructor(initial: ServedArtifact) {
    this.served = initial;
    const current = (): ServedArtifact => this.served;
    this.predictor = {
      get version() {
        return current().version;
      },
      get dimension() {
        return current().predictor.dimension;
      },
      estimate: (embedding, models) => current().predictor.estimate(embedding, models),
    };
  }

  /** The artifact serving now. */
  get current(): ServedArtifact {
    return this.served;
  }

  /** The served knob: willingness to pay for a slider value, from the artifact serving now. */
  readonly willingness = (slider: number): number => this.served.knob.willingness(slider);

  /** The served knob's quality floor for a slider value, from the artifact serving now. */
  readonly qualityFloor = (slider: number): number => this.served.knob.qualityFloor(slider);

  /** Serve `next` from the next request on; returns the artifact it replaced. */
  swap(next: ServedArtifact): ServedArtifact {
    const previous = this.served;
    this.served = next;
    return previous;
  }
}
