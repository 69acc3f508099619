/**
 * `arbiter replay learning`: the residual learner against the frozen artifact and the oracle on
 * streams the artifact never trained on (issue #11 part 5). Markdown, JSON and SVG through `write`.
 */
import {
  createPolicy,
  lineChart,
  runLearningStream,
  type KnobPoint,
  type LearningCheckpoint,
  type LearningResult,
  type BanditPolicyName,
  type ResidualOptions,
  type RuleArm,
} from '../bandit/index.js';
import { createRng, shuffled } from '../core/index.js';
import { everydaySha256 } from '../data/everyday.js';
import { hullQualityAt, nonDecreasingHull } from '../metrics/index.js';
import {
  armScore,
  chooseArm,
  compareArms,
  DEFAULT_QUALITY_FLOOR,
  eligibleCount,
  qualityThreshold,
  tradeoffToWillingness,
} from '../router/index.js';
import { markdownTable, toJson } from './report.js';
import { LEARNING_STREAMS, type TransferStream } from './transfer.js';

/** Options of {@link learningMode}. */
export interface LearningFlags {
  readonly slider: number;
  readonly seed: number;
  readonly runs: number;
  /** Write one output file (`name` is relative to the output folder). */
  readonly write: (name: string, content: string) => void;
  /** One progress line. */
  readonly log: (line: string) => void;
  readonly residual?: ResidualOptions;
  /** Policies to run. @default ['residual'] */
  readonly policies?: readonly BanditPolicyName[];
}

const CHECKPOINTS = [100, 250, 500, 1000, 1500, 2000, 3000, 4000, 5000];

/** Knob points of the frontiers: the slider 0-10 in steps of 0.5, with the served floor and without. */
function sweep(): KnobPoint[] {
  const points: KnobPoint[] = [];
  for (let slider = 0; slider <= 10; slider += 0.5) {
    const willingnessToPay = tradeoffToWillingness(slider);
    points.push({ willingnessToPay, qualityFloor: DEFAULT_QUALITY_FLOOR }, { willingnessToPay });
  }
  return points;
}

/** The arms the router offers a floor-scoped policy: over the floor, in the rule's order (router.ts). */
function floorOffer(arms: readonly RuleArm[], knob: KnobPoint): number[] {
  const scored = arms.map((arm, index) => ({
    ...arm,
    index,
    score: armScore(arm.predictedQuality, arm.estimatedCostUsd, knob.willingnessToPay),
  }));
  const threshold = qualityThreshold(scored, knob.qualityFloor);
  scored.sort((a, b) => compareArms(a, b, threshold) || a.index - b.index);
  return scored.slice(0, eligibleCount(scored, threshold)).map((arm) => arm.index);
}

/** Quality of a reference's frontier (its sweep's non-decreasing hull) at `cost`. */
function frontierAt(points: LearningCheckpoint['frozenSweep'], cost: number): number {
  return hullQualityAt(
    nonDecreasingHull(points.map((p) => ({ cost: p.costUsd, quality: p.quality }))),
    cost,
  );
}

/** Per checkpoint: quality at equal cost of the online router, the frozen artifact's frontier and the oracle's. */
export function equalCost(point: LearningCheckpoint): {
  readonly gap: number;
  readonly frozenAtCost: number;
  readonly oracleAtCost: number;
} {
  const frozenAtCost = frontierAt(point.frozenSweep, point.online.costUsd);
  return {
    gap: 100 * (point.online.quality - frozenAtCost),
    frozenAtCost,
    oracleAtCost: frontierAt(point.oracleSweep, point.online.costUsd),
  };
}

const mean = (values: readonly number[]): number =>
  values.reduce((s, v) => s + v, 0) / Math.max(values.length, 1);
const std = (values: readonly number[]): number => {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
};
const fixed = (value: number, digits = 3): string => value.toFixed(digits);
const spread = (values: readonly number[]): string =>
  `${mean(values) >= 0 ? '+' : ''}${fixed(mean(values), 2)} ± ${fixed(std(values), 2)} (${fixed(Math.min(...values), 2)} to ${fixed(Math.max(...values), 2)})`;

/** A hindsight reference: a router that was shown outcomes the online router never sees. */
export interface HindsightReference {
  readonly name: string;
  readonly quality: number;
  readonly costUsd: number;
  /** Its quality minus the frozen frontier's at its cost, points. */
  readonly gap: number;
}

/** Neighbours of the full-information kNN reference. */
const HINDSIGHT_NEIGHBOURS = 30;

