import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CatalogRegistry } from '../catalog/index.js';
import { RouterError, sha256Hex, systemClock, type Clock } from '../core/index.js';
import { PendingWork, loadUpstreamConfig, type UpstreamConfig } from '../proxy/index.js';
import type { RoutingService } from '../service/index.js';
import { extractApiKey, type KeyRegistry, type Principal } from './auth.js';
import { clientErrorHandler, installErrorHandler } from './error-handler.js';
import { ServiceMetrics } from './metrics-registry.js';
import { RateLimiter } from './rate-limiter.js';
import {
  checkServerTimeouts,
  loadServerTimeouts,
  timeoutCheckIntervalMs,
  type ServerTimeouts,
} from './timeouts.js';
import { adminRoutes } from './routes/admin.js';
import { adminArtifactRoutes, type AdminArtifactOptions } from './routes/admin-artifact.js';
import { chatCompletionsRoutes } from './routes/chat-completions.js';
import { feedbackRoutes } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { modelsRoutes } from './routes/models.js';
import { observabilityRoutes } from './routes/observability.js';
import { usageRoutes } from './routes/usage.js';
import { statsRoutes } from './routes/stats.js';
import { dashboardRoutes } from './routes/dashboard.js';
import type { StatsReader } from '../stats/index.js';
import { openapiOptions } from './openapi.js';
import type { UsageRepo } from '../store/index.js';
import { routeRoutes } from './routes/route.js';

/** Everything the HTTP layer needs, constructed by the caller (cli/serve.ts or a test). */
export interface AppDeps {
  /** The catalog in force, changed at run time by the admin endpoints. */
  readonly registry: CatalogRegistry;
  /** The routing service, once the embedder and predictors are loaded (undefined while loading). */
  readonly service: () => RoutingService | undefined;
  /** API keys; without one, only anonymous routing (if allowed) works. */
  readonly keys?: KeyRegistry;
  /** Circuit state of a model (health tracking), shown in GET /v1/models. */
  readonly circuit?: (model: string) => 'closed' | 'open' | 'half_open' | undefined;
  /** Allow `/v1/route` without a key. @default true */
  readonly allowAnonymousRoute?: boolean;
  /** Persist catalog overrides after an admin change. @default no-op */
  readonly persistCatalog?: () => Promise<void>;
  readonly metrics?: ServiceMetrics;
  /** Fastify logger option (pino). @default false */
  readonly logger?: FastifyServerOptions['logger'];
  /** Maximum body size, bytes. @default 262144 */
  readonly bodyLimit?: number;
  /**
   * Requests per minute per API key (or per client address when anonymous) on the /v1 endpoints;
   * 0 disables. Bounds how fast one key can push feedback into the learner. @default 12000
   */
  readonly rateLimitPerMinute?: number;
  /** Time source for rate limiting. @default systemClock */
  readonly clock?: Clock;
  /**
   * Upstreams of proxy mode (`POST /v1/chat/completions`).
   * @default read from `ARBITER_UPSTREAM_*` / `ARBITER_PROXY_*` in process.env (none: the route answers 503)
   */
  readonly upstreams?: UpstreamConfig;
  /**
   * How long a client may take to send its headers and its whole request; a stalled client is
   * answered 408 and disconnected.
   * @default read from `ARBITER_HEADERS_TIMEOUT_MS` / `ARBITER_REQUEST_TIMEOUT_MS` /
   * `ARBITER_KEEP_ALIVE_TIMEOUT_MS` in process.env (10 s / 30 s / 72 s)
   */
  readonly timeouts?: ServerTimeouts;
  /** Usage accounting (GET /v1/usage, traffic shares in GET /v1/models); without it, no /v1/usage. */
  readonly usage?: Pick<UsageRepo, 'usage' | 'decisionCounts'>;
  /** The stats API (GET /v1/stats/*, read by GET /dashboard); without it, no /v1/stats. */
  readonly stats?: StatsReader;
  /** Artifact promotion and rollback (admin); without it, those endpoints answer 503. */
  readonly artifacts?: AdminArtifactOptions['artifacts'];
  /** Store snapshots for offline commands (admin); without it, POST /v1/admin/snapshot is a 400. */
  readonly snapshot?: AdminArtifactOptions['snapshot'];
  /** Called from Fastify's onClose hook: flush and close the store and embedder here. */
  readonly onClose?: () => Promise<void>;
}

/** Build the Fastify app (not listening). Tests use `app.inject()`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const timeouts =
    deps.timeouts === undefined
      ? loadServerTimeouts(process.env)
      : checkServerTimeouts(deps.timeouts);
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 262_144,
    // Without these a client that sends half its headers (or half its body) holds a socket forever.
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeoutCheckIntervalMs(timeouts),
    },
    clientErrorHandler,
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
  const perMinute = deps.rateLimitPerMinute ?? 12_000;
  if (perMinute > 0) {
    const limiter = new RateLimiter({ perMinute, clock: deps.clock ?? systemClock });
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.url.startsWith('/v1/')) {
        done();
        return;
      }
      const key = extractApiKey(request.headers);
      const wait = limiter.take(key === undefined ? `ip:${request.ip}` : `key:${sha256Hex(key)}`);
      if (wait === 0) {
        done();
        return;
      }
      void reply.header('retry-after', String(wait));
      done(new RouterError('RATE_LIMITED', `too many requests: retry in ${wait} s`));
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(reply.elapsedTime, {
      route: request.routeOptions.url ?? 'unmatched',
      status: `${Math.floor(reply.statusCode / 100)}xx`,
    });
  });
  await app.register(swagger, openapiOptions());
  const catalog = () => deps.registry.current();
  await app.register(healthRoutes, { isReady: () => deps.service() !== undefined });
  await app.register(modelsRoutes, {
    catalog,
    service: deps.service,
    principal,
    ...(deps.circuit === undefined ? {} : { circuit: deps.circuit }),
    ...(deps.usage === undefined
      ? {}
      : { decisionCounts: (query) => deps.usage?.decisionCounts(query) ?? Promise.resolve([]) }),
  });
  if (deps.usage !== undefined) {
    await app.register(usageRoutes, { usage: deps.usage, principal });
  }
  if (deps.stats !== undefined) {
    await app.register(statsRoutes, { stats: deps.stats, principal });
    await app.register(dashboardRoutes);
  }
  await app.register(routeRoutes, {
    service: deps.service,
    metrics,
    principal,
    allowAnonymous: deps.allowAnonymousRoute ?? true,
  });
  await app.register(feedbackRoutes, { service: deps.service, metrics, principal });
  const proxyRecording = new PendingWork((error) =>
    app.log.warn({ err: error }, 'proxy outcome not recorded'),
  );
  await app.register(chatCompletionsRoutes, {
    service: deps.service,
    catalog,
    upstreams: deps.upstreams ?? loadUpstreamConfig(process.env),
    metrics,
    principal,
    allowAnonymous: deps.allowAnonymousRoute ?? true,
    pending: proxyRecording,
    clock: deps.clock ?? systemClock,
  });
  await app.register(adminRoutes, {
    registry: deps.registry,
    principal,
    persist: deps.persistCatalog ?? (() => Promise.resolve()),
  });
  await app.register(adminArtifactRoutes, {
    artifacts: deps.artifacts ?? (() => undefined),
    principal,
    ...(deps.snapshot === undefined ? {} : { snapshot: deps.snapshot }),
  });
  await app.register(observabilityRoutes, { metrics });
  app.addHook('onClose', async () => {
    // Outcomes of answers already sent are written before the store closes.
    await proxyRecording.drain();
    await deps.onClose?.();
  });
  return app;
}
