import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import type { ArmPredictor } from '../router/index.js';
import { servedKnob } from '../router/index.js';
import { ArtifactSlot, priorServedArtifact, type ServedArtifact } from './served-artifact.js';

const catalog = loadCatalog();

function artifact(version: string, quality: number): ServedArtifact {
  const predictor: ArmPredictor = {
    version,
    dimension: 4,
    estimate: (_embedding, models) =>
      models.map(() => ({ quality, outputTokens: 10, source: 'predictor' as const })),
  };
  return {
    dir: `/tmp/${version}`,
    version,
    predictor,
    knob: servedKnob({ catalog: () => catalog, predictor }),
  };
}

describe('ArtifactSlot', () => {
  it('serves predictions, version and knob from the artifact in the slot, swapped in one assignment', () => {
    const slot = new ArtifactSlot(artifact('a@1', 0.2));
    const held = slot.predictor;
    const model = catalog.models.slice(0, 1);
    expect(held.version).toBe('a@1');
    expect(held.estimate(new Float32Array(4), model)[0]?.quality).toBe(0.2);
    const previous = slot.swap(artifact('b@1', 0.7));
    expect(previous.version).toBe('a@1');
    // The reference the router holds follows the swap.
    expect(held.version).toBe('b@1');
    expect(held.estimate(new Float32Array(4), model)[0]?.quality).toBe(0.7);
    expect(slot.current.dir).toBe('/tmp/b@1');
    expect(slot.willingness(5)).toBeGreaterThan(0);
  });

  it('routes on priors without an artifact', () => {
    const prior = priorServedArtifact(() => catalog);
    expect(prior.version).toBe('prior');
    expect(prior.dir).toBe('prior');
  });
});
