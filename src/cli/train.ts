/**
 * `arbiter train`: fit a quality predictor (+ output-length predictor) on shared routing data with a
 * recorded, seeded hold-out split; report Brier / ECE / log-loss / AUC on the held-out rows; write
 * `<out>/predictor.json` and `<out>/manifest.json`.
 */
import { readFileSync } from 'node:fs';
import { basename, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ArtifactDataFile } from '../artifact/index.js';
import {
  ARTIFACT_MANIFEST_VERSION,
  sha256OfBytes,
  writePredictorArtifact,
} from '../artifact/index.js';
import { loadCatalog } from '../catalog/index.js';
import { RouterError } from '../core/index.js';
import { parseHyperparameters } from './hyperparameter-flags.js';
import type { RoutingDataset } from '../data/index.js';
import {
  EVALUATION_ONLY_DATASETS,
  EmbeddingCache,
  isDatasetName,
  loadDataset,
  loadLogDataset,
  resolveDataDir,
} from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import { createUseLiteEmbedder, HashEmbedder, USE_LITE_MODEL_ID } from '../embed/index.js';
import type {
  PredictorEvaluation,
  QualityPredictor,
  TrainerKind,
  TrainingSet,
} from '../predict/index.js';
import {
  evaluatePredictor,
  fitOutputLengthPredictor,
  holdOutSplit,
  jointRowInputs,
  labelStatistics,
  parseEverydayWeight,
  medianAbsoluteLogError,
  subsetTrainingSet,
  TRAINER_KINDS,
  trainingSetFromDatasets,
  trainQualityPredictor,
} from '../predict/index.js';
import { NEIGHBOUR_WEIGHTS, parseNeighbourMode } from '../predict/index.js';
import { countTokens } from '../tokens/index.js';
import { publicModelFacts } from '../bench/public-facts.js';
import { loadConfig } from '../config/index.js';
import {
  compareWithBaseline,
  heldOutPrompts,
  logRowSplit,
  mixWeights,
  readLoggedDataset,
} from '../retrain/index.js';
import { DEFAULT_OUTPUT_TOKENS, trainedArmPredictor } from '../router/index.js';
import { sampleRows } from '../bench/train-folds.js';
import { withNeighbourTerm } from '../bench/fold-routing-score.js';
import type { Command } from './main.js';
import { gitCommit } from './git-commit.js';

const HELP = `Usage: arbiter train [--datasets LIST] [--logs FILE.jsonl] [--db PATH] --out DIR [options]

Train a quality predictor on shared routing data and/or your own traffic (USE-Lite embeddings from the cache; missing
prompts are embedded offline and cached), hold out a seeded split, print held-out Brier / ECE /
log-loss / AUC, and write DIR/predictor.json + DIR/manifest.json.

Options:
  --datasets LIST      comma-separated: mmlu, gsm8k, routerbench, llmrouter, mt-bench,
                       routerbench/<task> (default mmlu,gsm8k; none when --logs or --db is given)
  --logs FILE          your routing log, JSONL (docs/log-format.md); repeatable
  --db PATH            the service's decisions + feedback: its DuckDB file, or a snapshot
                       (POST /v1/admin/snapshot; a Parquet snapshot folder works too)
  --logs-weight W      loss weight of a --logs/--db row relative to a shipped-dataset row
                       (irt, mf; default 1). With logs, the held-out split is taken from the
                       log rows only: by their group, else by prompt (whitespace-normalised text)
  --everyday-weight W  loss weight of an everyday row (the hand-written "every model answers
                       these well" set) relative to an outcome row (irt; default 0.5)
  --neighbours MODE    irt's neighbour term (predictions moved toward the mean outcome of the 50
                       nearest training prompts, by a weight the served rule chooses on folds of
                       the training rows): off (default), prompt (random folds: for traffic like
                       the training data, e.g. your own logs; can lose on other tasks), group
                       (folds hold out whole groups). Considered only when the rows label every
                       model (one dataset or log, or datasets over the same models)
  --baseline DIR       artifact compared with the new one on the held-out log rows
                       (default models/default, or $ARBITER_ARTIFACT)
  --predictor KIND     irt | knn | logistic | mf (default irt: the joint difficulty/ability model,
                       an ensemble of 4 bootstrap fits whose spread is the served uncertainty)
  --max-prompts CAPS   at most N prompts per dataset, a seeded sample: N (every dataset) or
                       NAME=N,... (e.g. mmlu=4000); default all
  --out DIR            artifact directory, e.g. models/my-predictor (required)
  --seed N             seed for split, initialisation and minibatches (default 0)
  --holdout F          held-out share of prompts (default 0.2)
  --split KIND         random (stratified by dataset) | group (whole subjects/tasks) (default random)
  --tune               choose hyperparameters by 3-fold grouped CV on the training rows (irt: k in
                       {0, 4, 8} while 1 + k is below the labelled models, each k > 0 without and
                       with 32 prompt clusters in the specialisation)
  --calibration KIND   none | platt | isotonic, fitted on a held-out fold of the training rows
                       (default none)
  --set KEY=VALUE      fixed hyperparameter (repeatable): k, temperature, priorStrength, l2,
                       latentDimension, epochs, l2Model, l2Shared, learningRate, l2Difficulty,
                       l2Specialisation, members, clusters; clusterBy=kmeans|scale (scale:
                       one cluster per dataset or LLMRouter task, see training/experiments/README.md)
  --refit-all          after evaluating, refit on all rows (train + held-out) before saving
  --data-dir DIR       shared data directory (default $ARBITER_DATA_DIR or ../shared/data)
  --embedder KIND      use-lite (default, 512-d, the served embedder) | hash (64-d test fake)
  -h, --help           show this help
`;

