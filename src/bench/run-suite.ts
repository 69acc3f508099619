/**
 * Runs one benchmark suite: load data, embed (persistent cache), build leakage-free folds, train the
 * routers per fold (hyperparameters by cross-validation on that fold's training rows only), route
 * every test prompt once, and score every strategy on the same prompts.
 */
import { cpus } from 'node:os';
import type { Catalog } from '../catalog/index.js';
import { loadCatalog } from '../catalog/index.js';
import { createRng, RouterError } from '../core/index.js';
import { EmbeddingCache, loadDataset, resolveDataDir, type RoutingDataset } from '../data/index.js';
import type { Embedder } from '../embed/index.js';
import { aiq, groupedMixPoints, oracleScores } from '../metrics/index.js';
import {
  EVERYDAY_ROW_WEIGHT,
  type NeighbourMode,
  type QualityHyperparameters,
  type TrainerKind,
} from '../predict/index.js';
import { countTokens } from '../tokens/index.js';
import { DEFAULT_HARDNESS, DEFAULT_QUALITY_FLOOR, reasoningTokens } from '../router/index.js';
import { hashSources } from './data-hashes.js';
import { accountingCosts, catalogModels, inputTokenMatrix } from './cost.js';
import { choiceShares, summariseChoices, type TestTruth } from './evaluate.js';
import { buildFolds, type DatasetPart } from './folds.js';
import { rowsOf, trainFolds, type ServedFoldArtifact } from './train-folds.js';
import { runPrequential, type PrequentialStrategy } from './prequential.js';
import {
  KNOB_SLIDERS,
  qualityColumn,
  scoreOrdering,
  scoreRouter,
  type ScoringContext,
} from './score-router.js';
import { fixedStrategies } from './strategies.js';
import { publicModelFacts } from './public-facts.js';
import type { RouterResult, StrategySummary, SuiteConfig, SuiteResult } from './types.js';

/** Options for {@link runSuite}. */
export interface RunSuiteOptions {
  readonly config: SuiteConfig;
  readonly embedder: Embedder;
  /** @default resolveDataDir() */
  readonly dataDir?: string;
  /** Embedding cache directory. @default the EmbeddingCache default */
  readonly cacheDir?: string;
  /** @default 42 */
  readonly seed?: number;
  /** Router kinds trained per fold. @default ['knn', 'logistic', 'mf'] */
  readonly routers?: readonly TrainerKind[];
  /** Inner cross-validation folds for hyperparameters. @default 3 */
  readonly tuneFolds?: number;
  /**
   * Hyperparameters are chosen by cross-validation on a seeded sample of at most this many training
   * rows (training rows only; the final fit uses every row). Bounds kNN's quadratic CV cost. @default 4000
   */
  readonly tuneRows?: number;
  /** Bootstrap resamples. @default 500 */
  readonly resamples?: number;
  /** Slider values swept (0-10). @default 0, 0.1, …, 10 */
  readonly sliders?: readonly number[];
  readonly catalog?: Catalog;
  /** Recorded in results.json. @default 'unknown' */
  readonly gitCommit?: string;
  /**
   * Online learners (the bandit) scored prequentially on the test prompts, given the first router's
   * predictions as their prior. @default none
   */
  readonly prequential?: readonly PrequentialStrategy[];
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** Datasets added to every fold's training rows (e.g. `everyday`). @default none */
  readonly extraTrain?: readonly string[];
  /** Loss weight of `everyday` rows in the joint model. @default EVERYDAY_ROW_WEIGHT */
  readonly everydayWeight?: number;
  /** How the joint model's neighbour weight is chosen (neighbour-blend.ts). @default 'off' */
  readonly neighbours?: NeighbourMode;
  /** The joint model's hyperparameters, fixed instead of chosen by CV (`--set`). @default CV */
  readonly irtHyperparameters?: QualityHyperparameters;
  /** Datasets already loaded, by the name the protocol uses (e.g. a `--test-file`). */
  readonly preloaded?: ReadonlyMap<string, RoutingDataset>;
  /**
   * The served artifact, scored as `router-irt` in place of a fit when it was trained on exactly this
   * transfer suite's training rows (the same datasets, source files of the same sha256, no training
   * prompt dropped for occurring in the test set) with this embedder; otherwise irt is fitted and
   * the report says why. @default none
   */
  readonly servedArtifact?: ServedArtifactCandidate;
}

