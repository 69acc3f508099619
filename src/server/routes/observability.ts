import type {} from '@fastify/swagger';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServiceMetrics } from '../metrics-registry.js';

/** Options for the observability plugin. */
export interface ObservabilityOptions {
  readonly metrics: ServiceMetrics;
}

/** `GET /metrics` (Prometheus text), `GET /openapi.json` and a `GET /docs` page built from it. */
export const observabilityRoutes: FastifyPluginAsyncTypebox<ObservabilityOptions> = (
  app,
  options,
) => {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    void reply.type('text/plain; version=0.0.4');
    return options.metrics.render();
  });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    void reply.type('text/html; charset=utf-8');
    return renderDocs(app.swagger() as OpenApiDoc);
  });
  return Promise.resolve();
};

interface OpenApiDoc {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<
    string,
    Record<string, { summary?: string; requestBody?: unknown; responses?: Record<string, unknown> }>
  >;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (c) => `&#${c.charCodeAt(0)};`);
}

/** A self-contained docs page (no CDN: the service runs offline). */
function renderDocs(doc: OpenApiDoc): string {
  const rows = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const body =
        operation.requestBody === undefined
          ? ''
          : `<details><summary>request body schema</summary><pre>${escapeHtml(JSON.stringify(operation.requestBody, null, 2))}</pre></details>`;
      const statuses = Object.keys(operation.responses ?? {}).join(', ');
      return `<section><h3><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h3><p>${escapeHtml(operation.summary ?? '')}</p><p>responses: ${statuses}</p>${body}</section>`;
    }),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(doc.info?.title ?? 'API')}</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f5f5f5;padding:1rem;overflow:auto}section{border-top:1px solid #ddd;padding:.5rem 0}</style></head>
<body><h1>${escapeHtml(doc.info?.title ?? 'API')} ${escapeHtml(doc.info?.version ?? '')}</h1><p>${escapeHtml(doc.info?.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3). Errors are always <code>{"error":{"code","message"}}</code>.</p>
${rows.join('\n')}</body></html>`;
}
