import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRouterError } from '../core/index.js';
import { runEmbedderConformance } from './embedder.case.js';
import type { Embedder } from './embedder.js';
import { DEFAULT_STATIC_MODEL_PATH, createTransformersEmbedder } from './transformers-embedder.js';
import { similarityFidelity } from './transformers-embedder.fidelity.js';
import { HELD_OUT_PROMPTS, HELD_OUT_TOPIC_SIZE } from './transformers-embedder.fixture.js';
import { createUseLiteEmbedder } from './use-lite-embedder.js';

const MODEL = DEFAULT_STATIC_MODEL_PATH;

runEmbedderConformance('transformers.js (static-use-lite)', () =>
  createTransformersEmbedder({ modelPath: MODEL }),
);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    return isRouterError(error) ? error.code : `not a RouterError: ${String(error)}`;
  }
  return 'resolved';
}

describe('createTransformersEmbedder: loading', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'arbiter-embedder-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  async function copyModel(name: string): Promise<string> {
    const folder = path.join(scratch, name);
    await cp(MODEL, folder, { recursive: true });
    return folder;
  }

  async function editManifest(folder: string, edit: Record<string, unknown>): Promise<void> {
    const file = path.join(folder, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...manifest, ...edit }));
  }

  it('gives EMBEDDER_UNAVAILABLE for a missing folder (no download attempted)', async () => {
    expect(
      await codeOf(createTransformersEmbedder({ modelPath: path.join(scratch, 'nope') })),
    ).toBe('EMBEDDER_UNAVAILABLE');
    // A Hub id is only a folder name unless remote loading is opted into.
    expect(await codeOf(createTransformersEmbedder({ modelPath: 'Xenova/all-MiniLM-L6-v2' }))).toBe(
      'EMBEDDER_UNAVAILABLE',
    );
  });

  it('gives ARTIFACT_INVALID when the manifest sha256 does not match model.onnx', async () => {
    const folder = await copyModel('bad-sha');
    await editManifest(folder, { sha256: '0'.repeat(64) });
    expect(await codeOf(createTransformersEmbedder({ modelPath: folder }))).toBe(
      'ARTIFACT_INVALID',
    );
  });

  it('gives ARTIFACT_INVALID when the manifest dimension does not match the output', async () => {
    const folder = await copyModel('bad-dimension');
    await editManifest(folder, { dimension: 300 });
    expect(await codeOf(createTransformersEmbedder({ modelPath: folder }))).toBe(
      'ARTIFACT_INVALID',
    );
  });

  it('gives ARTIFACT_INVALID for a malformed manifest', async () => {
    const folder = await copyModel('bad-json');
    await writeFile(path.join(folder, 'manifest.json'), '{ not json');
    expect(await codeOf(createTransformersEmbedder({ modelPath: folder }))).toBe(
      'ARTIFACT_INVALID',
    );
  });

  it('gives EMBEDDER_UNAVAILABLE when the ONNX file is not a model', async () => {
    const folder = await copyModel('bad-onnx');
    await rm(path.join(folder, 'manifest.json'));
    await writeFile(path.join(folder, 'onnx', 'model.onnx'), 'not a protobuf');
    expect(await codeOf(createTransformersEmbedder({ modelPath: folder }))).toBe(
      'EMBEDDER_UNAVAILABLE',
    );
  });

  it('loads a folder without a manifest and names it after the folder', async () => {
    const folder = await copyModel('no-manifest');
    await rm(path.join(folder, 'manifest.json'));
    const embedder = await createTransformersEmbedder({ modelPath: folder });
    expect(embedder.modelId).toBe('transformers:no-manifest');
    expect(embedder.dimension).toBe(128);
    await embedder.close();
  });
});

describe('TransformersEmbedder on static-use-lite', () => {
  let embedder: Embedder;

  beforeAll(async () => {
    embedder = await createTransformersEmbedder({ modelPath: MODEL, batchSize: 2 });
  });
  afterAll(async () => {
    await embedder.close();
  });

  it('reports the manifest id and dimension', () => {
    expect(embedder.modelId).toBe('static-use-lite@1.0.0');
    expect(embedder.dimension).toBe(128);
  });

  it('gives the same rows whatever the batch size and padding', async () => {
    const texts = HELD_OUT_PROMPTS.slice(0, 5);
    const batched = await embedder.embed(texts);
    const single = await Promise.all(texts.map(async (text) => (await embedder.embed([text]))[0]));
    batched.forEach((row, i) => {
      const other = single[i] as Float32Array;
      row.forEach((value, k) => expect(value).toBeCloseTo(other[k] ?? Number.NaN, 5));
    });
  });

  it('matches the transformers.js feature-extraction pipeline with mean pooling', async () => {
    const { pipeline } = await import('@huggingface/transformers');
    const extractor = await pipeline('feature-extraction', MODEL, {
      local_files_only: true,
      dtype: 'fp32',
    });
    const texts = HELD_OUT_PROMPTS.slice(10, 13);
    const expected = (
      await extractor([...texts], { pooling: 'mean', normalize: true })
    ).tolist() as number[][];
    const rows = await embedder.embed(texts);
    rows.forEach((row, i) => {
      row.forEach((value, k) => expect(value).toBeCloseTo(expected[i]?.[k] ?? Number.NaN, 5));
    });
    await extractor.dispose();
  });
});

describe('static-use-lite distillation fidelity (held-out prompts)', () => {
  it('keeps USE-Lite similarity structure and topic neighbourhoods', async () => {
    const [teacher, student] = await Promise.all([
      createUseLiteEmbedder(),
      createTransformersEmbedder({ modelPath: MODEL }),
    ]);
    const teacherRows = await teacher.embed(HELD_OUT_PROMPTS);
    const studentRows = await student.embed(HELD_OUT_PROMPTS);
    await Promise.all([teacher.close(), student.close()]);

    // Pearson r of the 1,225 pairwise cosines; measured 0.5x at build time (see benchmarks/results/embed.md).
    const fidelity = similarityFidelity(teacherRows, studentRows);
    console.info(
      `static-use-lite fidelity vs USE-Lite on ${HELD_OUT_PROMPTS.length} held-out prompts: ${fidelity.toFixed(4)}`,
    );
    expect(fidelity).toBeGreaterThan(0.4);

    // Nearest neighbour (by cosine) in the same topic: chance is 4/49 ≈ 0.08.
    const studentHits = sameTopicNeighbours(studentRows);
    const teacherHits = sameTopicNeighbours(teacherRows);
    console.info(
      `same-topic nearest neighbour: static ${studentHits}/${HELD_OUT_PROMPTS.length}, USE-Lite ${teacherHits}/${HELD_OUT_PROMPTS.length}`,
    );
    expect(studentHits / HELD_OUT_PROMPTS.length).toBeGreaterThan(0.25);
  });
});

function sameTopicNeighbours(rows: readonly Float32Array[]): number {
  return rows.filter((row, i) => {
    let best = -1;
    let bestScore = -Infinity;
    rows.forEach((other, j) => {
      if (j === i) return;
      const score = row.reduce((sum, value, k) => sum + value * (other[k] ?? 0), 0);
      if (score > bestScore) [best, bestScore] = [j, score];
    });
    return Math.floor(best / HELD_OUT_TOPIC_SIZE) === Math.floor(i / HELD_OUT_TOPIC_SIZE);
  }).length;
}
