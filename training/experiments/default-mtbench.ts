/**
 * Route MT-Bench with the shipped default artifact (loaded and verified like the service does):
 * score = 1 - P(Mixtral succeeds). Note the default artifact trains on MMLU + GSM8K + RouterBench +
 * LLMRouter, never on MT-Bench.
 *
 *   npx tsx training/experiments/default-mtbench.ts [models/default]
 */
import { loadPredictorArtifact } from '../../src/artifact/index.js';
import { apgr, loadEmbedded } from './lib.js';

const dir = process.argv[2] ?? 'models/default';
const artifact = loadPredictorArtifact(dir, { embedderId: 'use-lite@0.2.0', dimension: 512 });
const mt = await loadEmbedded('mt-bench');
const [weakId, strongId] = mt.dataset.models as [string, string];
const weak = artifact.quality.models.indexOf(weakId);
const predicted = artifact.quality.predict(mt.embeddings);
const result = apgr({
  scores: predicted.map((row) => 1 - (row[weak] ?? 0)),
  strong: mt.dataset.prompts.map((p) => p.rawScore?.[1] ?? Number.NaN),
  weak: mt.dataset.prompts.map((p) => p.rawScore?.[0] ?? Number.NaN),
});
const tokens = artifact.outputLength.predict(mt.embeddings.slice(0, 1))[0] ?? [];
console.log(
  `${dir} (${artifact.quality.kind}, ${weakId} vs ${strongId}): MT-Bench APGR ${result.apgr.toFixed(4)}, ` +
    `CPT(50%) ${(100 * result.cpt50).toFixed(1)}%, CPT(80%) ${(100 * result.cpt80).toFixed(1)}%`,
);
console.log(
  `expected output tokens for the first MT-Bench prompt: ${artifact.quality.models
    .map((m, i) => `${m}=${Math.round(tokens[i] ?? 0)}`)
    .slice(0, 4)
    .join(', ')} ...`,
);
