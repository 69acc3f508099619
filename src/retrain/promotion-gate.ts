/**
 * The promotion gate: before a candidate artifact serves, it and the artifact in service re-make
 * every logged decision that has an outcome, with the served decision rule (decision-rule.ts), the
 * logged willingness to pay and the logged cost estimates; only their predicted quality differs.
 *
 * - Replay: where an artifact's choice matches the logged choice, the observed quality and cost.
 * - Off-policy: each artifact as a deterministic policy, evaluated with the logged propensities by
 *   `evaluateOffPolicy` (the estimators of `arbiter replay ope`: IPS, SNIPS, doubly robust with the
 *   logged predictions as the direct-method model, bootstrap intervals).
 * - The paired difference: every estimator there is linear in the policy's probabilities, so
 *   evaluating the signed "policy" π_candidate − π_current gives V(candidate) − V(current) per
 *   decision, and its bootstrap interval resamples decisions jointly for both artifacts.
 *
 * A regression is a candidate whose doubly-robust value is lower with 95% confidence: the paired
 * interval lies wholly below zero.
 */
import {
  evaluateOffPolicy,
  observedQuality,
  reward,
  type LoggedDecision,
} from '../bandit/index.js';
import type { Catalog, CatalogModel } from '../catalog/index.js';
import { createRng } from '../core/index.js';
import type { Interval } from '../metrics/index.js';
import { chooseArm, type ArmPredictor } from '../router/index.js';
import type { LoggedEntry } from './logged-outcomes.js';

/** Below this many usable decisions the gate does not judge (verdict `insufficient_evidence`). */
export const DEFAULT_MIN_GATE_DECISIONS = 20;

/** One artifact's figures on the logged decisions. */
export interface GateArtifactReport {
  readonly version: string;
  /** Decisions where its choice is the logged one. */
  readonly matched: number;
  /** Mean observed quality on those decisions (NaN when none). */
  readonly matchedQuality: number;
  /** Mean observed cost on those decisions, USD (NaN when none). */
  readonly matchedCostUsd: number;
  /** Doubly-robust estimate of its mean reward (quality − cost / willingness to pay). */
  readonly doublyRobust: Interval;
  /** Self-normalised IPS estimate. */
  readonly snips: Interval;
  /** Kish effective sample size of its importance weights. */
  readonly effectiveSampleSize: number;
}

/** The gate's verdict and the numbers behind it. */
export interface GateReport {
  readonly verdict: 'ok' | 'regression' | 'insufficient_evidence';
  /** One line saying why. */
  readonly reason: string;
  /** Logged decisions used. */
  readonly decisions: number;
  /** Decisions left out, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  /** True when only decisions held out of the candidate's own training (`--db`) were used. */
  readonly heldOutOnly: boolean;
  /** Share of decisions where both artifacts choose the same model. */
  readonly agreement: number;
  readonly current: GateArtifactReport;
  readonly candidate: GateArtifactReport;
  /** Candidate minus current, doubly robust, paired bootstrap interval. */
  readonly difference: Interval;
}

/** Options of {@link gateCandidate}. */
export interface GateOptions {
  readonly entries: readonly LoggedEntry[];
  readonly current: ArmPredictor;
  readonly candidate: ArmPredictor;
  readonly catalog: Catalog;
  /** The running embedder: decisions embedded by another are skipped. */
  readonly embedderId: string;
  /** Keep only these decisions (by prompt hash), e.g. those the candidate did not train on. */
  readonly include?: (promptHash: string) => boolean;
  /** @default 0 */
  readonly seed?: number;
  /** Bootstrap resamples. @default 1000 */
  readonly resamples?: number;
  /** @default DEFAULT_MIN_GATE_DECISIONS */
  readonly minDecisions?: number;
}

const NAN_INTERVAL: Interval = { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };

/** The usable logged decisions: what was logged, what was observed, and how to re-make each. */
interface GateRows {
  readonly logs: LoggedDecision[];
  readonly observed: { quality: number; cost: number }[];
  /** Per decision: the served rule's choice (an arm index) under a predictor. */
  readonly replays: ((predictor: ArmPredictor) => number)[];
  readonly skipped: Record<string, number>;
}

/** Compare `candidate` with `current` on the logged decisions (pure; seeded bootstrap). */
export function gateCandidate(options: GateOptions): GateReport {
  const rows = gateRows(options);
  return judge(options, rows, {
    current: rows.replays.map((replay) => replay(options.current)),
    candidate: rows.replays.map((replay) => replay(options.candidate)),
  });
}

/**
 * {@link gateCandidate} for a serving process: the decisions are re-made in chunks, yielding to the
 * event loop between chunks, so requests keep being answered while a large log is replayed.
 */