/** An embedder that loads USE-Lite only if the cache misses a prompt. */
function lazyUseLite(): Embedder & { close(): Promise<void> } {
  let real: Promise<Embedder> | undefined;
  return {
    modelId: USE_LITE_MODEL_ID,
    dimension: 512,
    async embed(texts, options) {
      real ??= createUseLiteEmbedder();
      return (await real).embed(texts, options);
    },
    async close() {
      if (real !== undefined) await (await real).close();
    },
  };
}

function fileDigests(datasets: readonly RoutingDataset[], dataDir: string): ArtifactDataFile[] {
  const paths = [...new Set(datasets.flatMap((d) => d.sources ?? []))].sort();
  return paths.map((path) => ({
    path: relative(dataDir, path),
    sha256: sha256OfBytes(readFileSync(path)),
  }));
}

function rounded(evaluation: PredictorEvaluation): Record<string, unknown> {
  const r = (v: number): number => Number(v.toFixed(4));
  const one = (s: PredictorEvaluation['overall']) => ({
    brier: r(s.brier),
    ece: r(s.ece),
    logLoss: r(s.logLoss),
    auc: r(s.auc),
    count: s.count,
  });
  return {
    overall: one(evaluation.overall),
    perModel: Object.fromEntries(Object.entries(evaluation.perModel).map(([m, s]) => [m, one(s)])),
  };
}

function formatRow(name: string, s: PredictorEvaluation['overall']): string {
  const f = (v: number): string => (Number.isNaN(v) ? '   -  ' : v.toFixed(4));
  return `${name.padEnd(40)} ${String(s.count).padStart(7)}  ${f(s.brier)}  ${f(s.ece)}  ${f(s.logLoss)}  ${f(s.auc)}`;
}

/** Each model's mean training label, whatever the prompt. */
function constantPredictor(set: TrainingSet): QualityPredictor {
  const { mean } = labelStatistics(set);
  const row = Float64Array.from(mean, (v) => (Number.isNaN(v) ? 0.5 : v));
  return {
    kind: 'constant',
    models: set.models,
    predict: (embeddings) => embeddings.map(() => row.slice()),
    toState: () => ({ kind: 'constant', version: 1, models: [...set.models], dimension: 0 }),
  };
}

/** Prompts of the held-out split kept in the artifact as reference traffic for the knob. */
const REFERENCE_PROMPTS = 400;

