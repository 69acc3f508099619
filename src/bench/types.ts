import type { Interval } from '../metrics/index.js';
import type { QualityHyperparameters } from '../predict/index.js';

/** Benchmark suites `arbiter bench --suite` knows. */
export const SUITE_NAMES = [
  'mtbench',
  'mmlu',
  'routerbench',
  'routerbench-prompts',
  'llmrouter',
] as const;

/** One suite name. */
export type SuiteName = (typeof SUITE_NAMES)[number];

/** How the test prompts are kept apart from the training prompts. */
export type Protocol =
  /** Train on `train` datasets, test on every prompt of `test`. */
  | { readonly kind: 'transfer'; readonly train: readonly string[]; readonly test: string }
  /** K folds over one dataset, whole groups (subject/task) per fold; every prompt is tested once. */
  | { readonly kind: 'group-folds'; readonly dataset: string; readonly folds: number }
  /** K folds over one dataset, rows shuffled (seeded) and stratified by nothing. */
  | { readonly kind: 'random-folds'; readonly dataset: string; readonly folds: number }
  /** One seeded held-out share of one dataset. */
  | { readonly kind: 'holdout'; readonly dataset: string; readonly testFraction: number };

/** A suite: data, protocol and accounting assumptions. */
export interface SuiteConfig {
  readonly name: string;
  readonly description: string;
  readonly protocol: Protocol;
  /**
   * Output tokens assumed when neither the data nor a trained length predictor gives one (tokens).
   * Only used for cost accounting where responses are absent (MMLU, LLMRouter).
   */
  readonly defaultOutputTokens: number;
  /** Published numbers to print beside ours (free text label → value). */
  readonly published?: Readonly<Record<string, number>>;
}

/** Metrics of a fixed (non-tunable) strategy on the test prompts. */
export interface StrategySummary {
  readonly name: string;
  readonly kind: 'baseline' | 'router';
  /** Mean quality (MT-Bench: judge score 1-10; else [0, 1]) with a 95% bootstrap interval. */
  readonly quality: Interval;
  /** Mean cost per prompt, USD. */
  readonly costUsd: Interval;
  /** Share of calls per model id. */
  readonly shares: Readonly<Record<string, number>>;
}

/** A router's knob sweep: one operating point per slider value. */
export interface SweepPoint {
  /** 0-10 slider. */
  readonly slider: number;
  /** USD per unit quality. */
  readonly willingnessToPay: number;
  /** Quality floor of the point (routers scored with the served floor). */
  readonly qualityFloor?: number;
  readonly quality: number;
  readonly costUsd: number;
  /** Share of calls to the strong model (two-model suites). */
  readonly strongShare?: number;
}

/** Two-model (RouteLLM) metrics of one scored router. */
export interface TwoModelMetrics {
  /** Area under PGR vs strong share, exact threshold sweep. */
  readonly apgr: Interval;
  /** The same over RouteLLM's 11 quantile thresholds (its published protocol). */
  readonly apgrRouteLlm: number;
  /** Strong-call share reaching PGR 50% / 80%. */
  readonly cpt50: Interval;
  readonly cpt80: Interval;
  /** The exact curve, for plots: strong share and PGR. */
  readonly curve: readonly { readonly strongShare: number; readonly pgr: number }[];
}

/** Many-model (RouterBench) metrics of one router sweep. */
export interface ManyModelMetrics {
  /** AIQ over the common cost range, with a 95% interval. */
  readonly aiq: Interval;
}

/** A router's results. */
export interface RouterResult {
  readonly name: string;
  readonly description: string;
  readonly sweep: readonly SweepPoint[];
  readonly twoModel?: TwoModelMetrics;
  readonly manyModel?: ManyModelMetrics;
  /** Hyperparameters chosen by cross-validation on the training rows, per fold. */
  readonly hyperparameters: readonly unknown[];
  /** Wall time to train and predict, all folds, ms. */
  readonly trainMs: number;
  /** Two-model suites: knob calibrated on training prompts for a target strong share, and the share it realises on the test prompts. */
  readonly calibration?: readonly CalibrationResult[];
}

/** RouteLLM-style threshold calibration of one router for one target share. */
export interface CalibrationResult {
  /** Target share of strong-model calls. */
  readonly targetShare: number;
  /** Calibrated willingness to pay per fold, USD per unit quality. */
  readonly willingnessToPay: readonly number[];
  /** Share reached on the calibration (training) prompts, mean over folds. */
  readonly calibrationShare: number;
  /** Share realised on the held-out test prompts. */
  readonly heldOutShare: number;
}

/** Everything `results.json` holds. */
export interface SuiteResult {
  readonly suite: string;
  readonly description: string;
  readonly protocol: Protocol;
  readonly seed: number;
  readonly environment: {
    readonly gitCommit: string;
    readonly nodeVersion: string;
    readonly cores: number;
    readonly embedder: string;
    readonly startedAt: string;
  };
  /** sha256 of every input file, by path relative to the data directory. */
  readonly dataHashes: Readonly<Record<string, string>>;
  readonly models: readonly string[];
  readonly strongModel?: string;
  readonly weakModel?: string;
  readonly testPrompts: number;
  /** Test prompts not scored because some model's label or cost is missing. */
  readonly unlabelledDropped: number;
  readonly folds: number;
  readonly qualityScale: string;
  readonly costAccounting: string;
  /** irt's hyperparameters when fixed for every fold (`--set`, or the served artifact's); absent: CV. */
  readonly irtHyperparameters?: QualityHyperparameters;
  readonly costRange: { readonly min: number; readonly max: number };
  readonly baselines: readonly StrategySummary[];
  readonly routers: readonly RouterResult[];
  /**
   * AIQ of the best mix of single models, of the best single model per group (task) chosen in
   * hindsight (when the test prompts have two or more groups), and of the oracle sweep (many-model
   * suites).
   */
  readonly referenceAiq?: {
    readonly singleModelMix: number;
    readonly singleModelPerGroup?: number;
    readonly groups?: number;
    readonly oracle: number;
  };
  readonly published?: Readonly<Record<string, number>>;
  readonly timingsMs: Readonly<Record<string, number>>;
}