export async function gateCandidateAsync(
  options: GateOptions & {
    /** Decisions re-made between two yields. @default 100 */
    readonly chunk?: number;
  },
): Promise<GateReport> {
  const rows = gateRows(options);
  const chunk = options.chunk ?? 100;
  const choices = { current: [] as number[], candidate: [] as number[] };
  for (let start = 0; start < rows.replays.length; start += chunk) {
    for (const replay of rows.replays.slice(start, start + chunk)) {
      choices.current.push(replay(options.current));
      choices.candidate.push(replay(options.candidate));
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return judge(options, rows, choices);
}

function gateRows(options: GateOptions): GateRows {
  const skipped: Record<string, number> = {};
  const skip = (reason: string): void => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
  };
  const logs: LoggedDecision[] = [];
  const replays: ((predictor: ArmPredictor) => number)[] = [];
  const observed: { quality: number; cost: number }[] = [];
  for (const { decision, outcomes } of options.entries) {
    if (options.include !== undefined && !options.include(decision.promptHash)) {
      skip('trained_on');
      continue;
    }
    const outcome = outcomes.find((o) => o.model === decision.chosenModel);
    const quality = outcome === undefined ? undefined : observedQuality(outcome);
    if (outcome === undefined || quality === undefined) {
      skip('no_outcome');
      continue;
    }
    if (decision.embedding === null || decision.embedderId !== options.embedderId) {
      skip('no_embedding');
      continue;
    }
    const wtp = decision.features?.['willingness_to_pay'];
    if (typeof wtp !== 'number' || !(wtp > 0)) {
      skip('no_willingness_to_pay');
      continue;
    }
    const models = decision.predicted.map((arm) => options.catalog.get(arm.model));
    const chosen = decision.predicted.findIndex((arm) => arm.model === decision.chosenModel);
    if (chosen < 0 || models.some((model) => model === undefined)) {
      skip('model_not_in_catalog');
      continue;
    }
    const embedding = decision.embedding;
    replays.push((predictor) => {
      const estimates = predictor.estimate(embedding, models as CatalogModel[]);
      return chooseArm(
        decision.predicted.map((arm, a) => ({
          predictedQuality: estimates[a]?.quality ?? 0,
          estimatedCostUsd: arm.costUsd,
        })),
        { willingnessToPay: wtp },
      );
    });
    const cost = outcome.costUsd ?? decision.predicted[chosen]?.costUsd ?? 0;
    observed.push({ quality, cost });
    logs.push({
      chosen,
      propensity: decision.propensity,
      reward: reward(quality, cost, wtp),
      estimatedRewards: decision.predicted.map((arm) => reward(arm.quality, arm.costUsd, wtp)),
    });
  }
  return { logs, observed, replays, skipped };
}

/** The verdict from the two artifacts' choices on the rows. */
function judge(
  options: GateOptions,
  rows: GateRows,
  choices: { readonly current: readonly number[]; readonly candidate: readonly number[] },
): GateReport {
  const { logs, observed, skipped } = rows;
  const n = logs.length;
  const oneHot = (picks: readonly number[]): number[][] =>
    logs.map((log, i) => log.estimatedRewards.map((_, a) => (a === picks[i] ? 1 : 0)));
  const seed = options.seed ?? 0;
  const resamples = options.resamples ?? 1000;
  const report = (predictor: ArmPredictor, picks: readonly number[]): GateArtifactReport => {
    let matched = 0;
    let quality = 0;
    let cost = 0;
    picks.forEach((pick, i) => {
      if (pick !== logs[i]?.chosen) return;
      matched += 1;
      quality += observed[i]?.quality ?? 0;
      cost += observed[i]?.cost ?? 0;
    });
    const estimate =
      n === 0
        ? undefined
        : evaluateOffPolicy({
            logs,
            probabilities: oneHot(picks),
            rng: createRng(seed),
            resamples,
          });
    return {
      version: predictor.version,
      matched,
      matchedQuality: matched === 0 ? Number.NaN : quality / matched,
      matchedCostUsd: matched === 0 ? Number.NaN : cost / matched,
      doublyRobust: estimate?.doublyRobust ?? NAN_INTERVAL,
      snips: estimate?.snips ?? NAN_INTERVAL,
      effectiveSampleSize: estimate?.effectiveSampleSize ?? 0,
    };
  };
  const current = report(options.current, choices.current);
  const candidate = report(options.candidate, choices.candidate);
  const candidateHot = oneHot(choices.candidate);
  const currentHot = oneHot(choices.current);
  const difference =
    n === 0
      ? NAN_INTERVAL
      : evaluateOffPolicy({
          logs,
          probabilities: candidateHot.map((row, i) =>
            row.map((p, a) => p - (currentHot[i]?.[a] ?? 0)),
          ),
          rng: createRng(seed),
          resamples,
        }).doublyRobust;
  const agreement =
    n === 0 ? Number.NaN : choices.candidate.filter((c, i) => c === choices.current[i]).length / n;
  const minimum = options.minDecisions ?? DEFAULT_MIN_GATE_DECISIONS;
  const f = (v: number): string => v.toFixed(4);
  let verdict: GateReport['verdict'];
  let reason: string;
  if (n < minimum) {
    verdict = 'insufficient_evidence';
    reason = `${n} logged decisions with outcomes, below the ${minimum} needed to judge`;
  } else if (difference.high < 0) {
    verdict = 'regression';
    reason =
      `estimated reward ${f(candidate.doublyRobust.estimate)} vs ${f(current.doublyRobust.estimate)} in service: ` +
      `difference ${f(difference.estimate)} (95% CI ${f(difference.low)} to ${f(difference.high)}) over ${n} decisions`;
  } else {
    verdict = 'ok';
    reason =
      `difference ${f(difference.estimate)} (95% CI ${f(difference.low)} to ${f(difference.high)}) ` +
      `over ${n} decisions: not worse with 95% confidence`;
  }
  return {
    verdict,
    reason,
    decisions: n,
    skipped,
    heldOutOnly: options.include !== undefined,
    agreement,
    current,
    candidate,
    difference,
  };
}
