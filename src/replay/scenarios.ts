/**
 * The non-stationary scenarios (drift, new model) and the simulated off-policy evaluation of
 * `arbiter replay`, on a prepared dataset; files go through `flags.write`.
 */
import {
  createPolicy,
  driftQuality,
  evaluateOffPolicy,
  reward,
  trafficShift,
  type CreatePolicyOptions,
  type LoggedDecision,
  type PrequentialResult,
  type ResidualOptions,
} from '../bandit/index.js';
import { createRng } from '../core/index.js';
import { tradeoffToWillingness, TIER_PRIOR_QUALITY } from '../router/index.js';
import type { ReplayData } from './data.js';
import {
  mean,
  plotted,
  referenceQuality,
  runOne,
  startTags,
  scenarioSlider,
  type ReplayOptions,
} from './prequential.js';
import { markdownTable, qualityChart, regretChart, shareChart, toJson } from './report.js';

/** The model with the best mean true reward at `slider` (the one worth adopting). */
function bestModel(d: ReplayData, slider: number): number {
  const wtp = tradeoffToWillingness(slider);
  const totals = d.models.map((_, m) =>
    mean(
      d.quality.map((row, i) =>
        Number.isFinite(row[m] as number)
          ? reward(row[m] as number, d.costUsd[i]?.[m] ?? 0, wtp)
          : 0,
      ),
    ),
  );
  return totals.indexOf(Math.max(...totals));
}

/** A drift or new-model scenario on one dataset (`residual`: knobs of the residual learner). */
export function scenarioMode(
  flags: ReplayOptions & { readonly residual?: ResidualOptions },
  d: ReplayData,
  scenario: 'drift' | 'new-model',
): void {
  const dataset = d.name;
  const residual = flags.residual ?? {};
  const knobs = Object.entries(residual)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(',');
  const slider = scenarioSlider(flags);
  const at = Math.floor(d.embeddings.length / 2);
  const slug = dataset.replace(/[^a-z0-9]+/giu, '-');
  const lines: string[] = [];
  const json: unknown[] = [];
  const rows: (string | number)[][] = [];
  for (const policy of flags.policies) {
    for (const start of flags.starts) {
      for (let r = 0; r < flags.runs; r++) {
        const seed = flags.seed + r;
        let result: PrequentialResult;
        let model: number;
        let quality = d.quality;
        const policyOptions: CreatePolicyOptions = policy === 'residual' ? { residual } : {};
        if (scenario === 'drift') {
          // The model the policy relies on most before the change loses 70% of its successes.
          const baseline = runOne({ d, policy, start, slider, seed, policyOptions });
          const counts = d.models.map(
            (_, m) => baseline.choices.subarray(0, at).filter((c) => c === m).length,
          );
          model = counts.indexOf(Math.max(...counts));
          quality = driftQuality({
            quality: d.quality,
            order: d.order,
            model,
            at,
            drop: 0.7,
            seed: flags.seed,
          });
          result = runOne({ d, policy, start, slider, seed, quality, policyOptions });
        } else {
          // The best model is missing for the first half; then it appears with only its tier prior.
          model = bestModel(d, slider);
          const entry = d.tags[model];
          const prior =
            TIER_PRIOR_QUALITY[(entry?.tier ?? 'mid') as keyof typeof TIER_PRIOR_QUALITY];
          const base = start === 'prior' ? d.priorQuality : d.offlineQuality;
          const predicted = base.map((row) =>
            Float64Array.from(row, (q, m) => (m === model ? prior : q)),
          );
          const tags = startTags(d, start).map((t, m) =>
            m === model ? { ...t, source: 'prior' as const } : t,
          );
          result = runOne({
            d,
            policy,
            start,
            slider,
            seed,
            predicted,
            tags,
            policyOptions,
            available: (step, m) => m !== model || step >= at,
          });
        }
        const shift = trafficShift({ choices: result.choices, model, at, window: 50 });
        const name = d.models[model] as string;
        const s = result.summary;
        rows.push([
          policy,
          start,
          seed,
          name,
          shift.before,
          shift.after,
          shift.requests ?? 'never',
          s.bandit.quality,
          s.offline.quality,
          s.oracle.quality,
          s.regret,
          s.offlineRegret,
        ]);
        json.push({ policy, start, seed, model: name, at, shift, summary: s });
        flags.log(
          `${scenario} ${dataset} ${policy} start=${start}: ${name} share ${shift.before.toFixed(2)} -> ${shift.after.toFixed(2)} after ${shift.requests ?? 'never'} requests`,
        );
        if (r === 0 && policy === plotted(flags)) {
          const markers = [
            { x: at, label: scenario === 'drift' ? `${name} degrades` : `${name} added` },
          ];
          flags.write(
            `${scenario}-${slug}-${start}-share.svg`,
            shareChart({
              title: `${scenario} on ${dataset}: ${policy} (start: ${start}), share of ${name}`,
              choices: result.choices,
              models: [{ index: model, name }],
              window: 50,
              markers,
            }),
          );
          flags.write(
            `${scenario}-${slug}-${start}-regret.svg`,
            regretChart(
              `${scenario} on ${dataset}: ${policy} (start: ${start}), cumulative regret`,
              result,
              markers,
            ),
          );
          flags.write(
            `${scenario}-${slug}-${start}-quality.svg`,
            qualityChart({
              title: `${scenario} on ${dataset}: ${policy} (start: ${start}), quality`,
              result,
              quality: referenceQuality(d, result, quality),
              window: 100,
              markers,
            }),
          );
        }
      }
    }
  }
  lines.push(
    `# Scenario: ${scenario} on ${dataset}`,
    '',
    scenario === 'drift'
      ? `At request ${at} (of ${d.embeddings.length}) the model the policy used most in the first half loses 70% of its successes (seeded). The offline router does not notice.`
      : `The model with the best true mean reward at slider ${slider} is unavailable for the first ${at} requests, then added with only its catalog tier prior as its offline estimate (the predictor never saw it).`,
    '',
    "Traffic shift: outcomes after the change until the model's share over the trailing 50 decisions first moved halfway from its level before the change to its level over the last quarter of the stream.",
    '',
    markdownTable(
      [
        'policy',
        'start',
        'seed',
        'model',
        'share before',
        'share after',
        'requests to shift',
        'quality',
        'offline router quality',
        'oracle quality',
        'regret',
        'offline regret',
      ],
      rows,
    ),
    '',
    `Command: \`arbiter replay scenario --scenario ${scenario} --dataset ${dataset} --policy ${flags.policies.join(',')} --start ${flags.starts.length > 1 ? 'both' : flags.starts.join('')} --runs ${flags.runs} --tradeoff ${slider} --seed ${flags.seed}${knobs === '' ? '' : ` --residual ${knobs}`}\``,
    '',
  );
  flags.write(`${scenario}-${slug}.md`, lines.join('\n'));
  flags.write(
    `${scenario}-${slug}.json`,
    toJson({ scenario, dataset, seed: flags.seed, slider, at, runs: json }),
  );
}

