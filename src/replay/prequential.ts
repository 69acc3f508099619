/**
 * Prequential replay (`arbiter replay prequential`) and the helpers every data-driven mode shares: one prequential run,
 * the offline router's frontier, reference quality curves. Files go through `flags.write`.
 */
import {
  createPolicy,
  runPrequential,
  type BanditPolicyName,
  type CreatePolicyOptions,
  type PrequentialResult,
  type ResidualOptions,
} from '../bandit/index.js';
import { hullQualityAt, nonDecreasingHull } from '../metrics/index.js';
import { routeOffline, tradeoffToWillingness } from '../router/index.js';
import type { ReplayData } from './data.js';
import { markdownTable, qualityChart, regretChart, toJson } from './report.js';

/** Settings and output sinks shared by the data-driven replay modes. */
export interface ReplayOptions {
  readonly policies: BanditPolicyName[];
  /** Simulated OPE: the policies to evaluate. */
  readonly candidates: BanditPolicyName[];
  readonly starts: ('prior' | 'offline')[];
  /** 0-10 slider values. */
  readonly sliders: number[];
  readonly seed: number;
  /** Prequential runs per configuration (exploration seeds seed, seed + 1, ...). */
  readonly runs: number;
  /** Write one output file (`name` is relative to the output folder). */
  readonly write: (name: string, content: string) => void;
  /** One progress line. */
  readonly log: (line: string) => void;
}

/** The offline router's (cost, quality) curve over the slider on the given predictions (all rows). */
function offlineHull(
  d: ReplayData,
  predicted: readonly Float64Array[],
): ReturnType<typeof nonDecreasingHull> {
  const masked = predicted.map((row, i) =>
    Float64Array.from(row, (q, m) =>
      Number.isFinite(d.quality[i]?.[m] ?? Number.NaN) ? q : Number.NEGATIVE_INFINITY,
    ),
  );
  const points = [];
  for (let slider = 0; slider <= 10; slider += 0.25) {
    const { choices } = routeOffline({
      predictedQuality: masked,
      estimatedCostUsd: d.estimatedCostUsd,
      willingnessToPay: tradeoffToWillingness(slider),
    });
    let quality = 0;
    let cost = 0;
    choices.forEach((m, i) => {
      quality += d.quality[i]?.[m] ?? 0;
      cost += d.costUsd[i]?.[m] ?? 0;
    });
    points.push({ cost: cost / choices.length, quality: quality / choices.length });
  }
  return nonDecreasingHull(points);
}

/**
 * The arms' catalog facts for a start: from the offline predictor (`offline`) every arm's estimate is
 * the trained predictor's (`source: 'predictor'`, as the service tags models its artifact saw); from
 * the tier prior the tags stay as the data has them.
 */
export function startTags(d: ReplayData, start: 'prior' | 'offline'): ReplayData['tags'] {
  return start === 'offline' ? d.tags.map((t) => ({ ...t, source: 'predictor' as const })) : d.tags;
}

/** One prequential run of `policy` on `d` (optionally with altered truth, predictions or availability). */
export function runOne(options: {
  readonly d: ReplayData;
  readonly policy: BanditPolicyName;
  readonly start: 'prior' | 'offline';
  readonly slider: number;
  readonly seed: number;
  readonly quality?: readonly Float64Array[];
  readonly predicted?: readonly Float64Array[];
  readonly available?: (step: number, model: number) => boolean;
  readonly policyOptions?: CreatePolicyOptions;
  readonly tags?: ReplayData['tags'];
}): PrequentialResult {
  const { d } = options;
  return runPrequential({
    models: d.models,
    embeddings: d.embeddings,
    quality: options.quality ?? d.quality,
    costUsd: d.costUsd,
    predictedQuality:
      options.predicted ?? (options.start === 'prior' ? d.priorQuality : d.offlineQuality),
    estimatedCostUsd: d.estimatedCostUsd,
    willingnessToPay: tradeoffToWillingness(options.slider),
    policy: createPolicy(options.policy, options.policyOptions ?? {}),
    seed: options.seed,
    tags: options.tags ?? startTags(d, options.start),
    order: d.order,
    ...(options.available === undefined ? {} : { available: options.available }),
    now: () => performance.now(),
  });
}

/** Quality of the realised choices of the offline router and oracle, per step. */
export function referenceQuality(
  d: ReplayData,
  result: PrequentialResult,
  quality: readonly Float64Array[] = d.quality,
): { offline: Float64Array; oracle: Float64Array } {
  const pick = (choices: Int32Array): Float64Array =>
    Float64Array.from(choices, (m, t) => quality[result.rows[t] as number]?.[m] ?? Number.NaN);
  return { offline: pick(result.offlineChoices), oracle: pick(result.oracleChoices) };
}

/**
 * Prequential replay of one dataset: tables, JSON and plots through `flags.write` (`residual`: knobs
 * of the residual learner).
 */
