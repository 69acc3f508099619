/**
 * Train one joint-model variant on the four permissive sets and write it into a copy of an artifact
 * (output length and knob reference kept), for routing checks on training/dev prompts and suites.
 * Usage: npx tsx training/experiments/irt-variant.mts out=/tmp/art scales=task|dataset|none k=4 members=2
 */
import { cpSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fitIrtPredictor } from '../../src/predict/irt-predictor.js';
import { trainingSetFromDatasets } from '../../src/predict/index.js';
import { datasetBalanceWeights, labelScales } from '../../src/predict/training-set.js';
import { sha256OfBytes } from '../../src/artifact/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { publicModelFacts } from '../../src/bench/public-facts.js';
import { loadEmbedded } from './lib.js';

const args: Record<string, string | undefined> = Object.fromEntries(
  process.argv.slice(2).map((a) => a.split('=') as [string, string]),
);
const num = (k: string, d: number): number => (args[k] === undefined ? d : Number(args[k]));
const out = args['out'] ?? '/tmp/art';
const datasets = (args['datasets'] ?? 'mmlu,gsm8k,routerbench,llmrouter').split(',');
const parts = [];
for (const name of datasets) parts.push(await loadEmbedded(name, true));
const merged = trainingSetFromDatasets(parts);
let set = merged;
const extraDatasets: string[] = [];
if (args['everyday'] !== undefined) {
  const { createEmbedder } = await import('../../src/cli/create-embedder.js');
  const { EmbeddingCache } = await import('../../src/data/index.js');
  const embedder = await createEmbedder({
    embedder: 'use-lite',
    stateDir: '/tmp/arb-state',
  } as never);
  const cache = EmbeddingCache.open(embedder, { quiet: true });
  const { loadEveryday } = await import('../../src/data/everyday.js');
  const rows = loadEveryday().prompts;
  const vecs = await cache.embed(rows.map((r) => r.text));
  await embedder.close();
  const level = Number(args['everyday']);
  set = {
    ...merged,
    embeddings: [...merged.embeddings, ...vecs],
    quality: [
      ...merged.quality,
      ...vecs.map(() => new Float64Array(merged.models.length).fill(level)),
    ],
    outputTokens: [
      ...(merged.outputTokens ?? []),
      ...vecs.map(() => new Float64Array(merged.models.length).fill(Number.NaN)),
    ],
    datasets: [...merged.datasets, ...vecs.map(() => 'everyday')],
    groups: [...merged.groups, ...vecs.map(() => 'everyday/all')],
  };
  extraDatasets.push('everyday');
}
const facts = publicModelFacts(loadCatalog());
const scales = args['scales'] ?? 'task';
const rowDatasets = (
  scales === 'task'
    ? labelScales(set.datasets, set.groups)
    : scales === 'dataset'
      ? [...set.datasets]
      : undefined
)?.map((name) => (extraDatasets.includes(name) ? '' : name));
const t0 = performance.now();
const irt = fitIrtPredictor(set, {
  latentDimension: num('k', 4),
  members: num('members', 2),
  epochs: num('epochs', 20),
  rowWeights: datasetBalanceWeights(set.datasets, num('balance', 0.5)).map((w, i) =>
    set.datasets[i] === 'everyday' ? w * num('everydayWeight', 1) : w,
  ),
  ...(rowDatasets ? { rowDatasets, l2Offset: num('l2o', 1e-2) } : {}),
  l2Difficulty: num('l2d', 1e-4),
  l2Discrimination: num('l2r', 1e-2),
  itemDiscrimination: args['itemdisc'] === '1',
  publicScores: facts.publicScores,
  modelTiers: facts.modelTiers,
  seed: num('seed', 0),
});
console.error(`fit in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const { ability, discrimination } = irt.parameters();
set.models.forEach((m, j) =>
  console.error(`${m.padEnd(44)} a=${ability[j]?.toFixed(2)} s=${discrimination[j]?.toFixed(2)}`),
);
mkdirSync(out, { recursive: true });
cpSync(args['from'] ?? 'models/default', out, { recursive: true });
const predictor = JSON.parse(readFileSync(join(out, 'predictor.json'), 'utf8')) as Record<
  string,
  unknown
>;
predictor['quality'] = irt.toState();
const body = JSON.stringify(predictor);
writeFileSync(join(out, 'predictor.json'), body);
const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
  predictor: { sha256: string };
};
manifest.predictor.sha256 = sha256OfBytes(body);
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
console.error(`wrote ${out}`);