/** `N` (every dataset) or `name=N,name=N` -> cap per dataset name (`*` for all). */
function parsePromptCaps(value: string | undefined): Map<string, number> {
  const caps = new Map<string, number>();
  if (value === undefined) return caps;
  for (const part of value.split(',')) {
    const [name, raw] = part.includes('=') ? part.split('=') : ['*', part];
    const cap = Number(raw);
    if (name === undefined || !Number.isInteger(cap) || cap <= 0)
      throw new RouterError('INPUT_INVALID', `--max-prompts ${value}: expected N or NAME=N,...`);
    caps.set(name.trim(), cap);
  }
  return caps;
}

/** At most `limit` prompts of a dataset: a seeded sample in the original order. */
function samplePrompts(dataset: RoutingDataset, limit: number, seed: number): RoutingDataset {
  if (dataset.prompts.length <= limit) return dataset;
  const keep = sampleRows(dataset.prompts.length, limit, seed);
  return {
    ...dataset,
    prompts: keep.map((i) => dataset.prompts[i] as RoutingDataset['prompts'][number]),
  };
}

/** `arbiter train` entry point. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      datasets: { type: 'string' },
      logs: { type: 'string', multiple: true, default: [] },
      db: { type: 'string' },
      'logs-weight': { type: 'string', default: '1' },
      'everyday-weight': { type: 'string' },
      neighbours: { type: 'string' },
      baseline: { type: 'string' },
      predictor: { type: 'string', default: 'irt' },
      'max-prompts': { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '0' },
      holdout: { type: 'string', default: '0.2' },
      split: { type: 'string', default: 'random' },
      tune: { type: 'boolean', default: false },
      calibration: { type: 'string', default: 'none' },
      set: { type: 'string', multiple: true, default: [] },
      'refit-all': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      embedder: { type: 'string', default: 'use-lite' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const kind = values.predictor as TrainerKind;
  if (!(TRAINER_KINDS as readonly string[]).includes(kind)) {
    throw new RouterError(
      'INPUT_INVALID',
      `--predictor must be one of ${TRAINER_KINDS.join(', ')}`,
    );
  }
  if (values.out === undefined)
    throw new RouterError('INPUT_INVALID', '--out DIR is required (see --help)');
  const calibration = values.calibration;
  if (calibration !== 'none' && calibration !== 'platt' && calibration !== 'isotonic') {
    throw new RouterError('INPUT_INVALID', '--calibration must be none, platt or isotonic');
  }
  if (values.split !== 'random' && values.split !== 'group') {
    throw new RouterError('INPUT_INVALID', '--split must be random or group');
  }
  const seed = Number(values.seed);
  const heldOutFraction = Number(values.holdout);
  if (!Number.isInteger(seed) || !(heldOutFraction > 0 && heldOutFraction < 1)) {
    throw new RouterError('INPUT_INVALID', '--seed must be an integer and --holdout in (0, 1)');
  }
  const userData = values.logs.length > 0 || values.db !== undefined;
  const logsWeight = Number(values['logs-weight']);
  if (!(logsWeight > 0) || !Number.isFinite(logsWeight))
    throw new RouterError('INPUT_INVALID', '--logs-weight must be a number > 0');
  if (logsWeight !== 1 && kind !== 'irt' && kind !== 'mf')
    throw new RouterError('INPUT_INVALID', '--logs-weight needs --predictor irt or mf');
  const everydayWeight = parseEverydayWeight(values['everyday-weight']);
  const neighbourMode = parseNeighbourMode(values.neighbours);
  const names = (values.datasets ?? (userData ? '' : 'mmlu,gsm8k'))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const name of names) {
    if (!isDatasetName(name)) throw new RouterError('INPUT_INVALID', `unknown dataset "${name}"`);
    if (EVALUATION_ONLY_DATASETS.includes(name))
      throw new RouterError(
        'INPUT_INVALID',
        `${name} is CC BY-NC, for evaluation only: arbiter train does not train on it`,
      );
  }
  if (values.embedder !== 'use-lite' && values.embedder !== 'hash') {
    throw new RouterError('INPUT_INVALID', '--embedder must be use-lite or hash');
  }
  const fixed = parseHyperparameters(values.set);
  const dataDir = values['data-dir'] === undefined ? resolveDataDir() : resolve(values['data-dir']);

  const started = performance.now();
  const catalog = loadCatalog();
  const countForModel = (text: string, modelId: string): number =>
    countTokens(text, catalog.get(modelId)?.tokenizer ?? 'cl100k_base');
  const caps = parsePromptCaps(values['max-prompts']);
  const datasets = names.map((name) =>
    samplePrompts(
      loadDataset(name, { dataDir, countTokens: countForModel }),
      caps.get(name) ?? caps.get('*') ?? Number.POSITIVE_INFINITY,
      seed,
    ),
  );
  const logFiles = values.logs.map((file) =>
    loadLogDataset(resolve(file), { resolveModelId: (name) => catalog.resolveModelId(name) }),
  );
  datasets.push(...logFiles);
  const loadedAt = performance.now();
  const embedder = values.embedder === 'hash' ? new HashEmbedder({ dimension: 64 }) : lazyUseLite();
  let embeddings: Float32Array[][];
  try {
    const cache = EmbeddingCache.open(embedder);
    embeddings = [];
    for (const dataset of datasets)
      embeddings.push(await cache.embed(dataset.prompts.map((p) => p.text)));
  } finally {
    await embedder.close();
  }
  if (values.db !== undefined) {
    const logged = await readLoggedDataset(values.db, embedder);
    datasets.push(logged.dataset);
    embeddings.push(logged.embeddings);
  }
  const embeddedAt = performance.now();
  const set = trainingSetFromDatasets(
    datasets.map((dataset, i) => ({ dataset, embeddings: embeddings[i] ?? [] })),
  );
  const allNames = datasets.map((dataset) => dataset.name);
  const userNames = new Set(allNames.slice(names.length));
  const isLog = set.datasets.map((name) => userNames.has(name));
  const sourceRows = datasets.flatMap((dataset) =>
    dataset.prompts.map((prompt) => ({ dataset, prompt })),
  );
  const logSplit = userData
    ? logRowSplit({ userDatasets: datasets.slice(names.length), isLog, heldOutFraction, seed })
    : undefined;
  const drawn =
    logSplit ??
    holdOutSplit({
      rows: set.embeddings.length,
      heldOutFraction,
      seed,
      ...(values.split === 'group' ? { groups: set.groups } : { strata: set.datasets }),
    });
  // A set that labels every model alike (everyday) states a fact, not outcomes: it trains, never
  // scores, so held-out metrics are outcome data only.
  const factRow = (i: number): boolean =>
    datasets.find((d) => d.name === set.datasets[i])?.everyModelLabel !== undefined;
  const split = {
    train: [...drawn.train, ...drawn.test.filter(factRow)].sort((a, b) => a - b),
    test: drawn.test.filter((i) => !factRow(i)),
  };
  const train = subsetTrainingSet(set, split.train);
  const test = subsetTrainingSet(set, split.test);
  const trainGroups = split.train.map((i) => set.groups[i] ?? '');

  const facts = publicModelFacts(catalog);
  // irt: dataset-balancing weights and label scales per row; user-log rows weigh --logs-weight more.
  const jointInputs = (rows: readonly number[]) => {
    const logRows = rows.map((i) => isLog[i] === true);
    if (kind !== 'irt')
      return logsWeight === 1 ? {} : { rowWeights: mixWeights({ isLog: logRows, logsWeight }) };
    const joint = jointRowInputs(
      rows.map((i) => set.datasets[i] ?? ''),
      rows.map((i) => set.groups[i] ?? ''),
      everydayWeight,
    );
    return {
      facts,
      ...joint,
      rowWeights: mixWeights({ isLog: logRows, logsWeight, base: joint.rowWeights }),
    };
  };
  const trainOnce = (rows: typeof train, groups: readonly string[]) =>
    trainQualityPredictor({
      kind,
      set: rows,
      seed,
      hyperparameters: fixed,
      calibration,
      ...jointInputs(split.train),
      ...(values.tune ? { tune: { groups } } : {}),
    });
  // irt: the neighbour term, its weight chosen by the served rule on folds of the rows it trains on
  // (held out by group), as the bench's fold training does (bench/fold-routing-score.ts).
  const withNeighbours = (
    fitted: ReturnType<typeof trainQualityPredictor>,
    rows: readonly number[],
  ): ReturnType<typeof trainQualityPredictor> => {
    if (kind !== 'irt' || neighbourMode === 'off') return fitted;
    const rowsSet = subsetTrainingSet(set, rows);
    const choice = withNeighbourTerm({
      predictor: fitted.predictor,
      set: rowsSet,
      sources: rows.map((i) => sourceRows[i] as (typeof sourceRows)[number]),
      catalog,
      defaultOutputTokens: DEFAULT_OUTPUT_TOKENS,
      seed,
      groups: rows.map((i) => set.groups[i] ?? ''),
      mode: neighbourMode,
      fitJoint: (sub) =>
        trainQualityPredictor({
          kind,
          set: subsetTrainingSet(rowsSet, sub),
          seed,
          hyperparameters: fitted.hyperparameters,
          calibration,
          ...jointInputs(sub.map((k) => rows[k] as number)),
        }).predictor,
    });
    process.stdout.write(
      choice.scores.length === 0
        ? 'neighbour term: not considered (needs every model labelled on 90% of the rows, all in the catalog)\n'
        : `neighbour term: weight ${choice.weight} (routing score on ${neighbourMode === 'group' ? 'group-held-out' : 'random'} folds, w = ${NEIGHBOUR_WEIGHTS.join(' / ')}: ${choice.scores.map((v) => v.toFixed(4)).join(' / ')})\n`,
    );
    return {
      ...fitted,
      predictor: choice.predictor,
      hyperparameters: { ...fitted.hyperparameters, neighbourWeight: choice.weight },
    };
  };
  const trained = withNeighbours(trainOnce(train, trainGroups), split.train);
  const trainedAt = performance.now();

  const overall = evaluatePredictor(trained.predictor, test);
  // Reference: each model's training-mean label as a constant forecast (no prompt information).
  const baseline = evaluatePredictor(constantPredictor(train), test);
  const perDataset: Record<string, unknown> = {};
  const lines = [
    formatRow('held-out (all pairs)', overall.overall),
    formatRow('  baseline: per-model mean label', baseline.overall),
  ];
  for (const name of allNames) {
    const rows = split.test.filter((i) => set.datasets[i] === name);
    if (rows.length === 0) continue;
    const evaluation = evaluatePredictor(trained.predictor, subsetTrainingSet(set, rows));
    perDataset[name] = rounded(evaluation);
    lines.push(formatRow(`  ${name}`, evaluation.overall));
  }
  process.stdout.write(
    `${'held-out split'.padEnd(40)} ${'pairs'.padStart(7)}  brier   ece     logloss auc\n${lines.join('\n')}\n`,
  );

  let final = trained;
  let outputRows = train;
  if (values['refit-all']) {
    const everyRow = set.embeddings.map((_, i) => i);
    final = withNeighbours(
      trainQualityPredictor({
        kind,
        set,
        seed,
        hyperparameters: trained.hyperparameters,
        calibration,
        ...jointInputs(everyRow),
      }),
      everyRow,
    );
    outputRows = set;
  }
  // Output length: held-out median absolute log error per dataset (rows with answer lengths).
  const lengthOnTrain = fitOutputLengthPredictor(train);
  const lengthErrors: Record<string, number> = {};
  for (const name of allNames) {
    const rows = split.test.filter((i) => set.datasets[i] === name);
    const error = medianAbsoluteLogError(lengthOnTrain, subsetTrainingSet(set, rows));
    if (Number.isFinite(error)) lengthErrors[name] = Number(error.toFixed(4));
  }
  if (Object.keys(lengthErrors).length > 0)
    process.stdout.write(
      `output length, held-out median |log error|: ${JSON.stringify(lengthErrors)}\n`,
    );
  const outputLength = values['refit-all'] ? fitOutputLengthPredictor(outputRows) : lengthOnTrain;
  const tokensOf = (i: number): number =>
    countTokens(sourceRows[i]?.prompt.text ?? '', 'cl100k_base');
  // New and deployed artifacts side by side on the held-out log rows (the new one as evaluated,
  // trained on the training rows only).
  const comparison = userData
    ? compareWithBaseline({
        heldOut: heldOutPrompts(
          split.test.map((i) => ({
            ...(sourceRows[i] as (typeof sourceRows)[number]),
            embedding: set.embeddings[i] as Float32Array,
            inputTokens: tokensOf(i),
          })),
        ),
        trained: trainedArmPredictor({
          version: 'new',
          quality: trained.predictor,
          outputLength: lengthOnTrain,
        }),
        baselineDir: values.baseline ?? loadConfig().artifactDir,
        embedder,
        catalog,
        print: (line) => process.stdout.write(`${line}\n`),
      })
    : undefined;
  // Reference traffic for the knob calibration: a seeded sample of held-out prompts.
  const referenceRows = sampleRows(split.test.length, REFERENCE_PROMPTS, seed + 3).map(
    (k) => split.test[k] as number,
  );
  const reference = {
    embeddings: referenceRows.map((i) => set.embeddings[i] as Float32Array),
    inputTokens: referenceRows.map(tokensOf),
    datasets: referenceRows.map((i) => set.datasets[i] ?? ''),
  };
  const finishedAt = performance.now();
  const outDir = resolve(values.out);
  const manifest = writePredictorArtifact({
    dir: outDir,
    quality: final.predictor,
    outputLength,
    reference,
    manifest: {
      id: basename(outDir),
      version: ARTIFACT_MANIFEST_VERSION,
      embedder: { id: embedder.modelId, dimension: embedder.dimension },
      models: final.predictor.models,
      trainedOn: { datasets: allNames, files: fileDigests(datasets, dataDir) },
      split: {
        method: userData
          ? 'log rows by hash of (seed, group or normalised prompt); shipped rows all train'
          : values.split === 'group'
            ? 'held-out groups'
            : 'random, stratified by dataset',
        ...(userData ? { logsWeight } : {}),
        ...(logSplit === undefined ? {} : { heldOutGroups: logSplit.heldOutGroups }),
        ...(values.db === undefined ? {} : { db: resolve(values.db) }),
        heldOutFraction,
        seed,
        trainRows: split.train.length,
        heldOutRows: split.test.length,
        savedModelTrainedOn: values['refit-all']
          ? 'all rows (refit after evaluation)'
          : 'training rows',
      },
      seed,
      hyperparameters: { kind, calibration, ...trained.hyperparameters },
      metrics: {
        heldOut: rounded(overall),
        perDataset,
        baselineHeldOut: rounded(baseline).overall,
        outputLengthMedianAbsLogError: lengthErrors,
        ...(comparison === undefined ? {} : { heldOutComparison: comparison }),
      },
      createdBy: ['arbiter', 'train', ...argv].join(' '),
      createdAt: new Date().toISOString(),
      gitCommit: gitCommit(),
      trainingSeconds: Number(((finishedAt - embeddedAt) / 1000).toFixed(1)),
    },
  });
  const s = (a: number, b: number): string => ((b - a) / 1000).toFixed(1);
  process.stdout.write(
    `rows ${set.embeddings.length} (train ${split.train.length}, held-out ${split.test.length}), models ${set.models.length}\n` +
      `hyperparameters ${JSON.stringify(trained.hyperparameters)}\n` +
      (trained.crossValidation ?? [])
        .map(
          (r) =>
            `  cv ${JSON.stringify(r.params)}: log-loss ${r.loss.toFixed(4)} (folds ${r.foldLosses
              .map((v) => v.toFixed(4))
              .join(', ')})\n`,
        )
        .join('') +
      `time: load ${s(started, loadedAt)}s, embeddings ${s(loadedAt, embeddedAt)}s, fit ${s(embeddedAt, trainedAt)}s, ` +
      `evaluate+save ${s(trainedAt, finishedAt)}s\n` +
      `wrote ${relative(process.cwd(), outDir) || '.'}/{predictor.json,manifest.json} (sha256 ${manifest.predictor.sha256.slice(0, 12)})\n`,
  );
  return 0;
}

/** `arbiter train` as a dispatcher command. */
export const trainCommand: Command = {
  summary: 'train a quality predictor on routing data and write a model artifact',
  run,
};