/** A served artifact a transfer suite may score directly (see {@link servedArtifactMismatch}). */
export interface ServedArtifactCandidate {
  readonly dir: string;
  readonly embedderId: string;
  /** The manifest's training datasets and the sha256 of each file they were read from. */
  readonly trainedOn: { readonly datasets: readonly string[]; readonly sha256: readonly string[] };
  /** The manifest's `createdBy` (the command that trained it). */
  readonly createdBy: string;
  /** Read the predictor (only once the manifest says it was trained on exactly the suite's rows). */
  load(): ServedFoldArtifact;
}

/**
 * Why the served artifact cannot stand for a fit on this suite's training rows (undefined: it can):
 * the protocol is not a transfer, the datasets or their files differ, a training prompt was
 * dropped because the test set holds it, or the embedder differs.
 */
export function servedArtifactMismatch(options: {
  readonly candidate: ServedArtifactCandidate;
  readonly protocol: SuiteConfig['protocol'];
  readonly trainNames: readonly string[];
  readonly embedderId: string;
  readonly sourceSha256: readonly string[];
  readonly droppedTrainingPrompts: number;
  readonly everydayWeight?: number;
  readonly neighbours?: NeighbourMode;
}): string | undefined {
  const { candidate } = options;
  const same = (a: readonly string[], b: readonly string[]): boolean =>
    a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
  if (options.protocol.kind !== 'transfer') return 'not a transfer suite';
  if (!same(candidate.trainedOn.datasets, options.trainNames))
    return `it was trained on ${candidate.trainedOn.datasets.join(',')}`;
  if (!same(candidate.trainedOn.sha256, options.sourceSha256))
    return 'its training files differ from the data read now (sha256)';
  if (candidate.embedderId !== options.embedderId)
    return `it was trained for the embedder ${candidate.embedderId}`;
  if (options.droppedTrainingPrompts > 0)
    return `${options.droppedTrainingPrompts} of its training prompts are test prompts`;
  if (
    (options.everydayWeight !== undefined && options.everydayWeight !== EVERYDAY_ROW_WEIGHT) ||
    /--everyday-weight/u.test(candidate.createdBy)
  )
    return 'an everyday weight other than the default';
  if (options.neighbours !== undefined && options.neighbours !== 'off')
    return '--neighbours is given';
  return undefined;
}

