/**
 * Provider-outage scenario: one provider fails for a stretch of a routing stream. Compares the
 * router with health tracking (circuit breakers fed by outcomes) against the same router without it.
 *
 *   npx tsx benchmarks/suite/provider-outage.ts [--provider openai] [--tradeoff 6] [--seed 42]
 *
 * Data: RouterBench 0-shot (three task files, 11 models, real per-call costs) from ARBITER_DATA_DIR.
 * Half the prompts (seeded shuffle) train a logistic quality predictor and an output-length
 * predictor; the other half is the stream, routed in order, one simulated second per request. From
 * 25% to 50% of the stream every call to the provider fails. A failed call costs nothing and the
 * caller falls back down the decision's ranked list; the realised quality and cost are those of the
 * first model that answered. Outcomes (failures and successes) are reported back, as a client would.
 * Writes benchmarks/results/provider-outage/{report.md,results.json,traffic.svg}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { lineChart } from '../../src/bandit/index.js';
import { loadCatalog } from '../../src/catalog/index.js';
import { createRng, shuffled } from '../../src/core/index.js';
import { loadDataset, loadEmbeddings } from '../../src/data/index.js';
import { createUseLiteEmbedder, type Embedder } from '../../src/embed/index.js';
import { fitLogisticPredictor, fitOutputLengthPredictor } from '../../src/predict/index.js';
import { HealthTracker, Router, trainedArmPredictor } from '../../src/router/index.js';

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'openai' },
    tradeoff: { type: 'string', default: '6' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'benchmarks/results/provider-outage' },
  },
});
const seed = Number(values.seed);
const tradeoff = Number(values.tradeoff);
const failing = values.provider;

const catalog = loadCatalog();
const dataset = loadDataset('routerbench');
const useLite = await createUseLiteEmbedder();
const embeddings = await loadEmbeddings(dataset, useLite);
const order = shuffled(
  dataset.prompts.map((_, i) => i),
  createRng(seed),
);
const trainIdx = order.slice(0, Math.floor(order.length / 2));
const streamIdx = order.slice(trainIdx.length);
const set = {
  models: dataset.models,
  embeddings: trainIdx.map((i) => embeddings[i] as Float32Array),
  quality: trainIdx.map((i) => dataset.prompts[i]?.quality as Float64Array),
  outputTokens: trainIdx.map(
    (i) =>
      dataset.prompts[i]?.outputTokens ?? new Float64Array(dataset.models.length).fill(Number.NaN),
  ),
};
const predictor = trainedArmPredictor({
  version: 'outage-scenario',
  quality: fitLogisticPredictor(set, { l2: 1e-4 }),
  outputLength: fitOutputLengthPredictor(set),
});

/** Looks embeddings up by text, so the real Router runs on the cached USE-Lite vectors. */
const byText = new Map(dataset.prompts.map((p, i) => [p.text, embeddings[i] as Float32Array]));
const lookupEmbedder: Embedder = {
  modelId: useLite.modelId,
  dimension: useLite.dimension,
  embed: (texts) =>
    Promise.resolve(texts.map((t) => byText.get(t) ?? new Float32Array(useLite.dimension))),
  close: () => Promise.resolve(),
};

const outageStart = Math.floor(streamIdx.length * 0.25);
const outageEnd = Math.floor(streamIdx.length * 0.5);
const modelIndex = new Map(dataset.models.map((m, i) => [m, i]));

interface RunResult {
  readonly name: string;
  readonly routedToFailing: number;
  readonly failedAttempts: number;
  readonly quality: number;
  readonly qualityDuringOutage: number;
  readonly costPerPrompt: number;
  readonly failingShare: number[];
  /** Share of first choices on the provider before the outage and after it ended. */
  readonly shareBefore: number;
  readonly shareAfter: number;
  /** Requests after the outage ended until the provider was first chosen again. */
  readonly recoveryLag: number;
}

