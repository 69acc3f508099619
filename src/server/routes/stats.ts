import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { RouterError } from '../../core/index.js';
import {
  RecentDecisions,
  STATS_BUCKETS,
  StatsOverview,
  type StatsReader,
} from '../../stats/index.js';
import type { Principal } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Options for the stats plugin. */
export interface StatsRoutesOptions {
  readonly stats: StatsReader;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
}

const TenantParam = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[A-Za-z0-9._@-]+$',
  description: 'admin keys: one tenant only (tenant keys always see their own)',
});
const UntilParam = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'end of the window (exclusive), RFC 3339; default now',
});

const OverviewQuerystring = Type.Object(
  {
    window: Type.Optional(
      Type.String({
        maxLength: 8,
        description: 'duration ending at `until`: 5m to 92d, e.g. 1h, 24h, 7d (default 24h)',
      }),
    ),
    bucket: Type.Optional(
      Type.Enum([...STATS_BUCKETS], {
        description:
          'bucket width; default minute up to 6h, hour up to 7d, day beyond (at most 1,500 buckets)',
      }),
    ),
    until: Type.Optional(UntilParam),
    tenant: Type.Optional(TenantParam),
    tenant_series: Type.Optional(
      Type.Enum(['true', 'false'], {
        description: 'include a per-bucket series per tenant (series.by_tenant); default false',
      }),
    ),
  },
  { additionalProperties: false },
);

const DecisionsQuerystring = Type.Object(
  {
    limit: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: '1 to 200 (default 50)' }),
    ),
    until: Type.Optional(UntilParam),
    tenant: Type.Optional(TenantParam),
  },
  { additionalProperties: false },
);

/** The tenant a request may read: its own (tenant key), the one named or every one (admin). */
function scope(principal: Principal | undefined, requested: string | undefined): string | null {
  if (principal === undefined) {
    throw new RouterError('UNAUTHORIZED', 'an API key is required (Authorization: Bearer <key>)');
  }
  if (principal.role === 'admin') return requested ?? null;
  if (requested !== undefined && requested !== principal.tenant) {
    throw new RouterError('FORBIDDEN', "this API key cannot read another tenant's stats", {
      details: { field: 'tenant' },
    });
  }
  return principal.tenant;
}

function untilMs(until: string | undefined): number | undefined {
  if (until === undefined) return undefined;
  const ms = Date.parse(until);
  if (!Number.isFinite(ms)) {
    throw new RouterError('INPUT_INVALID', 'until must be an RFC 3339 date-time', {
      details: { field: 'until', reason: 'malformed' },
    });
  }
  return ms;
}

/**
 * `GET /v1/stats/overview` (traffic, quality, errors, latency, cost, savings, exploration per
 * bucket, model and tenant; circuit transitions; spend against budgets) and
 * `GET /v1/stats/decisions` (the newest decisions with ranking and exclusions). A tenant key sees
 * its own tenant; an admin key every tenant (or `?tenant=`).
 */
export const statsRoutes: FastifyPluginAsyncTypebox<StatsRoutesOptions> = (app, options) => {
  app.get(
    '/v1/stats/overview',
    {
      schema: {
        summary: 'Traffic, quality, errors, latency, cost and savings over a window',
        security: [{ apiKey: [] }],
        querystring: OverviewQuerystring,
        response: { 200: StatsOverview, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const tenant = scope(options.principal(request.headers), request.query.tenant);
      const until = untilMs(request.query.until);
      // The answer is built to the schema by stats/overview.ts; tens of thousands of series
      // values serialise in a few ms with JSON.stringify and in tens with the schema's serialiser.
      void reply.serializer(JSON.stringify);
      return options.stats.overview(
        {
          ...(request.query.window === undefined ? {} : { window: request.query.window }),
          ...(request.query.bucket === undefined ? {} : { bucket: request.query.bucket }),
          ...(until === undefined ? {} : { untilMs: until }),
          tenantSeries: request.query.tenant_series === 'true',
        },
        tenant,
      );
    },
  );
  app.get(
    '/v1/stats/decisions',
    {
      schema: {
        summary: 'The newest decisions with their ranking and exclusion reasons',
        security: [{ apiKey: [] }],
        querystring: DecisionsQuerystring,
        response: { 200: RecentDecisions, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const tenant = scope(options.principal(request.headers), request.query.tenant);
      const until = untilMs(request.query.until);
      return options.stats.recentDecisions(
        {
          ...(request.query.limit === undefined ? {} : { limit: Number(request.query.limit) }),
          ...(until === undefined ? {} : { untilMs: until }),
        },
        tenant,
      );
    },
  );
  return Promise.resolve();
};