/** Run a suite and return its results (no files written; see writeSuiteOutputs). */
export async function runSuite(options: RunSuiteOptions): Promise<SuiteResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number): number => {
    timings[name] = Math.round(performance.now() - since);
    return performance.now();
  };
  const { config, embedder } = options;
  const seed = options.seed ?? 42;
  const log = options.log ?? ((): void => undefined);
  const catalog = options.catalog ?? loadCatalog();
  const dataDir = options.dataDir ?? resolveDataDir();
  const routers = options.routers ?? ['irt', 'logistic'];
  const resamples = options.resamples ?? 500;
  const sliders = options.sliders ?? KNOB_SLIDERS;
  const loaderOptions = {
    dataDir,
    countTokens: (text: string, modelId: string): number =>
      countTokens(text, catalog.get(modelId)?.tokenizer ?? 'cl100k_base'),
  };

  // 1. Data and embeddings.
  let t = performance.now();
  const protocol = config.protocol;
  const testName = protocol.kind === 'transfer' ? protocol.test : protocol.dataset;
  const trainNames = protocol.kind === 'transfer' ? protocol.train : [];
  const extraNames = (options.extraTrain ?? []).filter(
    (n) => n !== testName && !trainNames.includes(n),
  );
  const datasets = new Map<string, RoutingDataset>();
  for (const name of [testName, ...trainNames, ...extraNames])
    datasets.set(name, options.preloaded?.get(name) ?? loadDataset(name, loaderOptions));
  t = lap('loadMs', t);
  const cache = EmbeddingCache.open(
    embedder,
    options.cacheDir === undefined ? {} : { dir: options.cacheDir },
  );
  const parts = new Map<string, DatasetPart>();
  for (const [name, dataset] of datasets) {
    log(`embedding ${name} (${dataset.prompts.length} prompts)`);
    parts.set(name, { dataset, embeddings: await cache.embed(dataset.prompts.map((p) => p.text)) });
  }
  t = lap('embedMs', t);
  const test = parts.get(testName) as DatasetPart;
  const testPrompts = test.dataset.prompts;
  const models = test.dataset.models;
  const entries = catalogModels(catalog, models);

  // 2. Truth: quality on the source's scale and what each call cost.
  const inputTokens = inputTokenMatrix(testPrompts, entries);
  const fullTruth: TestTruth = {
    quality: testPrompts.map((p) => Float64Array.from(p.rawScore ?? p.quality)),
    costUsd: accountingCosts({
      prompts: testPrompts,
      models: entries,
      inputTokens,
      defaultOutputTokens: config.defaultOutputTokens,
    }),
  };
  const qualityScale =
    testPrompts[0]?.rawScore === undefined
      ? 'quality in [0, 1]'
      : 'GPT-4 judge score 1-10 (mean of both turns)';

  const twoModel = models.length === 2;
  const strong = twoModel
    ? entries[0]!.pricing.output_per_million > entries[1]!.pricing.output_per_million
      ? 0
      : 1
    : -1;
  const weak = 1 - strong;
  const calibrationTargets = [0.2, 0.5, 0.8];

  // 3. Folds; per fold: length predictor (cost estimates), best single model, routers.
  const folds = buildFolds({
    protocol,
    test,
    train: trainNames.map((n) => parts.get(n) as DatasetPart),
    extraTrain: extraNames.map((n) => parts.get(n) as DatasetPart),
    seed,
  });
  // The served artifact stands for irt's fit when it was trained on exactly these rows.
  let served: (ServedFoldArtifact & { readonly dir: string }) | undefined;
  if (options.servedArtifact !== undefined) {
    const trainParts = [...trainNames, ...extraNames].map((n) => parts.get(n) as DatasetPart);
    const available = trainParts.reduce((sum, part) => sum + part.dataset.prompts.length, 0);
    const kept = (folds[0]?.train ?? []).reduce(
      (sum, part) => sum + part.dataset.prompts.length,
      0,
    );
    const mismatch = servedArtifactMismatch({
      candidate: options.servedArtifact,
      protocol,
      trainNames: [...trainNames, ...extraNames],
      embedderId: embedder.modelId,
      sourceSha256: Object.values(
        hashSources(
          trainParts.map((part) => part.dataset),
          dataDir,
        ),
      ),
      droppedTrainingPrompts: available - kept,
      ...(options.everydayWeight === undefined ? {} : { everydayWeight: options.everydayWeight }),
      ...(options.neighbours === undefined ? {} : { neighbours: options.neighbours }),
    });
    if (mismatch === undefined)
      served = { ...options.servedArtifact.load(), dir: options.servedArtifact.dir };
    log(
      served !== undefined
        ? `irt: the served artifact ${served.version} (${served.dir}), trained on exactly these rows, is scored as it serves`
        : `irt: fitted here, not the served artifact (${options.servedArtifact.dir}): ${mismatch ?? ''}`,
    );
  }
  const { estimatedAll, bestSingleAll, predictedAll, hyperparameters, trainMs, calibration } =
    trainFolds({
      folds,
      test,
      entries,
      inputTokens,
      routers,
      seed,
      defaultOutputTokens: config.defaultOutputTokens,
      tuneRows: options.tuneRows ?? 4000,
      tuneFolds: options.tuneFolds ?? 3,
      strong,
      calibrationTargets,
      log,
      facts: publicModelFacts(catalog),
      catalog,
      ...(options.neighbours === undefined ? {} : { neighbours: options.neighbours }),
      ...(options.everydayWeight === undefined ? {} : { everydayWeight: options.everydayWeight }),
      ...(options.irtHyperparameters === undefined
        ? {}
        : { irtHyperparameters: options.irtHyperparameters }),
      ...(served === undefined ? {} : { served }),
    });
  t = lap('trainMs', t);

  // Score only the rows some fold tested (a hold-out protocol tests a subset) and whose outcome is
  // known for every model (RouterBench ARC has 20 prompts with a missing label): strategies must
  // be compared on the same prompts.
  const tested = [...new Set(folds.flatMap((fold) => fold.test))].sort((a, b) => a - b);
  const evalRows = tested.filter((row) =>
    [
      ...(fullTruth.quality[row] as Float64Array),
      ...(fullTruth.costUsd[row] as Float64Array),
    ].every((value) => Number.isFinite(value)),
  );
  const unlabelledDropped = tested.length - evalRows.length;
  if (evalRows.length === 0) {
    throw new RouterError(
      'DATA_INVALID',
      `no test prompt has a quality label for every one of its ${models.length} models: nothing to score`,
      { details: { models, prompts: tested.length } },
    );
  }
  if (unlabelledDropped > 0)
    log(`${unlabelledDropped} test prompts lack a label for some model: not scored`);
  const n = evalRows.length;
  const truth: TestTruth = {
    quality: rowsOf(fullTruth.quality, evalRows),
    costUsd: rowsOf(fullTruth.costUsd, evalRows),
  };
  const estimated = rowsOf(estimatedAll, evalRows);
  const bestSingle = Int32Array.from(evalRows, (row) => bestSingleAll[row] as number);
  const predicted = new Map(
    [...predictedAll].map(([kind, rows]) => [kind, rowsOf(rows, evalRows)] as const),
  );

  // 4. Fixed strategies.
  const rng = createRng(seed);
  const baselines: StrategySummary[] = fixedStrategies({
    truth,
    models,
    entries,
    bestSingle,
    rng,
  }).map(({ name, choices }) => ({
    name,
    kind: 'baseline',
    ...summariseChoices({ truth, choices, rng, resamples }),
    shares: choiceShares(choices, models),
  }));
  for (const strategy of options.prequential ?? []) {
    const prior =
      predicted.get(routers[0] as TrainerKind) ??
      truth.quality.map((row) => new Float64Array(row.length).fill(0.5));
    const choices = runPrequential({
      policy: strategy.create(models),
      embeddings: rowsOf(test.embeddings, evalRows),
      predictedQuality: prior,
      estimatedCostUsd: estimated,
      quality: truth.quality,
      costUsd: truth.costUsd,
      rng,
    });
    baselines.push({
      name: `prequential:${strategy.name}`,
      kind: 'router',
      ...summariseChoices({ truth, choices, rng, resamples }),
      shares: choiceShares(choices, models),
    });
  }
  const singles = baselines.filter((b) => b.name.startsWith('single:'));
  const costRange = {
    min: Math.min(...singles.map((s) => s.costUsd.estimate)),
    max: Math.max(...singles.map((s) => s.costUsd.estimate)),
  };

  // 5. Routers: sweep the knob; two-model suites also score the threshold curve.
  const context: ScoringContext = {
    truth,
    models,
    sliders,
    costRange,
    rng,
    resamples,
    ...(twoModel ? { pair: { strong, weak } } : {}),
  };
  // Each router is scored twice: with the served default quality floor (what `/v1/route` runs
  // when a request names none) and without it (`quality_floor: 0`).
  const floors = [
    { floor: DEFAULT_QUALITY_FLOOR, suffix: '' },
    { floor: undefined, suffix: '-nofloor' },
  ];
  const routerResults: RouterResult[] = routers.flatMap((kind) =>
    floors.map(({ floor, suffix }) =>
      scoreRouter(floor === undefined ? context : { ...context, qualityFloor: floor }, {
        name: `router-${kind}${suffix}`,
        description: `${kind === 'irt' && served !== undefined ? `the served artifact ${served.version} (trained on these rows; not refitted)` : `${kind} quality predictor (CV-tuned${kind === 'knn' || kind === 'irt' ? '' : ', Platt-calibrated'})`} + utility knob${floor === undefined ? ', no quality floor' : `, quality floor ${floor} (served default)`}`,
        predictedQuality: predicted.get(kind) as Float64Array[],
        estimatedCostUsd: estimated,
        hyperparameters: hyperparameters.get(kind) as unknown[],
        trainMs: Math.round(trainMs.get(kind) ?? 0),
        ...(twoModel
          ? {
              calibration: calibrationTargets.map((targetShare, j) => {
                const entry = (calibration.get(kind) ?? [])[j];
                return {
                  targetShare,
                  willingnessToPay: entry?.willingness ?? [],
                  calibrationShare: entry?.calibrationShare ?? Number.NaN,
                  heldOutShare: (entry?.strongCalls ?? Number.NaN) / n,
                };
              }),
            }
          : {}),
      }),
    ),
  );
  // The oracle knows each answer's quality and cost: the best any router could do.
  const oracle = scoreRouter(context, {
    name: 'oracle',
    description: 'true quality and true cost + utility knob (upper bound)',
    predictedQuality: truth.quality.map((row) => Float64Array.from(row)),
    estimatedCostUsd: truth.costUsd.map((row) => Float64Array.from(row)),
    hyperparameters: [],
    trainMs: 0,
  });
  if (twoModel) {
    const pair = { strong, weak };
    // The oracle's curve uses the exact oracle order (true strong-minus-weak gain).
    const exact = scoreOrdering(
      { ...context, pair },
      {
        name: 'oracle',
        description: oracle.description,
        scores: oracleScores(qualityColumn(truth, weak), qualityColumn(truth, strong)),
      },
    );
    routerResults.push({
      ...oracle,
      ...(exact.twoModel === undefined ? {} : { twoModel: exact.twoModel }),
    });
    routerResults.push(
      scoreOrdering(
        { ...context, pair },
        {
          name: 'random',
          description: 'uniform random scores (seeded)',
          scores: Float64Array.from({ length: n }, () => rng.next()),
        },
      ),
    );
  } else {
    routerResults.push(oracle);
  }
  lap('evaluateMs', t);

  const singlePoints = singles.map((s) => ({
    cost: s.costUsd.estimate,
    quality: s.quality.estimate,
  }));
  const oracleSweep = routerResults.find((r) => r.name === 'oracle')?.sweep ?? [];
  const perGroup = twoModel
    ? undefined
    : singleModelPerGroup(
        truth,
        evalRows.map((row) => testPrompts[row]?.group ?? ''),
      );
  return {
    suite: config.name,
    description:
      served === undefined
        ? config.description
        : `${config.description} router-irt is the served artifact ${served.version} (${served.dir}), trained on exactly these training rows: scored as /v1/route serves it, not refitted; its estimates also give every router's estimated costs.`,
    protocol,
    seed,
    environment: {
      gitCommit: options.gitCommit ?? 'unknown',
      nodeVersion: process.version,
      cores: cpus().length,
      embedder: embedder.modelId,
      startedAt: new Date().toISOString(),
    },
    dataHashes: hashSources([...datasets.values()], dataDir),
    models,
    ...(twoModel ? { strongModel: models[strong], weakModel: models[weak] } : {}),
    testPrompts: n,
    unlabelledDropped,
    folds: folds.length,
    qualityScale,
    costAccounting: costAccountingNote(config, test.dataset, catalog),
    ...(options.irtHyperparameters === undefined
      ? {}
      : { irtHyperparameters: options.irtHyperparameters }),
    costRange,
    baselines,
    routers: routerResults,
    ...(twoModel
      ? {}
      : {
          referenceAiq: {
            singleModelMix: aiq(singlePoints, costRange),
            ...(perGroup === undefined || perGroup.groups < 2
              ? {}
              : {
                  singleModelPerGroup: aiq(perGroup.points, costRange),
                  groups: perGroup.groups,
                }),
            oracle: aiq(
              oracleSweep.map((p) => ({ cost: p.costUsd, quality: p.quality })),
              costRange,
            ),
          },
        }),
    ...(config.published === undefined ? {} : { published: config.published }),
    timingsMs: { ...timings, totalMs: Math.round(performance.now() - started) },
  };
}

