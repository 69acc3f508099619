import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** One file the dashboard serves, read once when the plugin registers. */
interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

const PAGE_DIR = new URL('../../dashboard/', import.meta.url);

/** The dashboard's files: its own page, script and styles, and uPlot from node_modules (no CDN). */
function loadAssets(): ReadonlyMap<string, Asset> {
  const require = createRequire(import.meta.url);
  const uplotDir = new URL('.', pathToFileURL(require.resolve('uplot')));
  const read = (base: URL, name: string): Buffer => readFileSync(new URL(name, base));
  return new Map([
    ['', { type: 'text/html; charset=utf-8', body: read(PAGE_DIR, 'index.html') }],
    [
      'dashboard.js',
      { type: 'text/javascript; charset=utf-8', body: read(PAGE_DIR, 'dashboard.js') },
    ],
    ['charts.js', { type: 'text/javascript; charset=utf-8', body: read(PAGE_DIR, 'charts.js') }],
    ['dashboard.css', { type: 'text/css; charset=utf-8', body: read(PAGE_DIR, 'dashboard.css') }],
    [
      'vendor/uPlot.iife.min.js',
      { type: 'text/javascript; charset=utf-8', body: read(uplotDir, 'uPlot.iife.min.js') },
    ],
    [
      'vendor/uPlot.min.css',
      { type: 'text/css; charset=utf-8', body: read(uplotDir, 'uPlot.min.css') },
    ],
  ]);
}

/**
 * Same-origin only: the page loads nothing from elsewhere and talks only to this service's
 * /v1/stats endpoints (uPlot sets inline styles on its elements, hence style-src 'unsafe-inline').
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /dashboard` and its assets: the operator page over the stats API. The page itself is public
 * (it holds no data); it asks for an API key and sends it only to `/v1/stats/*`.
 */
export const dashboardRoutes: FastifyPluginAsyncTypebox = (app) => {
  const assets = loadAssets();
  const send = (name: string) => {
    const asset = assets.get(name);
    if (asset === undefined) throw new Error(`dashboard asset missing: ${name}`);
    return asset;
  };
  const options = { schema: { hide: true } };
  app.get('/dashboard', options, async (_request, reply) => {
    const asset = send('');
    return reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('cache-control', 'no-store')
      .type(asset.type)
      .send(asset.body);
  });
  for (const name of [...assets.keys()].filter((key) => key !== '')) {
    app.get(`/dashboard/${name}`, options, async (_request, reply) => {
      const asset = send(name);
      return reply.header('cache-control', 'no-cache').type(asset.type).send(asset.body);
    });
  }
  return Promise.resolve();
};