/**
 * What learning could reach on a stream at the knob, from two routers that see outcomes the online
 * router never sees, both deciding with the service's rule on the artifact's cost estimates:
 *  - `hindsight model offsets`: the artifact's prediction plus each model's true mean residual over the
 *    whole stream (a learner of per-model offsets with every outcome revealed);
 *  - `full-information kNN`: each model's mean observed quality on the prompt's 30 nearest other
 *    prompts (cosine on the full embedding, leave-one-out; every model's outcome revealed there).
 * Neither is an upper bound on every learner; they show how much a learner of these kinds could gain.
 */
export function hindsightReferences(
  stream: TransferStream,
  knob: KnobPoint,
  frozenSweep: LearningCheckpoint['frozenSweep'],
): HindsightReference[] {
  const n = stream.embeddings.length;
  const models = stream.models.length;
  const finite = (row: number, m: number): boolean => Number.isFinite(stream.quality[row]?.[m]);
  const residualMean = Array.from({ length: models }, (_, m) => {
    let sum = 0;
    let count = 0;
    for (let row = 0; row < n; row++) {
      if (!finite(row, m)) continue;
      sum += (stream.quality[row]?.[m] as number) - (stream.predictedQuality[row]?.[m] as number);
      count += 1;
    }
    return count === 0 ? 0 : sum / count;
  });
  const unit = stream.embeddings.map((e) => {
    const norm = Math.hypot(...e) || 1;
    return Float64Array.from(e, (v) => v / norm);
  });
  const score = (
    believed: (row: number, m: number) => number,
  ): Omit<HindsightReference, 'name' | 'gap'> => {
    let quality = 0;
    let costUsd = 0;
    for (let row = 0; row < n; row++) {
      const offered: number[] = [];
      for (let m = 0; m < models; m++) if (finite(row, m)) offered.push(m);
      const pick = offered[
        Math.max(
          0,
          chooseArm(
            offered.map((m) => ({
              predictedQuality: believed(row, m),
              estimatedCostUsd: stream.estimatedCostUsd[row]?.[m] as number,
            })),
            knob,
          ),
        )
      ] as number;
      quality += stream.quality[row]?.[pick] as number;
      costUsd += stream.costUsd[row]?.[pick] as number;
    }
    return { quality: quality / n, costUsd: costUsd / n };
  };
  const knn: Float64Array[] = unit.map((query, row) => {
    const similarity = new Float64Array(n);
    for (let other = 0; other < n; other++) {
      if (other === row) {
        similarity[other] = Number.NEGATIVE_INFINITY;
        continue;
      }
      const v = unit[other] as Float64Array;
      let dot = 0;
      for (let j = 0; j < v.length; j++) dot += (v[j] as number) * (query[j] as number);
      similarity[other] = dot;
    }
    const nearest = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => (similarity[b] as number) - (similarity[a] as number) || a - b)
      .slice(0, HINDSIGHT_NEIGHBOURS);
    return Float64Array.from({ length: models }, (_, m) => {
      let sum = 0;
      let count = 0;
      for (const other of nearest) {
        if (!finite(other, m)) continue;
        sum += stream.quality[other]?.[m] as number;
        count += 1;
      }
      return count === 0 ? (stream.predictedQuality[row]?.[m] as number) : sum / count;
    });
  });
  return [
    {
      name: 'hindsight model offsets',
      ...score(
        (row, m) => (stream.predictedQuality[row]?.[m] as number) + (residualMean[m] as number),
      ),
    },
    {
      name: `full-information kNN (k = ${HINDSIGHT_NEIGHBOURS})`,
      ...score((row, m) => knn[row]?.[m] as number),
    },
  ].map((r) => ({ ...r, gap: 100 * (r.quality - frontierAt(frozenSweep, r.costUsd)) }));
}

