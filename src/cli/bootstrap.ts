import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { loadPredictorArtifact } from '../artifact/index.js';
import { CatalogRegistry, loadCatalog, type CatalogOverrides } from '../catalog/index.js';
import {
  createPolicy,
  joinFeedback,
  policyFromState,
  type BanditPolicy,
  type BanditPolicyName,
} from '../bandit/index.js';
import type { Config } from '../config/index.js';
import { createRng, errorMessage, isRouterError, systemClock } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import {
  DEFAULT_TRADEOFF,
  Router,
  priorArmPredictor,
  type KnobReferenceTraffic,
  type ArmPredictor,
  type SelectionPolicy,
  type TenantsFile,
} from '../router/index.js';
import { buildApp } from '../server/app.js';
import { loadKeyRegistry, type KeyRegistry } from '../server/auth.js';
import {
  InfluenceLimiter,
  ProductionControls,
  RoutingService,
  loadTenantsFile,
  advanceWatermark,
  catchUpPolicy,
  splitWatermark,
  WATERMARK_FIELD,
  REPLICA_SYNC_INTERVAL_MS,
  createReplicaSync,
  loadPooledPolicy,
  type DecisionSummary,
  type ReplicaSync,
  type Watermark,
} from '../service/index.js';
import { loadUpstreamConfig, unmatchedUpstreamWarnings } from '../proxy/index.js';
import { openStore, type OutcomeRecord, type Store } from '../store/index.js';
import type { SharedStore } from '../store/pg/index.js';
import { API_VERSION } from '../server/openapi.js';
import { createStatsReader, type TenantBudgetLimits } from '../stats/index.js';
import {
  ArtifactPromoter,
  ArtifactSlot,
  artifactArmPredictor,
  restoreServedArtifact,
  snapshotWriter,
} from '../retrain/index.js';
import { countTokens } from '../tokens/index.js';
import { createEmbedder } from './create-embedder.js';
import type { StartupInfo } from './startup-summary.js';
import { collectStartupGarbage } from '../core/collect-garbage.js';

/** A composed, not-yet-listening service. */
export interface Service {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Resolves when the embedder and predictors are loaded (the app answers /readyz 503 before). */
  readonly ready: Promise<void>;
  /** The online policy, once ready (undefined for `greedy`). */
  readonly bandit: () => BanditLearning | undefined;
  /** What `serve` prints at start (the URL is the caller's), once ready. */
  readonly startupInfo: (url: string) => StartupInfo | undefined;
}

const OVERRIDES_KEY = 'catalog_overrides';
/** Prompts the warm-up routes (and records nothing for): short, medium and long. */
const WARM_UP_PROMPTS = [
  'warm up',
  'What is the capital of France?',
  'Explain how a hash map handles collisions, and show a short example in Python.',
  'Summarise the trade-offs between optimistic and pessimistic locking in a database, with one ' +
    'example where each is the better choice, and say how retries and deadlocks differ between them.',
] as const;

/** The keys file in force: the configured one, or `<stateDir>/keys.json` (which may not exist yet). */
export function keysFilePath(config: Pick<Config, 'keysFile' | 'stateDir'>): string {
  return config.keysFile ?? join(config.stateDir, 'keys.json');
}

/**
 * Compose the service from config: catalog (+ persisted overrides), DuckDB store, API keys, then, in
 * the background, the embedder and the predictor artifact. Only this file and the CLI construct
 * concrete classes.
 */
