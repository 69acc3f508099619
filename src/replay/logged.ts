/**
 * Replay of the decisions and outcomes the service logged (`arbiter replay ope --db`, `arbiter
 * replay retrain --db`): off-policy estimates of candidate policies, and policies rebuilt from
 * the log.
 */
import {
  createPolicy,
  evaluateOffPolicy,
  observedQuality,
  retrainFromLogs,
  reward,
  type BanditPolicy,
  type BanditPolicyName,
  type LoggedDecision,
  type LoggedOutcome,
} from '../bandit/index.js';
import { loadCatalog } from '../catalog/index.js';
import { createRng, errorMessage } from '../core/index.js';
import { summaryFromRecord } from '../service/index.js';
import type { DecisionRecord, OutcomeRecord, Store } from '../store/index.js';

/** Most decisions read from the log. */
const MAX_DECISIONS = 1_000_000;

/** One logged decision with its outcomes. */
export interface LoggedEntry {
  readonly decision: DecisionRecord;
  readonly outcomes: OutcomeRecord[];
}

/** Every logged decision with its outcomes, oldest first. */
export async function readDecisionLog(store: Store): Promise<LoggedEntry[]> {
  const decisions = (await store.decisions.list({ limit: MAX_DECISIONS })).reverse();
  const out = [];
  for (const decision of decisions)
    out.push({ decision, outcomes: await store.outcomes.listForDecision(decision.id) });
  return out;
}

/** Below this effective sample size an off-policy estimate is reported as unreliable. */
export const DEFAULT_MIN_EFFECTIVE_SAMPLE_SIZE = 30;

/**
 * The warning for an estimate resting on too few effectively-weighted decisions (importance
 * weights concentrate on a handful of them), or undefined when it rests on enough.
 */
export function sampleSizeWarning(
  candidate: string,
  effectiveSampleSize: number | undefined,
  minimum: number,
): string | undefined {
  if (effectiveSampleSize !== undefined && effectiveSampleSize >= minimum) return undefined;
  const ess =
    effectiveSampleSize === undefined
      ? 'no usable decision'
      : `an effective sample size of ${effectiveSampleSize.toFixed(1)}`;
  return (
    `warning: the estimate for ${candidate} rests on ${ess}, below the minimum of ${minimum} ` +
    '(--min-ess): its value and interval are not reliable; log more decisions with outcomes'
  );
}

/**
 * Rebuild each candidate policy from the logged outcomes; with `save`, store its state in
 * `store.policyState`. One report per candidate.
 */
export async function retrainFromDecisionLog(options: {
  readonly store: Store;
  readonly log: readonly LoggedEntry[];
  readonly candidates: readonly BanditPolicyName[];
  readonly save?: boolean;
}): Promise<unknown[]> {
  const { store, log } = options;
  const catalog = loadCatalog();
  const entries: LoggedOutcome[] = log.flatMap(({ decision, outcomes }) => {
    const context = summaryFromRecord(decision);
    return outcomes.map((outcome) => ({ decision: context, outcome }));
  });
  const reports = [];
  for (const name of options.candidates) {
    const policy = createPolicy(name);
    const result = retrainFromLogs({
      policy,
      entries,
      tagsOf: (model) => {
        const entry = catalog.get(model);
        return entry === undefined
          ? undefined
          : { tier: entry.tags.tier, family: entry.tags.family };
      },
    });
    if (options.save === true) {
      await store.policyState.save({ name, version: policy.version, state: policy.toState() });
    }
    reports.push({
      policy: name,
      ...result,
      version: policy.version,
      saved: options.save === true,
    });
  }
  return reports;
}

/**
 * Off-policy estimates (IPS, SNIPS, DR with bootstrap intervals) of each candidate on the logged
 * decisions, with the logged propensities; an estimate on too small an effective sample carries a
 * warning (also printed). One report per candidate.
 */
export async function evaluateDecisionLog(options: {
  readonly log: readonly LoggedEntry[];
  readonly candidates: readonly BanditPolicyName[];
  /** The candidate as it stands (saved state, or fresh). */
  readonly loadPolicy: (name: BanditPolicyName) => Promise<BanditPolicy>;
  readonly seed: number;
  /** Effective sample size below which an estimate is flagged. @default 30 */
  readonly minEffectiveSampleSize?: number;
  readonly print: (line: string) => void;
}): Promise<unknown[]> {
  const { log } = options;
  const minimum = options.minEffectiveSampleSize ?? DEFAULT_MIN_EFFECTIVE_SAMPLE_SIZE;
  const reports = [];
  for (const name of options.candidates) {
    const candidate = await options.loadPolicy(name);
    const logs: LoggedDecision[] = [];
    const probabilities: number[][] = [];
    const skipped: Record<string, number> = {};
    const skip = (reason: string): void => {
      skipped[reason] = (skipped[reason] ?? 0) + 1;
    };
    for (const { decision, outcomes } of log) {
      const outcome = outcomes.find((o) => o.model === decision.chosenModel);
      const quality = outcome === undefined ? undefined : observedQuality(outcome);
      if (outcome === undefined || quality === undefined) {
        skip('no_outcome');
        continue;
      }
      if (decision.embedding === null) {
        skip('no_embedding');
        continue;
      }
      const wtpRaw = decision.features?.['willingness_to_pay'];
      const wtp = typeof wtpRaw === 'number' && wtpRaw > 0 ? wtpRaw : 0.1;
      const arms = decision.predicted.map((arm) => ({
        model: arm.model,
        predictedQuality: arm.quality,
        estimatedCostUsd: arm.costUsd,
        score: reward(arm.quality, arm.costUsd, wtp),
      }));
      const chosen = arms.findIndex((arm) => arm.model === decision.chosenModel);
      if (chosen < 0) {
        skip('chosen_not_in_predictions');
        continue;
      }
      let pi: number[];
      try {
        pi = candidate.probabilities({
          arms,
          embedding: decision.embedding,
          willingnessToPay: wtp,
        });
      } catch (error: unknown) {
        skip(`candidate_failed: ${errorMessage(error)}`);
        continue;
      }
      const cost = outcome.costUsd ?? arms[chosen]?.estimatedCostUsd ?? 0;
      logs.push({
        chosen,
        propensity: decision.propensity,
        reward: reward(quality, cost, wtp),
        estimatedRewards: arms.map((arm) => arm.score),
      });
      probabilities.push(pi);
    }
    const estimate =
      logs.length === 0
        ? undefined
        : evaluateOffPolicy({ logs, probabilities, rng: createRng(options.seed), resamples: 1000 });
    const warning = sampleSizeWarning(name, estimate?.effectiveSampleSize, minimum);
    if (warning !== undefined) options.print(warning);
    reports.push({
      candidate: name,
      version: candidate.version,
      decisions: logs.length,
      skipped,
      estimate,
      reliable: warning === undefined,
      ...(warning === undefined ? {} : { warning }),
    });
  }
  return reports;
}