/**
 * OPE where the truth is known: log a first pass with an exploring policy (epsilon-greedy, ε = 0.2,
 * learning as it goes), freeze each candidate after learning on the first half of the logs, and
 * estimate its value on the second half; the true value uses every model's real outcome.
 */
export function simulatedOpeMode(flags: ReplayOptions, d: ReplayData): void {
  const dataset = d.name;
  const slider = scenarioSlider(flags);
  const wtp = tradeoffToWillingness(slider);
  const logging = runOne({
    d,
    policy: 'epsilon-greedy',
    start: 'offline',
    slider,
    seed: flags.seed,
    policyOptions: { epsilon: 0.2 },
  });
  const half = Math.floor(logging.rows.length / 2);
  const rows: (string | number)[][] = [];
  const json: unknown[] = [];
  for (const candidateName of flags.candidates) {
    const candidate = createPolicy(candidateName);
    const armsAt = (t: number) => {
      const row = logging.rows[t] as number;
      const offered = d.models
        .map((_, m) => m)
        .filter((m) => Number.isFinite(d.quality[row]?.[m] ?? Number.NaN));
      const score = (m: number): number =>
        reward(d.offlineQuality[row]?.[m] ?? 0, d.estimatedCostUsd[row]?.[m] ?? 0, wtp);
      offered.sort(
        (a, b) =>
          score(b) - score(a) ||
          (d.estimatedCostUsd[row]?.[a] ?? 0) - (d.estimatedCostUsd[row]?.[b] ?? 0) ||
          a - b,
      );
      return {
        row,
        offered,
        arms: offered.map((m) => ({
          model: d.models[m] as string,
          predictedQuality: d.offlineQuality[row]?.[m] ?? 0,
          estimatedCostUsd: d.estimatedCostUsd[row]?.[m] ?? 0,
          score: score(m),
        })),
      };
    };
    // Learn on the first half of the logs (logged outcomes only), then freeze.
    for (let t = 0; t < half; t++) {
      const { row } = armsAt(t);
      const m = logging.choices[t] as number;
      candidate.update({
        model: d.models[m] as string,
        features: Array.from(candidate.features(d.embeddings[row] as Float32Array)),
        predictedQuality: d.offlineQuality[row]?.[m] ?? 0,
        estimatedCostUsd: d.estimatedCostUsd[row]?.[m] ?? 0,
        quality: logging.quality[t] as number,
        costUsd: logging.cost[t] as number,
        tags: d.tags[m] ?? {},
      });
    }
    const logs: LoggedDecision[] = [];
    const probabilities: number[][] = [];
    let truth = 0;
    for (let t = half; t < logging.rows.length; t++) {
      const { row, offered, arms } = armsAt(t);
      const pi = candidate.probabilities({
        arms,
        embedding: d.embeddings[row] as Float32Array,
        willingnessToPay: wtp,
        tags: offered.map((m) => d.tags[m]),
      });
      const chosen = offered.indexOf(logging.choices[t] as number);
      logs.push({
        chosen,
        propensity: logging.propensities[t] as number,
        reward: logging.reward[t] as number,
        estimatedRewards: arms.map((a) => a.score),
      });
      probabilities.push(pi);
      pi.forEach((p, a) => {
        const m = offered[a] as number;
        truth += p * reward(d.quality[row]?.[m] ?? 0, d.costUsd[row]?.[m] ?? 0, wtp);
      });
    }
    truth /= logs.length;
    const estimate = evaluateOffPolicy({
      logs,
      probabilities,
      rng: createRng(flags.seed),
      resamples: 500,
    });
    const ci = (i: { estimate: number; low: number; high: number }): string =>
      `${i.estimate.toFixed(4)} [${i.low.toFixed(4)}, ${i.high.toFixed(4)}]`;
    rows.push([
      candidateName,
      truth,
      ci(estimate.ips),
      ci(estimate.snips),
      ci(estimate.doublyRobust),
      ci(estimate.directMethod),
      ci(estimate.logged),
      estimate.effectiveSampleSize,
      estimate.maxWeight,
    ]);
    json.push({ candidate: candidateName, truth, estimate });
    flags.log(
      `ope ${dataset} ${candidateName}: truth ${truth.toFixed(4)} IPS ${ci(estimate.ips)} DR ${ci(estimate.doublyRobust)}`,
    );
  }
  const md = [
    `# Off-policy evaluation (simulated logs): ${dataset}`,
    '',
    `Logging policy: epsilon-greedy (ε = 0.2) started from the out-of-fold offline predictor, one prequential pass (seed ${flags.seed}, slider ${slider}), propensities recorded per decision.`,
    `Each candidate learns from the first half of the logs (logged arms only), is frozen, and is evaluated on the second half (${logging.rows.length - half} decisions).`,
    "The true value uses every model's real outcome on those prompts. Reward = quality - cost / willingness to pay. Intervals: percentile bootstrap, 95%, 500 resamples.",
    'LinUCB is deterministic, so its IPS weights are 0 or 1/p: it is evaluable on these logs; it is not a usable logging policy itself.',
    '',
    markdownTable(
      [
        'candidate',
        'true value',
        'IPS',
        'SNIPS',
        'doubly robust',
        'direct method',
        'logging policy',
        'ESS',
        'max weight',
      ],
      rows,
    ),
    '',
    `Command: \`arbiter replay ope --dataset ${dataset} --tradeoff ${slider} --seed ${flags.seed}\``,
    '',
  ].join('\n');
  const slug = dataset.replace(/[^a-z0-9]+/giu, '-');
  flags.write(`ope-${slug}.md`, md);
  flags.write(`ope-${slug}.json`, toJson({ dataset, seed: flags.seed, slider, runs: json }));
}
