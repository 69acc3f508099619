/**
 * `arbiter bench`: run a routing benchmark suite and write results.json, report.md and SVG plots.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative } from 'node:path';
import { loadPredictorArtifact, parseManifest, type ArtifactManifest } from '../artifact/index.js';
import { loadCatalog } from '../catalog/index.js';
import { parseArgs } from 'node:util';
import {
  SUITE_NAMES,
  runSuite,
  suiteConfig,
  writeSuiteOutputs,
  type ServedArtifactCandidate,
  type SuiteConfig,
} from '../bench/index.js';
import { RouterError } from '../core/index.js';
import { artifactArmPredictor, artifactVersion } from '../retrain/index.js';
import {
  REPO_ROOT,
  loadLogDataset,
  resolveDataDir,
  type BadRow,
  type RoutingDataset,
} from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import { createUseLiteEmbedder, HashEmbedder } from '../embed/index.js';
import {
  parseEverydayWeight,
  parseNeighbourMode,
  TRAINER_KINDS,
  type QualityHyperparameters,
  type TrainerKind,
} from '../predict/index.js';
import type { Command } from './main.js';
import { gitCommit } from './git-commit.js';
import { parseHyperparameters, servedHyperparameters } from './hyperparameter-flags.js';

const HELP = `Usage: arbiter bench --suite NAME [--out DIR] [options]
       arbiter bench --train LIST --test NAME [--out DIR] [options]
       arbiter bench [--train LIST] --test-file FILE.jsonl [--out DIR] [options]

Compare routing strategies on the same held-out prompts: random, cheapest, each single model, best
single model, oracle, and the learned routers (kNN, logistic, matrix factorisation) across the
quality/cost knob. Writes DIR/results.json, DIR/report.md, DIR/frontier.svg (+ DIR/pgr.svg for
two-model suites). Embeddings come from the persistent cache (training/cache/embeddings).

Suites: ${SUITE_NAMES.join(', ')}
  mtbench      train MMLU + GSM8K, test the 72 MT-Bench questions (APGR, CPT vs RouteLLM)
  mmlu         5 folds held out by subject
  routerbench  3 folds, one RouterBench task file held out per fold (AIQ, Pareto)
  routerbench-prompts  5 folds split by prompt (every task seen in training)
  llmrouter    seeded 20% hold-out of LLMRouter train.json (AIQ, Pareto)

Options:
  --suite NAME       one of the suites above
  --train LIST       custom transfer suite: comma-separated training datasets
  --test NAME        custom transfer suite: the test dataset (shared datasets, or
                     alpacaeval/gpt-3.5-turbo-1106 | alpacaeval/claude-instant-v1 |
                     alpacaeval/mixtral-8x7b: GPT-4 Turbo vs that model, evaluation only)
  --test-file FILE   score on your own prompts: a JSONL log (docs/log-format.md) with a quality
                     per model per prompt; trained on --train (default
                     mmlu,gsm8k,routerbench,llmrouter,everyday: the shipped artifact's recipe,
                     whose artifact is then scored itself, see --refit). Prompts
                     whose text (whitespace-normalised) is in the training data are dropped from
                     training; prompts without a label for every model are not scored. Rows
                     naming a model the catalog does not know (or malformed rows) are skipped
                     with a warning on stderr
  --strict           with --test-file: fail on any bad row instead of skipping it
  --extra-train LIST datasets added to every fold's training rows, any suite (e.g. everyday)
  --everyday-weight W  loss weight of an everyday row relative to an outcome row (irt;
                     default 0.5, as the shipped artifact)
  --neighbours MODE  irt's neighbour term (each prediction moved toward the mean outcome of the
                     50 nearest training prompts, by a weight the served rule chooses on folds of
                     the training rows): off (default), prompt (random folds: for test prompts from
                     the training tasks; LLMRouter suite 0.626 -> 0.654 before the joint model's
                     prompt clusters, 0.654 -> 0.654 with them), group (folds hold out whole
                     tasks; MMLU suite 0.543 -> 0.490). Considered only when the training rows label
                     every model (one dataset, or datasets over the same models)
  --out DIR          output directory (default benchmarks/results/<suite>)
  --routers LIST     comma-separated: ${TRAINER_KINDS.join(', ')} (default irt,logistic; irt
                     is the served predictor; every router is scored with the served rule)
  --seed N           seed for folds, bootstrap and training (default 42; a served artifact
                     scored as it serves keeps the seed it was trained with)
  --resamples N      bootstrap resamples (default 500)
  --tune-rows N      CV for hyperparameters on at most N training rows (default 4000)
  --set KEY=VALUE    fixed hyperparameter of irt (repeatable): latentDimension, clusters,
                     members (default 8), l2Model, ... as in \`arbiter train --set\`. Where the
                     served artifact's hyperparameters apply (below) it changes the keys it names
                     and keeps the others; elsewhere the named keys replace CV for irt
  --artifact DIR     with --test-file or --train/--test: the served artifact (default
                     models/default, or $ARBITER_ARTIFACT); when it was trained on the --train
                     datasets, irt is fitted with its hyperparameters (the configuration
                     /v1/route serves) instead of re-choosing them by CV on a sample of the rows
  --tune             with --test-file or --train/--test: choose irt's hyperparameters by CV
                     (--tune-rows) even when the served artifact's apply
  --refit            with --test-file or --train/--test: fit irt on the training rows even when
                     the served artifact was trained on exactly them (by default that artifact
                     is scored as it serves: same datasets, files of the same sha256, no
                     training prompt in the test set, no --set, --tune, --everyday-weight or
                     --neighbours; the report says which, and why not)
  --embedder NAME    use-lite | hash (default use-lite; hash is for smoke tests)
  --data-dir DIR     shared data (default $ARBITER_DATA_DIR or ../shared/data)
  -h, --help         this text
`;

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new RouterError('INPUT_INVALID', `--${name} must be a non-negative integer`, {
      details: { option: name },
    });
  }
  return parsed;
}

/** Warn on stderr about test-file rows that are skipped: per reason, a count and the first line. */
function warnSkipped(file: string, rows: readonly BadRow[]): void {
  const byReason = new Map<string, { count: number; line: number }>();
  for (const row of rows) {
    const seen = byReason.get(row.reason);
    if (seen === undefined) byReason.set(row.reason, { count: 1, line: row.line });
    else seen.count++;
  }
  process.stderr.write(
    `warning: ${file}: skipped ${rows.length} row(s) (--strict fails instead):\n`,
  );
  const reasons = [...byReason].sort((a, b) => b[1].count - a[1].count);
  for (const [reason, { count, line }] of reasons.slice(0, 20))
    process.stderr.write(`  ${count} x ${reason} (first at line ${line})\n`);
  if (reasons.length > 20) process.stderr.write(`  ... and ${reasons.length - 20} more reasons\n`);
}

