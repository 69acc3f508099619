import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BANDIT_POLICY_NAMES, isBanditPolicyName, type BanditPolicyName } from '../bandit/index.js';
import { loadConfig } from '../config/index.js';
import { RouterError } from '../core/index.js';
import { DATA_DIR_ENV } from '../data/index.js';
import { createEmbedder } from './create-embedder.js';
import {
  LEARNING_STREAMS,
  isLearningStream,
  prepareReplayData,
  prequentialMode,
  scenarioMode,
  simulatedOpeMode,
  type LearningStreamName,
  type ReplayData,
  type ReplayOptions,
} from '../replay/index.js';
import type { Command } from './main.js';
import { runLoggedReplay } from './replay-logged.js';
import { residualOptions, runLearning } from './replay-learning-run.js';

const HELP = `Usage: arbiter replay <mode> [options]

Modes:
  prequential   route a dataset's prompts in order, reveal only the chosen model's outcome, update;
                compare with the offline router and the oracle (JSON, Markdown, SVG)
  scenario      non-stationary stream: --scenario drift (the busiest model's quality falls halfway)
                or new-model (the best model appears halfway); reports the traffic shift
  ope           off-policy evaluation (IPS, self-normalised IPS, doubly robust, bootstrap 95% CIs):
                with --db, of --candidate on the decisions logged in DuckDB; with --dataset, on logs
                simulated from the dataset (where the true value is known, to check the estimators)
  retrain       rebuild --policy's state from the decisions and outcomes logged in --db (--save stores it)
  learning      the residual learner vs the frozen artifact vs the oracle at equal cost on streams
                the artifact never trained on (--dataset alpacaeval, llmrouter or routerbench;
                default all three); --runs seeds, --tradeoff's first value is the knob,
                --policy residual (default) and linear bandits to compare
  all           prequential (routerbench, llmrouter), both scenarios and ope on routerbench

Options:
  --dataset NAME      routerbench, llmrouter, mmlu, gsm8k, ...
  --data-dir DIR      routing data folder (default $ARBITER_DATA_DIR or ../shared/data)
  --policy NAMES      comma list of ${BANDIT_POLICY_NAMES.join(', ')} (default: all but residual
                      for prequential, residual for learning and retrain (the served default),
                      thompson for scenario)
  --candidate NAMES   ope: policies to evaluate (default: all)
  --start KIND        prior (catalog tier prior only), offline (out-of-fold offline predictor), both
  --tradeoff LIST     0-10 slider values (default 5)
  --seed N            seed for shuffling, folds and exploration (default 42)
  --runs N            prequential: runs per configuration, exploration seeds seed..seed+N-1 (default 3)
  --trainer KIND      offline predictor: knn (default), logistic, mf
  --db PATH           DuckDB file with logged decisions (ope, retrain), or a snapshot of a
                      running service (arbiter snapshot; a Parquet snapshot folder too)
  --min-ess N         ope: flag estimates whose effective sample size is below N (default 30)
  --save              retrain: save the rebuilt state to policy_state
  --out DIR           output folder (default benchmarks/results/bandit)
  --embedder KIND     use-lite (default) or hash (fast, for smoke tests)
  --residual LIST     learning, scenario, prequential: residual learner knobs, e.g.
                      epsilon=0.05,neighbours=30
  -h, --help          show this help

Example:
  arbiter replay prequential --dataset routerbench --policy thompson --start both --tradeoff 5
  arbiter replay ope --db data/arbiter.duckdb --candidate linucb,thompson
`;

const DEFAULT_OUT = 'benchmarks/results/bandit';

/** Parsed `arbiter replay` options: the replay settings plus what only the CLI uses. */
interface ReplayFlags extends ReplayOptions {
  readonly dataset: string | undefined;
  readonly trainer: 'knn' | 'logistic' | 'mf';
  readonly db: string | undefined;
  readonly save: boolean;
  readonly out: string;
  readonly embedder: 'use-lite' | 'hash';
}

/** Progress lines on stderr. */
function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Write `content` to `<dir>/<name>` (folders created). */
function writeOutput(dir: string, name: string, content: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), content);
}

function policyList(
  raw: string | undefined,
  fallback: readonly BanditPolicyName[],
): BanditPolicyName[] {
  if (raw === undefined) return [...fallback];
  return raw.split(',').map((name) => {
    const trimmed = name.trim();
    if (!isBanditPolicyName(trimmed)) {
      throw new RouterError(
        'INPUT_INVALID',
        `unknown policy "${trimmed}" (known: ${BANDIT_POLICY_NAMES.join(', ')})`,
      );
    }
    return trimmed;
  });
}