/**
 * The frontier of "one model per group (task), each group's own, chosen in hindsight on the test
 * prompts": per group, every single model's mean (cost, quality); groups combined by their share of
 * the prompts. An upper bound on any router that picks one model per task.
 */
function singleModelPerGroup(
  truth: TestTruth,
  groups: readonly string[],
): { points: { cost: number; quality: number }[]; groups: number } {
  const rowsByGroup = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const rows = rowsByGroup.get(group) ?? [];
    rows.push(i);
    rowsByGroup.set(group, rows);
  });
  const models = truth.quality[0]?.length ?? 0;
  const weighted = [...rowsByGroup.values()].map((rows) => ({
    weight: rows.length,
    points: Array.from({ length: models }, (_, m) => ({
      cost:
        rows.reduce((sum, i) => sum + ((truth.costUsd[i] as Float64Array)[m] as number), 0) /
        rows.length,
      quality:
        rows.reduce((sum, i) => sum + ((truth.quality[i] as Float64Array)[m] as number), 0) /
        rows.length,
    })),
  }));
  return { points: groupedMixPoints(weighted), groups: rowsByGroup.size };
}

function costAccountingNote(
  config: SuiteConfig,
  dataset: RoutingDataset,
  catalog: Catalog,
): string {
  const prompt = dataset.prompts[0];
  if (prompt?.costUsd !== undefined) return 'real per-call cost from the data (USD)';
  const output =
    prompt?.outputTokens !== undefined
      ? 'output tokens counted on the logged responses'
      : `${config.defaultOutputTokens} output tokens assumed (no responses in the data)${reasoningNote(dataset, catalog)}`;
  return `catalog price × (input tokens by the model's tokenizer family + output tokens); ${output}`;
}

/** Names the reasoning models whose accounted output adds hidden reasoning tokens (bench/cost.ts). */
function reasoningNote(dataset: RoutingDataset, catalog: Catalog): string {
  const reasoners = dataset.models.flatMap((id) => {
    const model = catalog.get(id);
    return model?.reasoning === undefined
      ? []
      : [`${model.id} +${Math.round(reasoningTokens(model, DEFAULT_HARDNESS))}`];
  });
  return reasoners.length === 0
    ? ''
    : `, plus hidden reasoning tokens at middling hardness (catalog \`reasoning\`): ${reasoners.join(', ')}`;
}
