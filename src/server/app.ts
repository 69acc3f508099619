import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Catalog } from '../catalog/index.js';
import { installErrorHandler } from './error-handler.js';
import { healthRoutes } from './routes/health.js';
import { modelsRoutes } from './routes/models.js';

/** Everything the HTTP layer needs, constructed by the caller (cli/serve.ts or a test). */
export interface AppDeps {
  readonly catalog: Catalog;
  /** Whether the embedder and predictors are loaded. @default () => true */
  readonly isReady?: () => boolean;
  /** Fastify logger option (pino). @default false */
  readonly logger?: FastifyServerOptions['logger'];
  /** Maximum body size, bytes. @default 262144 */
  readonly bodyLimit?: number;
  /** Called from Fastify's onClose hook: close the store and embedder here. */
  readonly onClose?: () => Promise<void>;
}

/** Build the Fastify app (not listening). Tests use `app.inject()`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 262_144,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installErrorHandler(app);
  await app.register(healthRoutes, { isReady: deps.isReady ?? (() => true) });
  await app.register(modelsRoutes, { catalog: () => deps.catalog });
  if (deps.onClose !== undefined) {
    const onClose = deps.onClose;
    app.addHook('onClose', async () => onClose());
  }
  return app;
}