async function run(name: string, withHealth: boolean): Promise<RunResult> {
  const clock = { t: 0, now: () => clock.t };
  const health = new HealthTracker({ clock });
  const router = new Router({
    catalog: () => catalog,
    embedder: lookupEmbedder,
    predictor,
    rng: createRng(seed),
    clock,
    ...(withHealth ? { controls: { health } } : {}),
  });
  let routedToFailing = 0;
  let failedAttempts = 0;
  let quality = 0;
  let outageQuality = 0;
  let cost = 0;
  const firstChoiceFailing: number[] = [];
  for (let step = 0; step < streamIdx.length; step++) {
    clock.t = step * 1000;
    const prompt = dataset.prompts[streamIdx[step] as number];
    if (prompt === undefined) continue;
    const decision = await router.route({
      prompt: prompt.text,
      candidates: [...dataset.models],
      tradeoff,
    });
    const down = step >= outageStart && step < outageEnd;
    const isFailing = (model: string): boolean => down && catalog.get(model)?.provider === failing;
    firstChoiceFailing.push(catalog.get(decision.model)?.provider === failing ? 1 : 0);
    if (down && catalog.get(decision.model)?.provider === failing) routedToFailing += 1;
    let served: string | undefined;
    for (const arm of decision.ranked) {
      const provider = catalog.get(arm.model)?.provider ?? '';
      if (isFailing(arm.model)) {
        failedAttempts += 1;
        health.record({ model: arm.model, provider, ok: false });
        continue;
      }
      served = arm.model;
      health.record({ model: arm.model, provider, ok: true, latencyMs: 1000 });
      break;
    }
    const m = served === undefined ? undefined : modelIndex.get(served);
    const q = m === undefined ? 0 : (prompt.quality[m] ?? 0);
    const c = m === undefined ? 0 : (prompt.costUsd?.[m] ?? 0);
    quality += Number.isFinite(q) ? q : 0;
    cost += Number.isFinite(c) ? c : 0;
    if (down) outageQuality += Number.isFinite(q) ? q : 0;
  }
  // Rolling share (window 50) of first choices that went to the failing provider.
  const window = 50;
  const failingShare = firstChoiceFailing.map((_, i) => {
    const slice = firstChoiceFailing.slice(Math.max(0, i - window + 1), i + 1);
    return slice.reduce((a, b) => a + b, 0) / slice.length;
  });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  const lag = firstChoiceFailing.slice(outageEnd).indexOf(1);
  return {
    name,
    shareBefore: mean(firstChoiceFailing.slice(0, outageStart)),
    shareAfter: mean(firstChoiceFailing.slice(outageEnd)),
    recoveryLag: lag < 0 ? Number.NaN : lag,
    routedToFailing,
    failedAttempts,
    quality: quality / streamIdx.length,
    qualityDuringOutage: outageQuality / (outageEnd - outageStart),
    costPerPrompt: cost / streamIdx.length,
    failingShare,
  };
}

const results = [
  await run('with health tracking', true),
  await run('without health tracking', false),
];
mkdirSync(values.out, { recursive: true });
const outageLength = outageEnd - outageStart;
const rows = results.map(
  (r) =>
    `| ${r.name} | ${r.routedToFailing} / ${outageLength} | ${r.failedAttempts} | ${r.quality.toFixed(4)} | ${r.qualityDuringOutage.toFixed(4)} | $${r.costPerPrompt.toPrecision(3)} | ${(100 * r.shareBefore).toFixed(1)}% / ${(100 * r.shareAfter).toFixed(1)}% | ${r.recoveryLag} |`,
);
const report = `# Provider outage: health tracking vs none

Command: \`npx tsx benchmarks/suite/provider-outage.ts --provider ${failing} --tradeoff ${tradeoff} --seed ${seed}\`
Date: ${new Date().toISOString()} · node ${process.version}

Stream: ${streamIdx.length} RouterBench prompts (held-out half; the other half trained the predictors), slider ${tradeoff}
(greedy policy, so only health tracking differs). Provider \`${failing}\` fails every call for requests
${outageStart}-${outageEnd - 1} (${outageLength} requests); callers fall back down the ranked list. Health: circuit
opens after 5 consecutive failures or >50% of the last 20, 30 s cool-down doubling to at most 2 min (one request = 1 simulated second),
one probe per 5 s.

| router | first choice on the failing provider during the outage | failed attempts (extra calls) | quality (whole stream) | quality (during outage) | cost per prompt | provider share before / after | requests until back after the outage |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

![share of first choices on the failing provider](traffic.svg)

After the outage the circuit is half-open: it admits one probe per 5 s, and each failed probe doubles the
cool-down (up to 2 min), so the provider comes back only after a probe lands after the outage; the
"requests until back" column measures that lag, which is where the health-tracking router loses quality.

Quality is the realised quality after fallback, so both routers serve an answer to every request; what health
tracking saves is the failed attempts (each a timeout or an error the caller waits for) and the traffic it keeps
sending to a dead provider.
`;
writeFileSync(join(values.out, 'report.md'), report);
writeFileSync(
  join(values.out, 'results.json'),
  `${JSON.stringify({ seed, tradeoff, failing, outageStart, outageEnd, stream: streamIdx.length, results: results.map(({ failingShare: _f, ...r }) => r) }, null, 2)}\n`,
);
writeFileSync(
  join(values.out, 'traffic.svg'),
  lineChart({
    title: `First choices on ${failing}, rolling share of 50 requests`,
    xLabel: 'request',
    yLabel: 'share',
    series: results.map((r) => ({ name: r.name, values: r.failingShare })),
    markers: [
      { x: outageStart + 1, label: 'outage starts' },
      { x: outageEnd + 1, label: 'outage ends' },
    ],
  }),
);
process.stdout.write(report);
await useLite.close();
