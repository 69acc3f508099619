import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CatalogRegistry } from '../catalog/index.js';
import type { RoutingService } from '../service/index.js';
import { extractApiKey, type KeyRegistry, type Principal } from './auth.js';
import { installErrorHandler } from './error-handler.js';
import { ServiceMetrics } from './metrics-registry.js';
import { adminRoutes } from './routes/admin.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { modelsRoutes } from './routes/models.js';
import { observabilityRoutes } from './routes/observability.js';
import { routeRoutes } from './routes/route.js';

/** Everything the HTTP layer needs, constructed by the caller (cli/serve.ts or a test). */
export interface AppDeps {
  /** The catalog in force, changed at run time by the admin endpoints. */
  readonly registry: CatalogRegistry;
  /** The routing service, once the embedder and predictors are loaded (undefined while loading). */
  readonly service: () => RoutingService | undefined;
  /** API keys; without one, only anonymous routing (if allowed) works. */
  readonly keys?: KeyRegistry;
  /** Allow `/v1/route` without a key. @default true */
  readonly allowAnonymousRoute?: boolean;
  /** Persist catalog overrides after an admin change. @default no-op */
  readonly persistCatalog?: () => Promise<void>;
  readonly metrics?: ServiceMetrics;
  /** Fastify logger option (pino). @default false */
  readonly logger?: FastifyServerOptions['logger'];
  /** Maximum body size, bytes. @default 262144 */
  readonly bodyLimit?: number;
  /** Called from Fastify's onClose hook: flush and close the store and embedder here. */
  readonly onClose?: () => Promise<void>;
}

/** Build the Fastify app (not listening). Tests use `app.inject()`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 262_144,
    // Fastify's Ajv defaults strip unknown properties and coerce types ("42" -> 42); a router must
    // reject both so a typo'd field or a wrong type is a 400, never silently ignored.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const metrics = deps.metrics ?? new ServiceMetrics();
  const principal = (headers: Readonly<Record<string, unknown>>): Principal | undefined => {
    const key = extractApiKey(headers);
    return key === undefined ? undefined : deps.keys?.resolve(key);
  };
  installErrorHandler(app);
  // JSON only: a text/plain body gets 415 instead of a confusing schema error.
  app.removeContentTypeParser('text/plain');
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(reply.elapsedTime, {
      route: request.routeOptions.url ?? 'unmatched',
      status: `${Math.floor(reply.statusCode / 100)}xx`,
    });
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Arbiter routing API',
        version: '1',
        description:
          'Ask which model should answer a prompt (POST /v1/route), then report how it went (POST /v1/feedback).',
      },
      components: {
        securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  const catalog = () => deps.registry.current();
  await app.register(healthRoutes, { isReady: () => deps.service() !== undefined });
  await app.register(modelsRoutes, { catalog, service: deps.service, principal });
  await app.register(routeRoutes, {
    service: deps.service,
    metrics,
    principal,
    allowAnonymous: deps.allowAnonymousRoute ?? true,
  });
  await app.register(feedbackRoutes, { service: deps.service, metrics, principal });
  await app.register(adminRoutes, {
    registry: deps.registry,
    principal,
    persist: deps.persistCatalog ?? (() => Promise.resolve()),
  });
  await app.register(observabilityRoutes, { metrics });
  if (deps.onClose !== undefined) {
    const onClose = deps.onClose;
    app.addHook('onClose', async () => onClose());
  }
  return app;
}