/** `key=value, ...` for a stderr line. */
function describeHyperparameters(hyperparameters: QualityHyperparameters): string {
  return Object.entries(hyperparameters)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

/**
 * The served artifact's joint-model hyperparameters when it was trained on `train` (its manifest's
 * recipe), with a line on stderr saying which; undefined (CV chooses) otherwise.
 */
function servedArtifactHyperparameters(
  artifact: string | undefined,
  train: readonly string[],
):
  { hyperparameters: QualityHyperparameters; dir: string; manifest: ArtifactManifest } | undefined {
  const dir = artifact ?? process.env.ARBITER_ARTIFACT ?? join(REPO_ROOT, 'models', 'default');
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) {
    if (artifact !== undefined)
      throw new RouterError('INPUT_INVALID', `--artifact ${artifact}: no manifest.json there`, {
        details: { option: 'artifact', path },
      });
    return undefined;
  }
  const manifest = parseManifest(JSON.parse(readFileSync(path, 'utf8')) as unknown, path);
  const fixed = servedHyperparameters(manifest, train);
  process.stderr.write(
    fixed === undefined
      ? `arbiter bench: ${path} was not trained on ${train.join(',')} as irt; hyperparameters chosen by CV\n`
      : `arbiter bench: irt hyperparameters of the served artifact (${path}): ${describeHyperparameters(fixed)}; --tune chooses them by CV instead\n`,
  );
  return fixed === undefined ? undefined : { hyperparameters: fixed, dir, manifest };
}

