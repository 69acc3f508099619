import type {} from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceMetrics } from '../metrics-registry.js';

/** Options for the observability plugin. */
export interface ObservabilityOptions {
  readonly metrics: ServiceMetrics;
}

/**
 * `GET /metrics` (Prometheus text), `GET /openapi.json`, and `GET /docs`: Swagger UI (the Fastify
 * project's @fastify/swagger-ui, its assets served from the installed package, no CDN) with
 * try-it-out against this service.
 */
export const observabilityRoutes: FastifyPluginAsyncTypebox<ObservabilityOptions> = async (
  app,
  options,
) => {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.type('text/plain; version=0.0.4');
    return options.metrics.render();
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { tryItOutEnabled: true, displayRequestDuration: true, deepLinking: true },
    // The page loads only its own bundled assets (no CDN), so a strict CSP holds.
    staticCSP: true,
    theme: { title: 'Arbiter API docs' },
  });
};
