import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPredictorArtifact } from '../artifact/index.js';
import { hasDataDir, resolveDataDir } from '../data/data-dir.js';
import { loadDataset } from '../data/registry.js';
import type { Embedder } from './embedder.js';
import { createOnnxUseLiteEmbedder } from './onnx-use-lite-embedder.js';
import { TEST_STATE_DIR } from './onnx-use-lite-parity.fixture.js';
import { createUseLiteEmbedder } from './use-lite-embedder.js';

const present = hasDataDir();
if (!present) {
  console.warn(
    `shared data not found at ${resolveDataDir()} (set ARBITER_DATA_DIR); skipping the 1,000-prompt USE-Lite ONNX parity test`,
  );
}

/** 1,000 real prompts of mixed length: evenly spaced picks from every shared routing dataset. */
function realPrompts(): string[] {
  const picks: [string, number][] = [
    ['mt-bench', 72],
    ['gsm8k', 200],
    ['mmlu', 250],
    ['routerbench/arc_challenge', 100],
    ['routerbench/mbpp', 100],
    ['routerbench/winograde', 100],
    ['llmrouter', 178],
  ];
  return picks.flatMap(([name, count]) => {
    const prompts = loadDataset(name).prompts;
    const stride = prompts.length / count;
    return Array.from({ length: count }, (_, i) => prompts[Math.floor(i * stride)]?.text ?? '');
  });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] ?? 0) > (values[best] ?? 0)) best = i;
  return best;
}

describe.skipIf(!present)('USE-Lite ONNX parity on 1,000 real prompts', () => {
  let onnx: Embedder;
  let tfjs: Embedder;
  let texts: string[];
  let reference: Float32Array[];
  let candidate: Float32Array[];
  beforeAll(async () => {
    texts = realPrompts();
    [onnx, tfjs] = await Promise.all([
      createOnnxUseLiteEmbedder({ stateDir: TEST_STATE_DIR }),
      createUseLiteEmbedder(),
    ]);
    reference = await tfjs.embed(texts);
    candidate = await onnx.embed(texts);
  }, 600_000);
  afterAll(async () => {
    await Promise.all([onnx.close(), tfjs.close()]);
  });

  it('has cosine >= 0.9999 with the tfjs model on every prompt', () => {
    expect(texts).toHaveLength(1000);
    const cosines = texts.map((_, i) =>
      cosine(candidate[i] as Float32Array, reference[i] as Float32Array),
    );
    const lengths = texts.map((text) => text.length).sort((a, b) => a - b);
    console.log(
      `USE-Lite ONNX parity: 1 - min cosine ${(1 - Math.min(...cosines)).toExponential(2)}, 1 - mean ${(
        1 -
        cosines.reduce((s, c) => s + c, 0) / cosines.length
      ).toExponential(2)}; prompt chars p10/p50/p90/max ${[0.1, 0.5, 0.9, 1]
        .map((q) => lengths[Math.min(lengths.length - 1, Math.floor(q * lengths.length))])
        .join('/')}`,
    );
    expect(Math.min(...cosines)).toBeGreaterThanOrEqual(0.9999);
  });

  it('gives the default artifact the same best model on every prompt', () => {
    const artifactDir = fileURLToPath(new URL('../../models/default', import.meta.url));
    const { quality } = loadPredictorArtifact(artifactDir, {
      embedderId: onnx.modelId,
      dimension: 512,
    });
    const expected = quality.predict(reference);
    const actual = quality.predict(candidate);
    let maxDelta = 0;
    let same = 0;
    expected.forEach((row, i) => {
      const other = actual[i] as Float64Array;
      row.forEach((q, m) => (maxDelta = Math.max(maxDelta, Math.abs(q - (other[m] ?? 0)))));
      if (argmax(row) === argmax(other)) same += 1;
    });
    console.log(
      `default artifact: ${same}/1000 identical best model, max |Δ quality| ${maxDelta.toExponential(2)}`,
    );
    expect(same).toBe(1000);
    expect(maxDelta).toBeLessThan(1e-3);
  });
});
