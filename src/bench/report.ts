import { nonDecreasingHull } from '../metrics/index.js';
import type { Interval } from '../metrics/index.js';
import { renderChart, type Series } from './svg.js';
import type { SuiteResult } from './types.js';

const fmt = (value: number, digits = 3): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
const pct = (value: number): string =>
  Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : 'n/a';
const usd = (value: number): string =>
  Number.isFinite(value) ? `$${value.toPrecision(3)}` : 'n/a';
const ci = (interval: Interval, show: (v: number) => string): string =>
  `${show(interval.estimate)} [${show(interval.low)}, ${show(interval.high)}]`;

/** report.md for a suite result. */
export function renderReport(result: SuiteResult): string {
  const lines: string[] = [
    `# Benchmark: ${result.suite}`,
    '',
    result.description,
    '',
    `- Test prompts scored: ${result.testPrompts} over ${result.folds} fold(s)${result.unlabelledDropped > 0 ? ` (${result.unlabelledDropped} dropped: a model's label is missing)` : ''}; protocol \`${JSON.stringify(result.protocol)}\``,
    `- Models: ${result.models.join(', ')}${result.strongModel === undefined ? '' : ` (strong: ${result.strongModel}, weak: ${result.weakModel ?? ''})`}`,
    `- Quality: ${result.qualityScale}. Cost: ${result.costAccounting}.`,
    `- Seed ${result.seed}; embedder ${result.environment.embedder}; git ${result.environment.gitCommit}; node ${result.environment.nodeVersion}; ${result.environment.cores} cores.`,
    `- Intervals are 95% percentile bootstrap over test prompts. Wall time ${(result.timingsMs['totalMs'] ?? 0) / 1000}s.`,
    '',
    '## Strategies',
    '',
    '| strategy | quality [95% CI] | cost per prompt [95% CI] |',
    '| --- | --- | --- |',
    ...result.baselines.map(
      (b) => `| ${b.name} | ${ci(b.quality, (v) => fmt(v))} | ${ci(b.costUsd, usd)} |`,
    ),
    '',
  ];
  if (result.strongModel !== undefined) {
    lines.push(
      '## Two-model routing (RouteLLM metrics)',
      '',
      'APGR: area under PGR vs strong-call share, every operating point of the served rule (decision-rule.ts, as /v1/route runs it: strong iff predicted gain > extra estimated cost / willingness to pay, so sweeping the knob orders prompts by gain / extra cost; no bench-only orderings); "APGR (RouteLLM 10 bins)" uses RouteLLM\'s 11 quantile thresholds, the protocol of its published numbers. CPT(x%): smallest strong-call share reaching PGR x%.',
      '',
      '| router | APGR [95% CI] | APGR (RouteLLM 10 bins) | CPT(50%) [95% CI] | CPT(80%) [95% CI] |',
      '| --- | --- | --- | --- | --- |',
      ...result.routers.flatMap((r) =>
        r.twoModel === undefined
          ? []
          : [
              `| ${r.name} | ${ci(r.twoModel.apgr, (v) => fmt(v))} | ${fmt(r.twoModel.apgrRouteLlm)} | ${ci(r.twoModel.cpt50, pct)} | ${ci(r.twoModel.cpt80, pct)} |`,
            ],
      ),
      '',
    );
  } else {
    lines.push(
      '## Many-model routing (RouterBench metrics)',
      '',
      `AIQ: area under the non-decreasing convex hull of each router's (cost, quality) sweep, normalised over the common cost range ${usd(result.costRange.min)} – ${usd(result.costRange.max)} (cheapest to dearest single model).`,
      '',
      '| router | AIQ [95% CI] |',
      '| --- | --- |',
      ...result.routers.flatMap((r) =>
        r.manyModel === undefined ? [] : [`| ${r.name} | ${ci(r.manyModel.aiq, (v) => fmt(v))} |`],
      ),
      ...(result.referenceAiq === undefined
        ? []
        : [
            `| best mix of single models (hull) | ${fmt(result.referenceAiq.singleModelMix)} |`,
            ...(result.referenceAiq.singleModelPerGroup === undefined
              ? []
              : [
                  `| best single model per task (each of the ${result.referenceAiq.groups ?? '?'} test groups its own, chosen in hindsight; hull) | ${fmt(result.referenceAiq.singleModelPerGroup)} |`,
                ]),
          ]),
      '',
    );
  }
  lines.push(
    "## Knob sweeps (selected raw slider values, the served knob's shape uncalibrated: without a floor, willingness = 10^(-4 + 0.6 x slider); with the served floor f, sliders 0-5 raise the floor from 0 to f at no price for quality and 5-10 raise the willingness from 1e-4 to 100 at floor f; the served knob calibrates its own 0-10 map; every point is the same served rule)",
    '',
    '| router | slider | quality floor | willingness (USD/quality) | quality | cost per prompt |' +
      (result.strongModel === undefined ? '' : ' strong share |'),
    '| --- | --- | --- | --- | --- | --- |' + (result.strongModel === undefined ? '' : ' --- |'),
  );
  for (const router of result.routers) {
    for (const point of router.sweep.filter(
      (p) => Number.isInteger(p.slider) && (p.slider % 2 === 0 || p.slider === 5),
    )) {
      // Raw slider 5 of the floored family is the served default's rule: the default floor at
      // (almost) no price for quality.
      const slider =
        point.slider === 5 && point.qualityFloor !== undefined ? '5 (default)' : `${point.slider}`;
      lines.push(
        `| ${router.name} | ${slider} | ${point.qualityFloor === undefined ? '-' : point.qualityFloor.toFixed(2)} | ${point.willingnessToPay.toPrecision(2)} | ${fmt(point.quality)} | ${usd(point.costUsd)} |${point.strongShare === undefined ? '' : ` ${pct(point.strongShare)} |`}`,
      );
    }
  }
  const calibrated = result.routers.filter((r) => (r.calibration ?? []).length > 0);
  if (calibrated.length > 0) {
    lines.push(
      '',
      '## Threshold calibration (RouteLLM-style)',
      '',
      "The knob is calibrated on (a 1,000-prompt sample of) each fold's training prompts to send a target share of calls to the strong model; the held-out column is the share it then realises on the test prompts.",
      '',
      '| router | target strong share | share on calibration prompts | share on held-out prompts | willingness (USD/quality, per fold) |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const router of calibrated) {
      for (const c of router.calibration ?? []) {
        lines.push(
          `| ${router.name} | ${pct(c.targetShare)} | ${pct(c.calibrationShare)} | ${pct(c.heldOutShare)} | ${c.willingnessToPay.map((w) => w.toPrecision(3)).join(', ')} |`,
        );
      }
    }
  }
  lines.push(
    '',
    result.irtHyperparameters === undefined
      ? '## Hyperparameters (chosen by CV on training rows, per fold)'
      : `## Hyperparameters (irt fixed: ${JSON.stringify(result.irtHyperparameters)}, the served artifact's or --set; others chosen by CV on training rows, per fold)`,
    '',
  );
  for (const router of result.routers.filter((r) => r.hyperparameters.length > 0)) {
    lines.push(
      `- ${router.name}: ${JSON.stringify(router.hyperparameters)} (train + predict ${(router.trainMs / 1000).toFixed(1)} s)`,
    );
  }
  if (result.published !== undefined) {
    lines.push(
      '',
      '## Published numbers (same data files)',
      '',
      '| source | value |',
      '| --- | --- |',
    );
    for (const [label, value] of Object.entries(result.published))
      lines.push(`| ${label} | ${fmt(value)} |`);
  }
  lines.push(
    '',
    `Timings (ms): ${JSON.stringify(result.timingsMs)}`,
    '',
    'Plots: frontier.svg' + (result.strongModel === undefined ? '' : ', pgr.svg'),
    '',
  );
  return lines.join('\n');
}

/** Cost–quality plot: single models, every router sweep, the Pareto hull of all points. */
export function renderFrontierSvg(result: SuiteResult): string {
  const series: Series[] = result.routers
    .filter((r) => r.sweep.length > 0)
    .map((r) => ({ name: r.name, points: r.sweep.map((p) => ({ x: p.costUsd, y: p.quality })) }));
  // A baseline that is also a router (the oracle) is plotted once, as its sweep.
  const plotted = new Set(series.map((s) => s.name));
  const fixed = result.baselines.filter((b) => b.name !== 'best-single' && !plotted.has(b.name));
  for (const b of fixed)
    series.push({
      name: b.name.replace(/^single:/u, ''),
      points: [{ x: b.costUsd.estimate, y: b.quality.estimate }],
      style: 'points',
    });
  const hull = nonDecreasingHull(
    series.flatMap((s) => s.points.map((p) => ({ cost: p.x, quality: p.y }))),
  );
  series.push({
    name: 'convex hull of all points',
    points: hull.map((p) => ({ x: p.cost, y: p.quality })),
    style: 'dashed',
  });
  return renderChart({
    title: `${result.suite}: cost vs quality`,
    xLabel: 'mean cost per prompt (USD, log scale)',
    yLabel: `mean ${result.qualityScale}`,
    series,
    logX: true,
    formatX: (x) => `$${x.toPrecision(1)}`,
  });
}

/** PGR against strong-call share for each scored router (two-model suites). */
export function renderPgrSvg(result: SuiteResult): string {
  return renderChart({
    title: `${result.suite}: performance gap recovered vs strong-model calls`,
    xLabel: `calls to ${result.strongModel ?? 'strong model'} (%)`,
    yLabel: 'PGR',
    series: result.routers.flatMap((r) =>
      r.twoModel === undefined
        ? []
        : [
            {
              name: `${r.name} (APGR ${fmt(r.twoModel.apgr.estimate)})`,
              points: r.twoModel.curve.map((p) => ({ x: p.strongShare * 100, y: p.pgr })),
            },
          ],
    ),
    formatX: (x) => x.toFixed(0),
    formatY: (y) => y.toFixed(2),
  });
}
