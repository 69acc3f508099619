import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRouterError } from '../core/index.js';
import type { TrainingSet } from '../predict/index.js';
import { fitLogisticPredictor, fitOutputLengthPredictor } from '../predict/index.js';
import { loadPredictorArtifact, MANIFEST_FILE, writePredictorArtifact } from './artifact-store.js';
import { ARTIFACT_MANIFEST_VERSION, PREDICTOR_FILE } from './manifest.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeArtifact(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-artifact-'));
  dirs.push(dir);
  const set: TrainingSet = {
    models: ['a', 'b'],
    embeddings: [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(0.6, 0.8)],
    quality: [Float64Array.of(1, 0), Float64Array.of(0, 1), Float64Array.of(1, Number.NaN)],
    outputTokens: [
      Float64Array.of(10, 20),
      Float64Array.of(30, Number.NaN),
      Float64Array.of(50, 60),
    ],
  };
  writePredictorArtifact({
    dir,
    quality: fitLogisticPredictor(set),
    outputLength: fitOutputLengthPredictor(set),
    manifest: {
      id: 'test',
      version: ARTIFACT_MANIFEST_VERSION,
      embedder: { id: 'hash-2', dimension: 2 },
      models: ['a', 'b'],
      trainedOn: { datasets: ['synthetic'], files: [] },
      split: {},
      seed: 0,
      hyperparameters: {},
      metrics: {},
      createdBy: 'test',
      createdAt: '2026-01-01T00:00:00.000Z',
      gitCommit: 'unknown',
      trainingSeconds: 0,
    },
  });
  return dir;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error: unknown) {
    return isRouterError(error) ? error.code : 'not a RouterError';
  }
  return undefined;
}

describe('predictor artifacts', () => {
  it('round-trips: the loaded predictors predict like the written ones', () => {
    const dir = writeArtifact();
    const artifact = loadPredictorArtifact(dir, { embedderId: 'hash-2', dimension: 2 });
    expect(artifact.manifest.id).toBe('test');
    expect(artifact.quality.models).toEqual(['a', 'b']);
    const [row] = artifact.quality.predict([Float32Array.of(1, 0)]);
    expect(row?.[0]).toBeGreaterThan(0.5);
    expect(artifact.outputLength.predict([Float32Array.of(1, 0)])[0]?.[1]).toBeCloseTo(40, 6);
  });

  it('rejects another embedder, another dimension, a tampered predictor and a newer manifest', () => {
    const dir = writeArtifact();
    expect(codeOf(() => loadPredictorArtifact(dir, { embedderId: 'use-lite@0.2.0' }))).toBe(
      'ARTIFACT_INVALID',
    );
    expect(codeOf(() => loadPredictorArtifact(dir, { dimension: 512 }))).toBe('ARTIFACT_INVALID');
    const predictorPath = join(dir, PREDICTOR_FILE);
    writeFileSync(predictorPath, `${readFileSync(predictorPath, 'utf8')} `);
    expect(codeOf(() => loadPredictorArtifact(dir))).toBe('ARTIFACT_INVALID');
    const other = writeArtifact();
    const manifestPath = join(other, MANIFEST_FILE);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, version: 99 }));
    expect(codeOf(() => loadPredictorArtifact(other))).toBe('ARTIFACT_INVALID');
    expect(codeOf(() => loadPredictorArtifact(join(other, 'missing')))).toBe('ARTIFACT_INVALID');
  });
});