/** Run every seed on one stream and write its files; returns the summary rows and its hindsight references. */
export function learningMode(
  flags: LearningFlags,
  stream: TransferStream,
): { rows: (string | number)[][]; hindsight: HindsightReference[] } {
  const knob: KnobPoint = {
    willingnessToPay: tradeoffToWillingness(flags.slider),
    qualityFloor: DEFAULT_QUALITY_FLOOR,
  };
  const rows = Array.from({ length: stream.embeddings.length }, (_, i) => i);
  const seeds = Array.from({ length: flags.runs }, (_, r) => flags.seed + r);
  const policies = flags.policies ?? ['residual'];
  const runs = new Map<BanditPolicyName, LearningResult[]>();
  for (const name of policies) {
    runs.set(
      name,
      seeds.map((seed) => {
        const started = performance.now();
        const result = runLearningStream({
          models: stream.models,
          embeddings: stream.embeddings,
          quality: stream.quality,
          costUsd: stream.costUsd,
          predictedQuality: stream.predictedQuality,
          qualityUncertainty: stream.qualityUncertainty,
          estimatedCostUsd: stream.estimatedCostUsd,
          tags: stream.sources.map((source) => ({ source })),
          knob,
          sweep: sweep(),
          rule: (arms, point) =>
            chooseArm(arms, {
              willingnessToPay: point.willingnessToPay,
              ...(point.qualityFloor === undefined ? {} : { qualityFloor: point.qualityFloor }),
            }),
          offer: floorOffer,
          policy: createPolicy(
            name,
            name === 'residual' && flags.residual !== undefined ? { residual: flags.residual } : {},
          ),
          seed,
          order: shuffled(rows, createRng(seed)),
          checkpoints: CHECKPOINTS,
        });
        const last = result.checkpoints.at(-1) as LearningCheckpoint;
        flags.log(
          `${stream.name} ${name} seed ${seed}: gap at equal cost ${fixed(equalCost(last).gap, 2)} pts after ${last.steps} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
        return result;
      }),
    );
  }
  const results = runs.get(policies[0] as BanditPolicyName) as LearningResult[];
  const table: (string | number)[][] = [];
  const steps = results[0]?.checkpoints.map((c) => c.steps) ?? [];
  for (const [name, policyRuns] of runs) {
    steps.forEach((count, k) => {
      const at = policyRuns.map((r) => r.checkpoints[k] as LearningCheckpoint);
      const eq = at.map(equalCost);
      table.push([
        stream.name,
        name,
        count,
        fixed(mean(at.map((c) => c.online.quality))),
        mean(at.map((c) => c.online.costUsd)).toExponential(2),
        fixed(mean(at.map((c) => c.frozen.quality))),
        mean(at.map((c) => c.frozen.costUsd)).toExponential(2),
        fixed(mean(at.map((c) => c.oracle.quality))),
        mean(at.map((c) => c.oracle.costUsd)).toExponential(2),
        fixed(mean(eq.map((e) => e.frozenAtCost))),
        fixed(mean(eq.map((e) => e.oracleAtCost))),
        spread(eq.map((e) => e.gap)),
        fixed(mean(at.map((c) => c.explorationRate)), 3),
      ]);
    });
  }
  const hindsight = hindsightReferences(
    stream,
    knob,
    ((results[0] as LearningResult).checkpoints.at(-1) as LearningCheckpoint).frozenSweep,
  );
  const slug = `learning-${stream.name}`;
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd'];
  flags.write(
    `${slug}-gap.svg`,
    lineChart({
      title: `${stream.name}: online minus frozen frontier, quality at equal cost (pts)`,
      xLabel: `checkpoint (${steps.join(', ')} outcomes)`,
      yLabel: 'gap (points)',
      series: [
        ...results.map((r, i) => ({
          name: `seed ${seeds[i] as number}`,
          values: r.checkpoints.map((c) => equalCost(c).gap),
          color: palette[i % palette.length] as string,
        })),
        ...[...runs]
          .filter(([name]) => name !== policies[0])
          .map(([name, policyRuns], i) => ({
            name: `${name} (mean)`,
            values: steps.map((_, k) =>
              mean(policyRuns.map((r) => equalCost(r.checkpoints[k] as LearningCheckpoint).gap)),
            ),
            dashed: true,
            color: palette[(results.length + i) % palette.length] as string,
          })),
        { name: '+3 target', values: steps.map(() => 3), dashed: true, color: '#888' },
        { name: '-1 floor', values: steps.map(() => -1), dashed: true, color: '#bbb' },
      ],
    }),
  );
  const first = results[0] as LearningResult;
  const cumulativeMean = (values: Float64Array): Float64Array => {
    let total = 0;
    return Float64Array.from(values, (v, t) => (total += v) / (t + 1));
  };
  flags.write(
    `${slug}-quality.svg`,
    lineChart({
      title: `${stream.name}: mean quality so far at slider ${flags.slider} (seed ${flags.seed})`,
      xLabel: 'outcomes',
      yLabel: 'mean quality',
      series: [
        { name: `online (${policies[0] as string})`, values: cumulativeMean(first.onlineQuality) },
        { name: 'frozen artifact', values: cumulativeMean(first.frozenQuality), dashed: true },
        { name: 'oracle', values: cumulativeMean(first.oracleQuality), dashed: true },
      ],
    }),
  );
  flags.write(
    `${slug}.json`,
    toJson({
      stream: stream.name,
      description: LEARNING_STREAMS[stream.name].description,
      trainedOn: stream.trainedOn,
      ...(stream.trainedOn.includes('everyday') ? { everydaySha256: everydaySha256() } : {}),
      trainingRows: stream.trainingRows,
      sources: Object.fromEntries(stream.models.map((m, i) => [m, stream.sources[i]])),
      embedder: stream.embedderId,
      slider: flags.slider,
      knob,
      seeds,
      prompts: stream.embeddings.length,
      hindsight,
      runs: [...runs].flatMap(([name, policyRuns]) =>
        policyRuns.map((r, i) => ({
          policy: name,
          seed: seeds[i],
          checkpoints: r.checkpoints.map((c) => ({ ...c, ...equalCost(c) })),
        })),
      ),
    }),
  );
  return { rows: table, hindsight };
}

/** The summary Markdown of every stream run. */
export function learningMarkdown(options: {
  readonly flags: LearningFlags;
  readonly streams: readonly TransferStream[];
  readonly rows: readonly (string | number)[][];
  /** Hindsight references per stream, in stream order. */
  readonly hindsight: readonly (readonly HindsightReference[])[];
  readonly command: string;
}): string {
  const { flags } = options;
  const header = [
    'stream',
    'policy',
    'outcomes',
    'online quality',
    'online cost USD',
    'frozen quality (same knob)',
    'frozen cost',
    'oracle quality (same knob)',
    'oracle cost',
    'frozen frontier at online cost',
    'oracle frontier at online cost',
    'gap at equal cost, pts: mean ± std (min to max)',
    'explore rate',
  ];
  return [
    '# Learning benchmark: residual learner vs frozen artifact vs oracle',
    '',
    `Slider ${flags.slider} (willingness to pay ${tradeoffToWillingness(flags.slider).toPrecision(3)} USD per unit quality, quality floor ${DEFAULT_QUALITY_FLOOR}), seeds ${flags.seed} to ${flags.seed + flags.runs - 1} (each seed: its own prompt order and exploration).`,
    "One pass over each stream; only the chosen model's outcome is revealed to the online router. Every strategy decides with the service's rule (src/router/decision-rule.ts) at the same knob.",
    'Frozen artifact: the served recipe (joint IRT model, public facts for models it never saw) trained without the stream:',
    ...options.streams.map(
      (s) =>
        `- ${s.name} (${s.embeddings.length} prompts, ${s.models.length} models): trained on ${s.trainedOn.join(', ')} (${s.trainingRows} rows); models it saw: ${s.models.filter((_, i) => s.sources[i] === 'predictor').length} of ${s.models.length}.`,
    ),
    '',
    "\"Gap at equal cost\" is the online router's mean quality minus the frozen artifact's frontier (its knob swept 0-10, with and without the floor, non-decreasing hull) at the online router's mean cost, over the outcomes so far, in points (1 point = 0.01). Target (issue #11): >= +3 after 1,000 outcomes and never below -1.",
    '',
    markdownTable(header, options.rows),
    '',
    '## What learning could reach here (hindsight references)',
    '',
    "Two routers shown outcomes the online router never sees, deciding with the same rule at the same knob on the artifact's cost estimates, over the whole stream: the artifact plus each model's true mean residual (a perfect learner of per-model offsets), and each model's mean quality on the prompt's 30 nearest other prompts with every model's outcome revealed (cosine on the full embedding, leave-one-out). Their gap is against the same frozen frontier. Neither bounds every learner; a target above both is out of reach for learners of these kinds on this stream at this knob.",
    '',
    markdownTable(
      ['stream', 'reference', 'quality', 'cost USD', 'gap at equal cost, pts'],
      options.streams.flatMap((stream, i) =>
        (options.hindsight[i] ?? []).map((r) => [
          stream.name,
          r.name,
          fixed(r.quality),
          r.costUsd.toExponential(2),
          `${r.gap >= 0 ? '+' : ''}${fixed(r.gap, 2)}`,
        ]),
      ),
    ),
    '',
    `Command: \`${options.command}\``,
    '',
  ].join('\n');
}

/**
 * Every policy on every prepared stream (artifact trained without it): per-stream files from
 * {@link learningMode}, then the summary `learning[-<stream>].md`.
 */
export function runLearningBenchmark(options: {
  readonly flags: LearningFlags;
  readonly streams: readonly TransferStream[];
  /** The command line, quoted in the summary. */
  readonly command: string;
}): void {
  const { flags, streams } = options;
  const modes = streams.map((stream) => learningMode(flags, stream));
  const slug = streams.length === 1 ? `-${(streams[0] as TransferStream).name}` : '';
  flags.write(
    `learning${slug}.md`,
    learningMarkdown({
      flags,
      streams,
      rows: modes.flatMap((mode) => mode.rows),
      hindsight: modes.map((mode) => mode.hindsight),
      command: options.command,
    }),
  );
}