export function prequentialMode(
  flags: ReplayOptions & { readonly residual?: ResidualOptions },
  d: ReplayData,
): void {
  const dataset = d.name;
  const hull = offlineHull(d, d.offlineQuality);
  const rows: (string | number)[][] = [];
  const runs: unknown[] = [];
  const slug = dataset.replace(/[^a-z0-9]+/giu, '-');
  for (const slider of flags.sliders) {
    for (const policy of flags.policies) {
      for (const start of flags.starts) {
        const results = Array.from({ length: flags.runs }, (_, r) =>
          runOne({
            d,
            policy,
            start,
            slider,
            seed: flags.seed + r,
            policyOptions: policy === 'residual' ? { residual: flags.residual ?? {} } : {},
          }),
        );
        const per = results.map((result) => {
          const s = result.summary;
          const half = Math.floor(s.steps / 2);
          const secondHalfCost = mean(result.cost.subarray(half));
          return {
            summary: s,
            atCost: hullQualityAt(hull, s.bandit.costUsd),
            gap: 100 * (s.bandit.quality - hullQualityAt(hull, s.bandit.costUsd)),
            gapSecond:
              100 * (mean(result.quality.subarray(half)) - hullQualityAt(hull, secondHalfCost)),
          };
        });
        const avg = (f: (p: (typeof per)[number]) => number): number => mean(per.map(f));
        const range = (f: (p: (typeof per)[number]) => number): string => {
          const values = per.map(f);
          return `${avg(f).toFixed(2)} (${Math.min(...values).toFixed(2)} to ${Math.max(...values).toFixed(2)})`;
        };
        rows.push([
          policy,
          start,
          slider,
          avg((p) => p.summary.bandit.quality),
          avg((p) => p.summary.bandit.costUsd),
          avg((p) => p.summary.offline.quality),
          avg((p) => p.summary.offline.costUsd),
          avg((p) => p.atCost),
          range((p) => p.gap),
          range((p) => p.gapSecond),
          avg((p) => p.summary.regret),
          avg((p) => p.summary.offlineRegret),
          avg((p) => p.summary.explorationRate),
          avg((p) => p.summary.microsPerDecision ?? Number.NaN),
        ]);
        runs.push({
          policy,
          start,
          slider,
          exploreSeeds: results.map((_, r) => flags.seed + r),
          runs: per,
        });
        flags.log(
          `${dataset} ${policy} start=${start} slider=${slider}: quality ${avg((p) => p.summary.bandit.quality).toFixed(4)} gap ${range((p) => p.gap)} pts`,
        );
        const result = results[0] as PrequentialResult;
        if (policy === plotted(flags) && slider === scenarioSlider(flags)) {
          flags.write(
            `prequential-${slug}-${start}-regret.svg`,
            regretChart(`${dataset}: ${policy} (start: ${start}), cumulative regret`, result),
          );
          flags.write(
            `prequential-${slug}-${start}-quality.svg`,
            qualityChart({
              title: `${dataset}: ${policy} (start: ${start}), quality over time`,
              result,
              quality: referenceQuality(d, result),
              window: 200,
            }),
          );
        }
      }
    }
  }
  const header = [
    'policy',
    'start',
    'slider',
    'quality',
    'cost USD',
    'offline router quality (same start)',
    'its cost',
    'offline frontier quality at bandit cost',
    'gap (pts)',
    'gap 2nd half (pts)',
    'regret',
    'offline regret',
    'explore rate',
    'µs / decision',
  ];
  const md = [
    `# Prequential replay: ${dataset}`,
    '',
    `${d.embeddings.length} prompts in a seeded random order (seed ${flags.seed}), ${d.models.length} models, embedder ${d.embedderId}.`,
    `Each prompt is routed before its outcome is revealed; only the chosen model's outcome updates the policy (one pass).`,
    `Start \`prior\`: the offline estimate is the catalog tier prior only. Start \`offline\`: out-of-fold ${d.trainer} predictions (5 folds), standing in for the shipped artifact.`,
    `Each row averages ${flags.runs} runs (exploration seeds ${flags.seed} to ${flags.seed + flags.runs - 1}, same prompt order); gaps show the mean and the range over runs.`,
    `The offline frontier is the ${d.trainer} offline router (out-of-fold predictions) swept over the slider; "gap" is bandit quality minus the frontier's quality at the bandit's mean cost (quality at equal cost), in points.`,
    '',
    markdownTable(header, rows),
    '',
    `Command: \`arbiter replay prequential --dataset ${dataset} --tradeoff ${flags.sliders.join(',')} --seed ${flags.seed}\``,
    '',
  ].join('\n');
  flags.write(`prequential-${slug}.md`, md);
  flags.write(
    `prequential-${slug}.json`,
    toJson({
      dataset,
      seed: flags.seed,
      trainer: d.trainer,
      embedder: d.embedderId,
      prompts: d.embeddings.length,
      models: d.models,
      frontier: hull,
      runs,
    }),
  );
}

/** The policy whose runs are plotted: thompson (the committed plots' policy) when it ran, else the first. */
export function plotted(flags: ReplayOptions): BanditPolicyName {
  return flags.policies.includes('thompson') ? 'thompson' : (flags.policies[0] as BanditPolicyName);
}

/** The slider scenarios and OPE run at: 5 when it is among --tradeoff, else the first value. */
export function scenarioSlider(flags: ReplayOptions): number {
  return flags.sliders.includes(5) ? 5 : (flags.sliders[0] ?? 5);
}

/** Arithmetic mean (0 for none). */
export function mean(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i] as number;
  return total / Math.max(values.length, 1);
}