export async function composeService(
  config: Readonly<Config>,
  options: {
    embedder?: Embedder;
    logger?: FastifyServerOptions['logger'];
    /** Environment of the proxy's `ARBITER_UPSTREAM_*` / `ARBITER_PROXY_*` settings. @default process.env */
    env?: Readonly<Record<string, string | undefined>>;
  } = {},
): Promise<Service> {
  const base = loadCatalog(config.catalogPath);
  if (config.dbPath !== ':memory:') mkdirSync(dirname(config.dbPath), { recursive: true });
  // Set once the app exists; the keys registry and the store's hourly retention runs log through it.
  let log: Pick<FastifyInstance['log'], 'info' | 'warn'> = {
    info: () => undefined,
    warn: () => undefined,
  };
  const onRetentionError = (error: Error): void =>
    log.warn({ err: error }, 'retention run failed (the next hourly run retries)');
  // ARBITER_DATABASE_URL: PostgreSQL shared by replicas; otherwise the embedded DuckDB file.
  // The PostgreSQL client loads only when it is used (about 10 MB that a DuckDB service never needs).
  const databaseUrl = config.databaseUrl;
  const shared: SharedStore | undefined =
    databaseUrl === undefined
      ? undefined
      : await import('../store/pg/index.js').then(({ openPgStore }) =>
          openPgStore({
            url: databaseUrl,
            storePromptText: config.storePrompts,
            retentionDays: config.retentionDays,
            onRetentionError,
            ...(config.replicaId === undefined ? {} : { replicaId: config.replicaId }),
          }),
        );
  const store: Store =
    shared ??
    (await openStore({
      path: config.dbPath,
      storePromptText: config.storePrompts,
      retentionDays: config.retentionDays,
      onRetentionError,
      // A failed background batch (decisions already durable in the journal, observations) is
      // logged, not handed to whichever request flushes next; the journal keeps such decisions for
      // the next start.
      onBackgroundError: (error) => log.warn({ err: error }, 'background store write failed'),
      ...(config.duckdbMemoryLimit === undefined ? {} : { memoryLimit: config.duckdbMemoryLimit }),
    }));
  let keys: KeyRegistry | undefined;
  let tenants: TenantsFile | undefined;
  let registry: CatalogRegistry;
  try {
    const saved = await store.meta.get(OVERRIDES_KEY);
    registry = new CatalogRegistry(
      base,
      saved === undefined ? undefined : (JSON.parse(saved) as CatalogOverrides),
    );
    // The registry follows the file, so keys added while the service runs work without a restart.
    keys = loadKeyRegistry(keysFilePath(config), {
      allowMissing: config.keysFile === undefined,
      onReload: (size) => log.info({ keys: size }, 'keys file changed: keys reloaded'),
      onError: (error) =>
        log.warn({ err: error }, 'keys file changed but is not usable: kept the previous keys'),
    });
    tenants = config.tenantsFile === undefined ? undefined : loadTenantsFile(config.tenantsFile);
  } catch (error: unknown) {
    await store.close();
    throw error;
  }

  let service: RoutingService | undefined;
  let learning: BanditLearning | undefined;
  let replicaSync: ReplicaSync | undefined;
  let controls: ProductionControls | undefined;
  let embedder: Embedder | undefined = options.embedder;
  let promoter: ArtifactPromoter | undefined;
  let info: Omit<StartupInfo, 'url'> | undefined;
  const app = await buildApp({
    registry,
    service: () => service,
    ...(keys === undefined ? {} : { keys }),
    allowAnonymousRoute: config.allowAnonymousRoute,
    persistCatalog: () => store.meta.set(OVERRIDES_KEY, JSON.stringify(registry.overrides())),
    logger: options.logger ?? { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    rateLimitPerMinute: config.rateLimitPerMinute,
    circuit: (model) => controls?.health.health(model).state,
    usage: store.usage,
    artifacts: () => promoter,
    snapshot: snapshotWriter({ store, dir: join(config.stateDir, 'snapshots') }),
    stats: createStatsReader({
      stats: store.stats,
      circuitEvents: store.circuitEvents,
      circuitState: (model) => controls?.health.health(model).state,
      budgets: () => budgetLimits(tenants),
      promptStorage: config.storePrompts,
      clock: systemClock,
    }),
    ...(options.env === undefined ? {} : { upstreams: loadUpstreamConfig(options.env) }),
    onClose: async () => {
      await replicaSync?.close();
      await learning?.close();
      await controls?.save();
      await store.close();
      await embedder?.close();
    },
  });

  log = app.log;
  const providers = registry.current().models.map((model) => model.provider);
  for (const warning of unmatchedUpstreamWarnings(options.env ?? process.env, providers)) {
    app.log.warn(warning);
  }
  const ready = (async () => {
    embedder ??= await createEmbedder(config);
    // The artifact lives in a slot that promotions and rollbacks swap without a restart.
    const slot = new ArtifactSlot(
      await restoreServedArtifact({
        meta: store.meta,
        fallbackDir: config.artifactDir,
        embedder,
        catalog: () => registry.current(),
        warn: (message) => app.log.warn(message),
      }),
    );
    const predictor = slot.predictor;
    const pooled =
      shared === undefined || config.policy === 'greedy'
        ? undefined
        : await loadPooledPolicy(shared, config.policy, (message) => app.log.warn(message));
    const restored =
      config.policy === 'greedy' || shared !== undefined
        ? undefined
        : await loadPolicyWithWatermark(store, config.policy, (message) => app.log.warn(message));
    const policy = pooled?.policy ?? restored?.policy;
    // Replicas: other replicas' outcomes after this point reach this one's spend through the feed;
    // those before it are in the spend loaded from the store just below.
    const foreignFrom = await shared?.feed.tip();
    controls = await ProductionControls.create({
      store,
      catalog: () => registry.current(),
      ...(tenants === undefined ? {} : { tenants }),
      onCircuitTransition: (transition) => {
        store.circuitEvents
          .record(transition)
          .catch((error: unknown) => app.log.warn({ err: error }, 'circuit event not recorded'));
      },
    });
    const routerDeps = {
      catalog: () => registry.current(),
      embedder,
      predictor,
      // The 0-10 knob, calibrated on the served artifact's reference traffic (knob.ts).
      knob: slot.willingness,
      knobFloor: slot.qualityFloor,
      ...(policy === undefined ? {} : { policy: exploreOnceLearning(policy) }),
    };
    const routingControls = controls.routing();
    const router = new Router({
      ...routerDeps,
      controls: routingControls,
      rng: createRng(config.seed),
    });
    const routing = new RoutingService({
      router,
      store,
      catalog: () => registry.current(),
      storePrompts: config.storePrompts,
      recentCapacity: config.recentDecisions,
      ...(config.learnCapPerHour > 0
        ? {
            influence: new InfluenceLimiter({
              clock: systemClock,
              perModel: config.learnCapPerHour,
            }),
          }
        : {}),
      onListenerError: (error) => app.log.warn({ err: error }, 'outcome listener failed'),
    });
    routing.onOutcome(controls.onOutcome);
    if (shared !== undefined && foreignFrom !== undefined) {
      replicaSync = createReplicaSync({
        store: shared,
        feed: shared.feed,
        replicaId: shared.replicaId,
        ...(pooled === undefined ? {} : { learning: pooled }),
        foreignFrom,
        onForeignOutcome: controls.onOutcome,
        tagsOf: (model) => registry.current().get(model)?.tags,
        learnCapPerHour: config.learnCapPerHour,
        // Catalog changes made through another replica's admin API.
        watch: [
          {
            key: OVERRIDES_KEY,
            onChange: (value) => {
              for (const model of (JSON.parse(value) as CatalogOverrides).upserts) {
                registry.upsert(model);
              }
            },
          },
        ],
        onError: (error) => app.log.warn({ err: error }, 'replica sync failed'),
      });
      // Learn every outcome stored so far (all replicas') before serving, then follow the feed.
      await replicaSync.syncOnce();
      replicaSync.start(REPLICA_SYNC_INTERVAL_MS);
    }
    const replay = store.journalReplay;
    if (replay !== undefined && replay.segments > 0) {
      if (replay.rejected > 0) {
        app.log.warn(replay, 'decision journal: decisions the table refused were kept aside');
      } else {
        app.log.info(replay, 'decision journal: decisions a crash left there written to the table');
      }
    }
    if (policy !== undefined && shared === undefined) {
      const tagsOf = (model: string): { tier: string; family: string } | undefined => {
        const entry = registry.current().get(model);
        return entry === undefined
          ? undefined
          : { tier: entry.tags.tier, family: entry.tags.family };
      };
      // Outcomes recorded after the last save (a crash, a kill) are replayed before serving.
      const caughtUp = await catchUpPolicy({
        store,
        policy,
        mark: restored?.mark,
        tagsOf,
      });
      if (caughtUp.applied > 0) {
        app.log.info(
          { applied: caughtUp.applied },
          'bandit caught up on outcomes after its last save',
        );
      }
      learning = attachBandit({
        service: routing,
        policy,
        store,
        tagsOf,
        onError: (error) => app.log.warn({ err: error }, 'bandit state save failed'),
        ...(caughtUp.mark === undefined ? {} : { watermark: caughtUp.mark }),
      });
      if (caughtUp.applied > 0) await learning.save();
    }
    // Warm-up before /readyz answers ready, so the first request pays none of it: the knob's
    // calibration (the reference prompts x the catalog's candidates), every tokenizer's tables
    // and one embedding.
    slot.willingness(DEFAULT_TRADEOFF);
    for (const model of registry.current().models) countTokens('warm up', model.tokenizer);
    await embedder.embed(['warm up']);
    // Then decisions through the real route stages and the decision write path, recording
    // nothing (RoutingService.rehearse). Its router is a stand-in with its own random stream and
    // only the read-only controls (tenant policy, budgets): warming up draws nothing from the served
    // router's stream and takes no session pin, capacity slot or circuit probe.
    const rehearsal = new Router({
      ...routerDeps,
      controls: {
        ...(routingControls.policyFor === undefined
          ? {}
          : { policyFor: routingControls.policyFor }),
        ...(routingControls.budgets === undefined ? {} : { budgets: routingControls.budgets }),
      },
      rng: createRng(config.seed),
    });
    // A few times, with prompts of different lengths: V8 optimises a function only after several
    // calls, and after one rehearsal the first route's stages still ran slower than later ones.
    for (const prompt of WARM_UP_PROMPTS) await routing.rehearse(rehearsal, { prompt });
    const gcMs = collectStartupGarbage();
    if (gcMs !== undefined) app.log.debug({ gcMs }, 'start-up garbage collected');
    service = routing;
    promoter = new ArtifactPromoter({
      slot,
      store,
      catalog: () => registry.current(),
      embedder,
      stateDir: config.stateDir,
      seed: config.seed,
    });
    const models = registry.current().models;
    const sources = predictor.estimate(new Float32Array(embedder.dimension), models);
    const learned = sources.filter((estimate) => estimate.source === 'predictor').length;
    info = {
      version: API_VERSION,
      catalogPath: config.catalogPath,
      models: models.length,
      enabledModels: models.filter((model) => model.disabled !== true).length,
      artifactDir: slot.current.dir,
      predictor: predictor.version,
      learnedModels: learned,
      priorModels: models.length - learned,
      embedder: embedder.modelId,
      policy: policy === undefined ? 'greedy' : `${policy.name}@${policy.version}`,
      keysFile: keysFilePath(config),
      keys: keys?.size ?? 0,
      allowAnonymousRoute: config.allowAnonymousRoute,
      stateDir: config.stateDir,
      dbPath: config.dbPath,
    };
    app.log.info(
      {
        embedder: embedder.modelId,
        predictor: predictor.version,
        policy: policy === undefined ? 'greedy' : `${policy.name}@${policy.version}`,
        models: registry.current().models.length,
      },
      'router ready',
    );
  })();
  return {
    app,
    store,
    ready,
    bandit: () => learning,
    startupInfo: (url) => (info === undefined ? undefined : { ...info, url }),
  };
}

/** Configured budgets per named tenant (the `*` default has no spend of its own). */
export function budgetLimits(
  tenants: TenantsFile | undefined,
): ReadonlyMap<string, TenantBudgetLimits> {
  const limits = new Map<string, TenantBudgetLimits>();
  for (const [tenant, policy] of Object.entries(tenants?.tenants ?? {})) {
    const budget = policy.budget;
    if (tenant === '*' || budget === undefined) continue;
    limits.set(tenant, {
      ...(budget.daily_usd === undefined ? {} : { dailyUsd: budget.daily_usd }),
      ...(budget.monthly_usd === undefined ? {} : { monthlyUsd: budget.monthly_usd }),
    });
  }
  return limits;
}

/**
 * The policy as the router sees it: until the first outcome arrives it routes greedily on its
 * (prior) means, i.e. exactly like the offline router, with propensity 1. Exploration only pays off
 * through feedback; a deployment that never posts feedback should not pay for it. From the first
 * outcome on (state version > 0, also after a restart) the policy selects as it is.
 */
export function exploreOnceLearning(policy: BanditPolicy): SelectionPolicy {
  return {
    name: policy.name,
    // A policy that corrects the predictions is offered every candidate, with the request's rule.
    ...(policy.candidates === undefined ? {} : { candidates: policy.candidates }),
    get version() {
      return policy.version;
    },
    select(context) {
      if (policy.version > 0) return policy.select(context);
      // With no outcome every arm's mean is its offline utility: the router's first arm is the best.
      return {
        index: 0,
        propensity: 1,
        explored: false,
        features: Array.from(policy.features(context.embedding)),
      };
    },
  };
}

/**
 * The saved state of `name` from DuckDB, or a fresh policy when none was saved (or the saved one
 * cannot be restored: that is reported and the policy starts again from the offline router).
 */
export async function loadPolicy(
  store: Store,
  name: BanditPolicyName,
  warn: (message: string) => void = () => undefined,
): Promise<BanditPolicy> {
  return (await loadPolicyWithWatermark(store, name, warn)).policy;
}

/** {@link loadPolicy} plus the watermark saved with the state (the last outcome it includes). */
export async function loadPolicyWithWatermark(
  store: Store,
  name: BanditPolicyName,
  warn: (message: string) => void = () => undefined,
): Promise<{ policy: BanditPolicy; mark: Watermark | undefined }> {
  const saved = await store.policyState.load(name);
  if (saved === undefined) return { policy: createPolicy(name), mark: undefined };
  const { state, mark } = splitWatermark(saved.state);
  try {
    return { policy: policyFromState(state), mark };
  } catch (error: unknown) {
    if (!isRouterError(error, 'POLICY_STATE_INVALID')) throw error;
    warn(`saved ${name} state not usable (${error.message}): starting from the offline router`);
    return { policy: createPolicy(name), mark: undefined };
  }
}

/** A bandit wired to the service's outcomes, saving its state to DuckDB. */
export interface BanditLearning {
  readonly policy: BanditPolicy;
  /** Outcomes applied and skipped (with why) since start. */
  readonly counts: { applied: number; skipped: Record<string, number> };
  /** Save the state now (also runs every `saveEvery` updates and on close). */
  save(): Promise<void>;
  /** Final save; later outcomes are ignored. */
  close(): Promise<void>;
}

/**
 * Subscribe `policy` to recorded outcomes: join each to its decision (features and offline estimates
 * stored at decision time), update, and save the state every `saveEvery` updates (saves are chained,
 * never concurrent) and on close. Duplicates never arrive (the store's idempotency key stops them).
 */
export function attachBandit(options: {
  readonly service: RoutingService;
  readonly policy: BanditPolicy;
  readonly store: Store;
  /** Catalog tier and family of a model, for the prior of one the policy has not seen. */
  readonly tagsOf?: (model: string) => { tier?: string; family?: string } | undefined;
  /** Updates between saves. @default the policy's `saveEvery`, else 50 */
  readonly saveEvery?: number;
  readonly onError?: (error: unknown) => void;
  /** The last outcome the policy already includes (from a restore and catch-up). */
  readonly watermark?: Watermark;
}): BanditLearning {
  const { policy, store } = options;
  const saveEvery = options.saveEvery ?? policy.saveEvery ?? 50;
  const counts = { applied: 0, skipped: {} as Record<string, number> };
  let closed = false;
  let unsaved = 0;
  let saving: Promise<void> = Promise.resolve();
  let mark = options.watermark;
  const save = (): Promise<void> => {
    unsaved = 0;
    const state = policy.toState();
    const savedMark = mark;
    // The watermark rides in the same upsert as the state: one is never saved without the other.
    const record = savedMark === undefined ? state : { ...state, [WATERMARK_FIELD]: savedMark };
    saving = saving
      .then(() =>
        store.policyState.save({ name: policy.name, version: state.version, state: record }),
      )
      .catch((error: unknown) => options.onError?.(error));
    return saving;
  };
  options.service.onOutcome(
    (outcome: OutcomeRecord, decision: DecisionSummary) => {
      if (closed) return;
      mark = advanceWatermark(mark, outcome);
      const tags = options.tagsOf?.(outcome.model);
      const joined = joinFeedback({
        policy,
        outcome,
        decision,
        ...(tags === undefined ? {} : { tags }),
      });
      if (!joined.ok) {
        counts.skipped[joined.reason] = (counts.skipped[joined.reason] ?? 0) + 1;
        return;
      }
      policy.update(joined.value);
      counts.applied += 1;
      unsaved += 1;
      if (unsaved >= saveEvery) void save();
    },
    { learning: true },
  );
  return {
    policy,
    counts,
    save,
    async close() {
      if (closed) return;
      closed = true;
      await save();
    },
  };
}

/** The shipped artifact, or the catalog prior when it is missing or was trained for another embedder. */
export function loadArmPredictor(
  dir: string,
  embedder: Embedder,
  warn: (message: string) => void,
): ArmPredictor & { readonly reference?: KnobReferenceTraffic } {
  if (!existsSync(join(dir, 'manifest.json'))) {
    warn(`no predictor artifact at ${dir}: routing on catalog tier priors`);
    return priorArmPredictor();
  }
  try {
    const artifact = loadPredictorArtifact(dir, {
      embedderId: embedder.modelId,
      dimension: embedder.dimension,
    });
    const predictor = artifactArmPredictor(
      artifact,
      `${artifact.manifest.id}@${artifact.manifest.version}`,
    );
    return artifact.reference === undefined
      ? predictor
      : { ...predictor, reference: artifact.reference };
  } catch (error: unknown) {
    warn(`predictor artifact not usable (${errorMessage(error)}): routing on catalog tier priors`);
    return priorArmPredictor();
  }
}