/** `arbiter replay`. */
export const replayCommand: Command = {
  summary:
    'bandit replay: prequential simulation, drift/new-model scenarios, off-policy evaluation, retrain',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dataset: { type: 'string' },
        policy: { type: 'string' },
        candidate: { type: 'string' },
        start: { type: 'string', default: 'both' },
        tradeoff: { type: 'string', default: '5' },
        seed: { type: 'string', default: '42' },
        trainer: { type: 'string', default: 'knn' },
        db: { type: 'string' },
        save: { type: 'boolean', default: false },
        out: { type: 'string', default: DEFAULT_OUT },
        embedder: { type: 'string', default: 'use-lite' },
        scenario: { type: 'string' },
        runs: { type: 'string', default: '3' },
        'data-dir': { type: 'string' },
        'min-ess': { type: 'string', default: '30' },
        residual: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    const mode = positionals[0];
    if (values.help || mode === undefined) {
      process.stdout.write(HELP);
      return values.help ? 0 : 2;
    }
    // The dataset loaders read the data folder from the environment (one place for every mode).
    if (values['data-dir'] !== undefined) process.env[DATA_DIR_ENV] = resolve(values['data-dir']);
    if (!['knn', 'logistic', 'mf'].includes(values.trainer))
      throw new RouterError('INPUT_INVALID', '--trainer must be knn, logistic or mf');
    if (!['use-lite', 'hash'].includes(values.embedder))
      throw new RouterError('INPUT_INVALID', '--embedder must be use-lite or hash');
    if (!['prior', 'offline', 'both'].includes(values.start))
      throw new RouterError('INPUT_INVALID', '--start must be prior, offline or both');
    const sliders = values.tradeoff.split(',').map(Number);
    if (sliders.some((s) => !(s >= 0 && s <= 10)))
      throw new RouterError('INPUT_INVALID', '--tradeoff values must be in [0, 10]');
    const minEss = Number(values['min-ess']);
    if (!(minEss >= 0)) throw new RouterError('INPUT_INVALID', '--min-ess must be a number >= 0');
    const seed = Number(values.seed);
    if (!Number.isInteger(seed) || seed < 0)
      throw new RouterError('INPUT_INVALID', '--seed must be a non-negative integer');
    const flags: ReplayFlags = {
      dataset: values.dataset,
      policies: policyList(
        values.policy,
        mode === 'prequential' || mode === 'all'
          ? BANDIT_POLICY_NAMES.filter((name) => name !== 'residual')
          : mode === 'learning'
            ? ['residual']
            : mode === 'retrain'
              ? [loadConfig({ env: {} }).policy as BanditPolicyName]
              : ['thompson'],
      ),
      candidates: policyList(values.candidate, BANDIT_POLICY_NAMES),
      starts:
        values.start === 'both' ? ['prior', 'offline'] : [values.start as 'prior' | 'offline'],
      sliders,
      seed,
      trainer: values.trainer as ReplayFlags['trainer'],
      db: values.db,
      save: values.save,
      out: values.out,
      write: (name, content) => writeOutput(values.out, name, content),
      log,
      embedder: values.embedder as ReplayFlags['embedder'],
      runs: Number(values.runs),
    };
    if (!Number.isInteger(flags.runs) || flags.runs < 1) {
      throw new RouterError('INPUT_INVALID', '--runs must be a positive integer');
    }
    switch (mode) {
      case 'prequential':
        prequentialMode(
          { ...flags, residual: residualOptions(values.residual) },
          await data(flags, requireDataset(flags)),
        );
        return 0;
      case 'scenario': {
        const scenario = values.scenario;
        if (scenario !== 'drift' && scenario !== 'new-model') {
          throw new RouterError('INPUT_INVALID', '--scenario must be drift or new-model');
        }
        scenarioMode(
          { ...flags, residual: residualOptions(values.residual) },
          await data(flags, requireDataset(flags)),
          scenario,
        );
        return 0;
      }
      case 'ope':
        if (flags.db !== undefined)
          return runLoggedReplay({
            mode: 'ope',
            db: flags.db,
            candidates: flags.candidates,
            seed,
            minEffectiveSampleSize: minEss,
            print: log,
          });
        simulatedOpeMode(flags, await data(flags, requireDataset(flags)));
        return 0;
      case 'retrain': {
        if (flags.db === undefined) throw new RouterError('INPUT_INVALID', 'retrain needs --db');
        return runLoggedReplay({
          mode: 'retrain',
          db: flags.db,
          candidates: flags.policies,
          seed,
          save: flags.save,
          print: log,
        });
      }
      case 'learning': {
        const streams =
          flags.dataset === undefined ? Object.keys(LEARNING_STREAMS) : flags.dataset.split(',');
        for (const name of streams) {
          if (!isLearningStream(name)) {
            throw new RouterError(
              'INPUT_INVALID',
              `unknown stream "${name}" (known: ${Object.keys(LEARNING_STREAMS).join(', ')})`,
            );
          }
        }
        await runLearning({
          flags,
          streams: streams as LearningStreamName[],
          residual: residualOptions(values.residual),
          argv,
        });
        return 0;
      }
      case 'all':
        for (const dataset of ['routerbench', 'llmrouter'])
          prequentialMode(flags, await data(flags, dataset));
        scenarioMode(flags, await data(flags, 'routerbench'), 'drift');
        scenarioMode(flags, await data(flags, 'routerbench'), 'new-model');
        simulatedOpeMode(flags, await data(flags, 'routerbench'));
        return 0;
      default:
        throw new RouterError(
          'INPUT_INVALID',
          `unknown replay mode "${mode}" (see arbiter replay --help)`,
        );
    }
  },
};

function requireDataset(flags: ReplayFlags): string {
  if (flags.dataset === undefined)
    throw new RouterError('INPUT_INVALID', '--dataset is required for this mode');
  return flags.dataset;
}

const cache = new Map<string, ReplayData>();

async function data(flags: ReplayFlags, dataset: string): Promise<ReplayData> {
  const key = `${dataset}:${flags.embedder}:${flags.trainer}:${flags.seed}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const embedder = await createEmbedder(
    loadConfig({ env: {}, overrides: { embedder: flags.embedder } }),
  );
  try {
    const prepared = await prepareReplayData({
      dataset,
      embedder,
      seed: flags.seed,
      trainer: flags.trainer,
      log,
    });
    cache.set(key, prepared);
    return prepared;
  } finally {
    await embedder.close();
  }
}
