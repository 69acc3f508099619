/**
 * Joint IRT quality model: MT-Bench transfer (train on the permissive sets, never MT-Bench) and
 * grouped CV on the training sets. Usage: npx tsx training/experiments/irt-mtbench.ts [key=value ...]
 */
import { fitIrtPredictor } from '../../src/predict/irt-predictor.js';
import { trainingSetFromDatasets, fitLogisticPredictor } from '../../src/predict/index.js';
import { apgr, loadEmbedded, loadMtBench, mtBenchServedApgr, seconds } from './lib.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { publicModelFacts } from '../../src/bench/public-facts.js';

const args: Record<string, string | undefined> = Object.fromEntries(
  process.argv.slice(2).map((a) => a.split('=') as [string, string]),
);
const num = (k: string, d: number): number => (args[k] === undefined ? d : Number(args[k]));
const datasets = (args['datasets'] ?? 'mmlu,gsm8k,routerbench,llmrouter').split(',');
const LC: Record<string, number> = {
  'openai/gpt-4-1106-preview': 50.0,
  'openai/gpt-3.5-turbo-1106': 19.3,
  'anthropic/claude-v2': 28.16,
  'anthropic/claude-v1': 27.29,
  'anthropic/claude-instant-v1': 25.61,
  'meta/llama-2-70b-chat': 14.69,
  'mistralai/mixtral-8x7b-instruct-v0.1': 23.69,
  'zero-one-ai/yi-34b-chat': 27.19,
  'wizardlm/wizardlm-13b-v1.2': 14.46,
  'mistralai/mistral-7b-chat': 17.11,
  'meta/llama-3.1-8b-instruct': 20.85,
  'mistralai/mistral-7b-instruct-v0.3': 20.61,
};
const facts = publicModelFacts(loadCatalog());
void LC;
const publicScores = args['prior'] === '0' ? undefined : facts.publicScores;
const t0 = performance.now();
const parts = [];
for (const name of datasets) parts.push(await loadEmbedded(name, true));
const set = trainingSetFromDatasets(parts);
const counts = new Map<string, number>();
for (const d of set.datasets) counts.set(d, (counts.get(d) ?? 0) + 1);
const balance = num('balance', 0.5); // weight per row = (n_dataset)^-balance, normalised
const labels = new Map<string, number>();
set.quality.forEach((row, i) => {
  const d = set.datasets[i] ?? '';
  labels.set(d, (labels.get(d) ?? 0) + [...row].filter((v) => !Number.isNaN(v)).length);
});
const rowWeights = set.datasets.map((d) =>
  args['labelbal'] === '1'
    ? (((counts.get(d) ?? 1) / (labels.get(d) ?? 1)) * (labels.get(d) ?? 1) ** (1 - balance)) /
      (counts.get(d) ?? 1)
    : (counts.get(d) ?? 1) ** -balance,
);
const meanW = rowWeights.reduce((s, v) => s + v, 0) / rowWeights.length;
for (let i = 0; i < rowWeights.length; i++) rowWeights[i] = (rowWeights[i] ?? 1) / meanW;
console.error(
  `loaded ${set.embeddings.length} rows (${[...counts].map(([k, v]) => `${k}=${v}`).join(' ')}) in ${seconds(t0)} s`,
);
const mt = await loadMtBench();
const strongScore = mt.strong;
const weakScore = mt.weak;
const wi = set.models.indexOf(mt.weakId);
const si = set.models.indexOf(mt.strongId);
const report = (name: string, rows: Float64Array[]): void => {
  const diff = apgr({
    scores: rows.map((r) => (r[si] ?? 0) - (r[wi] ?? 0)),
    strong: strongScore,
    weak: weakScore,
  });
  const weak = apgr({
    scores: rows.map((r) => 1 - (r[wi] ?? 0)),
    strong: strongScore,
    weak: weakScore,
  });
  const served = mtBenchServedApgr(mt, rows, set.models);
  console.log(
    `${name}: MT-Bench APGR served ${served.apgr.toFixed(4)} (CPT50 ${(100 * served.cpt50).toFixed(1)}%, CPT80 ${(100 * served.cpt80).toFixed(1)}%); by gain ${diff.apgr.toFixed(4)}; by 1-P(weak) ${weak.apgr.toFixed(4)}`,
  );
};
if (args['logistic'] === '1') {
  const t1 = performance.now();
  report(
    `logistic l2=1e-4 (${seconds(t1)} s)`,
    fitLogisticPredictor(set, { l2: 1e-4 }).predict(mt.embeddings),
  );
}
const t1 = performance.now();
const irt = fitIrtPredictor(set, {
  latentDimension: num('k', 8),
  epochs: num('epochs', 12),
  members: num('members', 1),
  learningRate: num('lr', 0.01),
  itemDiscrimination: args['itemdisc'] !== '0',
  l2Difficulty: num('l2d', 1e-4),
  l2Specialisation: num('l2s', 1e-3),
  l2Discrimination: num('l2r', 1e-2),
  rowWeights,
  ...(args['offsets'] === '1' ? { rowDatasets: set.datasets, l2Offset: num('l2o', 1e-2) } : {}),
  ...(publicScores ? { publicScores } : {}),
  modelTiers: facts.modelTiers,
  seed: num('seed', 0),
});
const fitS = seconds(t1);
report(`irt ${JSON.stringify(args)} (${fitS} s)`, irt.predict(mt.embeddings));
const { ability, discrimination } = irt.parameters();
console.log(
  set.models
    .map(
      (m, j) =>
        `${m.split('/')[1]}: a=${ability[j]?.toFixed(2)} s=${discrimination[j]?.toFixed(2)}`,
    )
    .join('\n'),
);