/**
 * The served artifact as a candidate for scoring in place of a fit: run-suite.ts reads its predictor
 * only when the manifest says it was trained on exactly the suite's rows with this embedder.
 */
function servedCandidate(
  dir: string,
  manifest: ArtifactManifest,
  embedder: Embedder,
): ServedArtifactCandidate {
  const inRepo = relative(REPO_ROOT, dir);
  return {
    // Shown in reports: relative to the repository when it is inside it (committed reports).
    dir: inRepo.startsWith('..') || isAbsolute(inRepo) ? dir : inRepo,
    embedderId: manifest.embedder.id,
    trainedOn: {
      datasets: manifest.trainedOn.datasets,
      sha256: manifest.trainedOn.files.map((file) => file.sha256),
    },
    createdBy: manifest.createdBy,
    load: () => {
      const artifact = loadPredictorArtifact(dir, {
        embedderId: embedder.modelId,
        dimension: embedder.dimension,
      });
      const version = artifactVersion(artifact.manifest);
      return {
        version,
        quality: artifact.quality,
        outputLength: artifact.outputLength,
        arm: artifactArmPredictor(artifact, version),
      };
    },
  };
}

/** Run `arbiter bench`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      suite: { type: 'string' },
      train: { type: 'string' },
      test: { type: 'string' },
      'test-file': { type: 'string' },
      strict: { type: 'boolean' },
      out: { type: 'string' },
      routers: { type: 'string' },
      'extra-train': { type: 'string' },
      'everyday-weight': { type: 'string' },
      neighbours: { type: 'string' },
      seed: { type: 'string' },
      resamples: { type: 'string' },
      'tune-rows': { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      tune: { type: 'boolean' },
      refit: { type: 'boolean' },
      artifact: { type: 'string' },
      embedder: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(HELP);
    return 0;
  }
  let config: SuiteConfig;
  /** `--set` keys: they override the served artifact's (when those apply), or replace CV. */
  const setHyperparameters: QualityHyperparameters | undefined =
    values.set.length === 0 ? undefined : parseHyperparameters(values.set);
  /** irt's hyperparameters when fixed (the served artifact's for its recipe, --set); else CV. */
  let irtHyperparameters: QualityHyperparameters | undefined = setHyperparameters;
  const preloaded = new Map<string, RoutingDataset>();
  if (values['test-file'] !== undefined) {
    const catalog = loadCatalog();
    const testFile = values['test-file'];
    const dataset = loadLogDataset(testFile, {
      resolveModelId: (name) => catalog.resolveModelId(name),
      ...(values.strict === true ? {} : { onBadRows: (rows) => warnSkipped(testFile, rows) }),
    });
    if (dataset.models.length < 2) {
      throw new RouterError(
        'INPUT_INVALID',
        `${testFile}: routing needs at least two catalog models with labels, found ${dataset.models.length}` +
          ' (add missing models to the catalog, or name them by a catalog id or alias)',
        { details: { file: testFile, models: dataset.models } },
      );
    }
    preloaded.set(dataset.name, dataset);
    const train = (values.train ?? 'mmlu,gsm8k,routerbench,llmrouter,everyday')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    config = {
      name: `${train.join('+')}-to-${basename(values['test-file']).replace(/\.jsonl?$/u, '')}`.replace(
        /[^A-Za-z0-9+._-]+/gu,
        '_',
      ),
      description: `Train on ${train.join(', ')}, test on ${values['test-file']} (${dataset.prompts.length} prompts, ${dataset.models.length} models).`,
      protocol: { kind: 'transfer', train, test: dataset.name },
      defaultOutputTokens: 256,
    };
  } else if (values.suite !== undefined) {
    config = suiteConfig(values.suite);
  } else if (values.train !== undefined && values.test !== undefined) {
    const train = values.train
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    config = {
      name: `${train.join('+')}-to-${values.test}`.replace(/[^A-Za-z0-9+._-]+/gu, '_'),
      description: `Train on ${train.join(', ')}, test on ${values.test}.`,
      protocol: { kind: 'transfer', train, test: values.test },
      defaultOutputTokens: 256,
    };
  } else {
    process.stderr.write(
      `arbiter bench: give --suite, --train and --test, or --test-file\n\n${HELP}`,
    );
    return 2;
  }
  // A transfer suite on the served artifact's recipe fits the served configuration (--tune: CV);
  // --set changes the keys it names and keeps the others (as `arbiter train --set` beside CV).
  // Without --set or --refit, the served artifact itself is offered to the suite, which scores it
  // in place of a fit when it was trained on exactly the suite's training rows.
  let served: ReturnType<typeof servedArtifactHyperparameters>;
  if (values.tune !== true && config.protocol.kind === 'transfer') {
    served = servedArtifactHyperparameters(values.artifact, config.protocol.train);
    if (served !== undefined) {
      irtHyperparameters = { ...served.hyperparameters, ...setHyperparameters };
      if (setHyperparameters !== undefined)
        process.stderr.write(
          `arbiter bench: --set changes ${describeHyperparameters(setHyperparameters)}\n`,
        );
    }
  }
  const routers = (values.routers ?? 'irt,logistic').split(',').map((s) => s.trim());
  for (const kind of routers) {
    if (!(TRAINER_KINDS as readonly string[]).includes(kind)) {
      throw new RouterError(
        'INPUT_INVALID',
        `unknown router "${kind}" (known: ${TRAINER_KINDS.join(', ')})`,
        { details: { option: 'routers' } },
      );
    }
  }
  const embedderName = values.embedder ?? 'use-lite';
  if (embedderName !== 'use-lite' && embedderName !== 'hash') {
    throw new RouterError('INPUT_INVALID', `--embedder must be use-lite or hash`, {
      details: { option: 'embedder' },
    });
  }
  const embedder: Embedder =
    embedderName === 'hash' ? new HashEmbedder({ dimension: 64 }) : await createUseLiteEmbedder();
  const out = values.out ?? join(REPO_ROOT, 'benchmarks', 'results', config.name);
  try {
    const candidate =
      served !== undefined &&
      setHyperparameters === undefined &&
      values.refit !== true &&
      routers.includes('irt')
        ? servedCandidate(served.dir, served.manifest, embedder)
        : undefined;
    const result = await runSuite({
      config,
      embedder,
      dataDir: values['data-dir'] ?? resolveDataDir(),
      seed: positiveInteger(values.seed, 'seed', 42),
      resamples: positiveInteger(values.resamples, 'resamples', 500),
      tuneRows: positiveInteger(values['tune-rows'], 'tune-rows', 4000),
      routers: routers as TrainerKind[],
      gitCommit: gitCommit(),
      log: (line) => process.stderr.write(`[bench ${config.name}] ${line}\n`),
      preloaded,
      everydayWeight: parseEverydayWeight(values['everyday-weight']),
      neighbours: parseNeighbourMode(values.neighbours),
      ...(irtHyperparameters === undefined ? {} : { irtHyperparameters }),
      ...(candidate === undefined ? {} : { servedArtifact: candidate }),
      ...(values['extra-train'] === undefined
        ? {}
        : {
            extraTrain: values['extra-train']
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s.length > 0),
          }),
    });
    const files = writeSuiteOutputs(result, out);
    process.stdout.write(`${files.join('\n')}\n`);
    return 0;
  } finally {
    await embedder.close();
  }
}

/** The `bench` verb for src/cli/main.ts. */
export const benchCommand: Command = {
  summary: 'compare routing strategies on a benchmark suite (APGR, CPT, AIQ)',
  run,
};
