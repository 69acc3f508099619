/**
 * Split the joint model's logit for each trained model on the hand-written dev prompts into its shared
 * part (ability - discrimination x difficulty) and its specialisation (w_m . h(x), the k latent
 * coordinates read from the embedding and the prompt-cluster memberships), averaged over members.
 * Catalog models on priors get no specialisation, so this shows what moves trained models against
 * them on easy and on hard prompts.
 *
 *   npx tsx training/experiments/specialisation-terms.mts [models/default]
 */
import { readFileSync } from 'node:fs';
import { loadPredictorArtifact } from '../../src/artifact/index.js';
import { createEmbedder } from '../../src/cli/create-embedder.js';
import { EmbeddingCache } from '../../src/data/index.js';
import { clusterMemberships } from '../../src/predict/irt-predictor.js';

interface JointInternals {
  readonly models: readonly string[];
  readonly shape: { d: number; k: number; m: number; c: number };
  readonly thetas: readonly Float64Array[];
  readonly centroids: readonly Float32Array[];
}

const dir = process.argv[2] ?? 'models/default';
const joint = loadPredictorArtifact(dir).quality as unknown as JointInternals;
const rows = readFileSync('training/dev/dev-prompts.jsonl', 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { prompt: string; class: string });
const embedder = await createEmbedder({
  embedder: 'use-lite',
  stateDir: '/tmp/arb-state',
} as never);
const embeddings = await EmbeddingCache.open(embedder, { quiet: true }).embed(
  rows.map((r) => r.prompt),
);
await embedder.close();

const { d, k, m, c } = joint.shape;
// Parameter layout of one member (irt-predictor.ts `layout`): P (k rows of d + c), u, a, w, rho.
const u = k * (d + c);
const a = u + d;
const w = a + m;
const rho = w + m * k;
const dot = (theta: Float64Array, offset: number, x: ArrayLike<number>, n: number): number => {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (theta[offset + i] as number) * (x[i] as number);
  return sum;
};
const terms = new Map<string, { shared: number[]; special: number[] }>();
rows.forEach((row, i) => {
  const x = embeddings[i] as Float32Array;
  const phi = c > 0 ? clusterMemberships(x, joint.centroids) : new Float32Array(0);
  for (let j = 0; j < m; j++) {
    let shared = 0;
    let special = 0;
    for (const theta of joint.thetas) {
      shared += (theta[a + j] as number) - Math.exp(theta[rho + j] as number) * dot(theta, u, x, d);
      for (let r = 0; r < k; r++) {
        const h = dot(theta, r * (d + c), x, d) + dot(theta, r * (d + c) + d, phi, c);
        special += (theta[w + j * k + r] as number) * h;
      }
    }
    const key = `${row.class}\t${joint.models[j] as string}`;
    const entry = terms.get(key) ?? { shared: [], special: [] };
    entry.shared.push(shared / joint.thetas.length);
    entry.special.push(special / joint.thetas.length);
    terms.set(key, entry);
  }
});
const mean = (v: readonly number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: readonly number[]): number => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
console.log('| prompts | model | shared logit | specialisation, mean ± sd | specialisation, max |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [key, v] of [...terms].sort(([x], [y]) => x.localeCompare(y))) {
  const [cls, model] = key.split('\t');
  console.log(
    `| ${cls} | ${model} | ${mean(v.shared).toFixed(2)} | ${mean(v.special).toFixed(2)} ± ${sd(v.special).toFixed(2)} | ${Math.max(...v.special).toFixed(2)} |`,
  );
}
