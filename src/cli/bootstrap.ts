import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadPredictorArtifact } from '../artifact/index.js';
import { CatalogRegistry, loadCatalog, type CatalogOverrides } from '../catalog/index.js';
import type { Config } from '../config/index.js';
import { createRng, errorMessage } from '../core/index.js';
import type { Embedder } from '../embed/index.js';
import {
  Router,
  priorArmPredictor,
  trainedArmPredictor,
  type ArmPredictor,
} from '../router/index.js';
import { buildApp } from '../server/app.js';
import { loadKeyRegistry, type KeyRegistry } from '../server/auth.js';
import { RoutingService } from '../service/index.js';
import { openStore, type Store } from '../store/index.js';
import { createEmbedder } from './create-embedder.js';

/** A composed, not-yet-listening service. */
export interface Service {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Resolves when the embedder and predictors are loaded (the app answers /readyz 503 before). */
  readonly ready: Promise<void>;
}

const OVERRIDES_KEY = 'catalog_overrides';

/** The keys file in force: the configured one, or `<stateDir>/keys.json` when it exists. */
export function keysFilePath(config: Pick<Config, 'keysFile' | 'stateDir'>): string | undefined {
  if (config.keysFile !== undefined) return config.keysFile;
  const fallback = join(config.stateDir, 'keys.json');
  return existsSync(fallback) ? fallback : undefined;
}

/**
 * Compose the service from config: catalog (+ persisted overrides), DuckDB store, API keys, then, in
 * the background, the embedder and the predictor artifact. Only this file and the CLI construct
 * concrete classes.
 */
export async function composeService(
  config: Readonly<Config>,
  options: { embedder?: Embedder; logger?: boolean } = {},
): Promise<Service> {
  const base = loadCatalog(config.catalogPath);
  if (config.dbPath !== ':memory:') mkdirSync(dirname(config.dbPath), { recursive: true });
  const store = await openStore({ path: config.dbPath, storePromptText: config.storePrompts });
  let keys: KeyRegistry | undefined;
  let registry: CatalogRegistry;
  try {
    const saved = await store.meta.get(OVERRIDES_KEY);
    registry = new CatalogRegistry(
      base,
      saved === undefined ? undefined : (JSON.parse(saved) as CatalogOverrides),
    );
    const keysPath = keysFilePath(config);
    keys = keysPath === undefined ? undefined : loadKeyRegistry(keysPath);
  } catch (error: unknown) {
    await store.close();
    throw error;
  }

  let service: RoutingService | undefined;
  let embedder: Embedder | undefined = options.embedder;
  const app = await buildApp({
    registry,
    service: () => service,
    ...(keys === undefined ? {} : { keys }),
    allowAnonymousRoute: config.allowAnonymousRoute,
    persistCatalog: () => store.meta.set(OVERRIDES_KEY, JSON.stringify(registry.overrides())),
    logger: options.logger === false ? false : { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    onClose: async () => {
      await store.close();
      await embedder?.close();
    },
  });

  const ready = (async () => {
    embedder ??= await createEmbedder(config);
    const predictor = loadArmPredictor(config.artifactDir, embedder, (message) =>
      app.log.warn(message),
    );
    const router = new Router({
      catalog: () => registry.current(),
      embedder,
      predictor,
      rng: createRng(config.seed),
    });
    service = new RoutingService({
      router,
      store,
      catalog: () => registry.current(),
      storePrompts: config.storePrompts,
    });
    app.log.info(
      {
        embedder: embedder.modelId,
        predictor: predictor.version,
        models: registry.current().models.length,
      },
      'router ready',
    );
  })();
  return { app, store, ready };
}

/** The shipped artifact, or the catalog prior when it is missing or was trained for another embedder. */
function loadArmPredictor(
  dir: string,
  embedder: Embedder,
  warn: (message: string) => void,
): ArmPredictor {
  if (!existsSync(join(dir, 'manifest.json'))) {
    warn(`no predictor artifact at ${dir}: routing on catalog tier priors`);
    return priorArmPredictor();
  }
  try {
    const artifact = loadPredictorArtifact(dir, {
      embedderId: embedder.modelId,
      dimension: embedder.dimension,
    });
    return trainedArmPredictor({
      version: `${artifact.manifest.id}@${artifact.manifest.version}`,
      quality: artifact.quality,
      outputLength: artifact.outputLength,
    });
  } catch (error: unknown) {
    warn(`predictor artifact not usable (${errorMessage(error)}): routing on catalog tier priors`);
    return priorArmPredictor();
  }
}
