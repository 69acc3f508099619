import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { RouterError, systemClock, type Clock } from '../../core/index.js';
import type { UsageQuery, UsageRow } from '../../store/index.js';
import type { Principal } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Where usage comes from (the store's usage repo). */
export interface UsageSource {
  usage(query: UsageQuery): Promise<UsageRow[]>;
}

/** Options for the usage plugin. */
export interface UsageOptions {
  readonly usage: UsageSource;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  readonly clock?: Clock;
}

const DAY_MS = 86_400_000;

const Totals = {
  decisions: Type.Integer({ description: 'routing decisions made (proxy requests included)' }),
  outcomes: Type.Integer({ description: 'outcomes recorded (feedback and proxy attempts)' }),
  spend_usd: Type.Number({
    description: 'sum of recorded cost_usd: reported by feedback, or computed by the proxy',
  }),
};

const TenantUsage = Type.Object({
  tenant: Type.String(),
  ...Totals,
  by_model: Type.Array(Type.Object({ model: Type.String(), ...Totals })),
  by_day: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), ...Totals })),
});

const UsageResponse = Type.Object({
  object: Type.Literal('usage'),
  /** First UTC day included. */
  since: Type.String({ format: 'date' }),
  /** Last UTC day included (today). */
  until: Type.String({ format: 'date' }),
  tenants: Type.Array(TenantUsage),
});

const UsageQuerystring = Type.Object(
  {
    // Query strings are text and the app never coerces types: digits, checked below.
    days: Type.Optional(
      Type.String({
        pattern: '^[1-9][0-9]{0,2}$',
        description: 'UTC days back, today included: 1 to 366 (default 31)',
      }),
    ),
    tenant: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[A-Za-z0-9._-]+$',
        description: 'admin keys: one tenant only (tenant keys always see their own)',
      }),
    ),
  },
  { additionalProperties: false },
);

type Totals = { decisions: number; outcomes: number; spend_usd: number };

function add(into: Totals, row: UsageRow): void {
  into.decisions += row.decisions;
  into.outcomes += row.outcomes;
  into.spend_usd += row.spendUsd;
}

function zero(): Totals {
  return { decisions: 0, outcomes: 0, spend_usd: 0 };
}

/** Group usage rows (sorted by tenant, model, day) into the response's per-tenant summaries. */
export function summariseUsage(rows: readonly UsageRow[]): Static<typeof TenantUsage>[] {
  const tenants = new Map<
    string,
    { totals: Totals; byModel: Map<string, Totals>; byDay: Map<string, Totals> }
  >();
  for (const row of rows) {
    let entry = tenants.get(row.tenant);
    if (entry === undefined) {
      entry = { totals: zero(), byModel: new Map(), byDay: new Map() };
      tenants.set(row.tenant, entry);
    }
    add(entry.totals, row);
    const model = entry.byModel.get(row.model) ?? zero();
    add(model, row);
    entry.byModel.set(row.model, model);
    const day = entry.byDay.get(row.day) ?? zero();
    add(day, row);
    entry.byDay.set(row.day, day);
  }
  return [...tenants].map(([tenant, entry]) => ({
    tenant,
    ...entry.totals,
    by_model: [...entry.byModel].map(([model, totals]) => ({ model, ...totals })),
    by_day: [...entry.byDay]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, totals]) => ({ day, ...totals })),
  }));
}

/**
 * `GET /v1/usage`: spend, decisions and outcomes per tenant, with breakdowns by model and by UTC day.
 * A tenant key sees its own tenant; an admin key every tenant (or `?tenant=`).
 */
export const usageRoutes: FastifyPluginAsyncTypebox<UsageOptions> = (app, options) => {
  const clock = options.clock ?? systemClock;
  app.get(
    '/v1/usage',
    {
      schema: {
        summary: 'Spend, decisions and outcomes per tenant, by model and by day',
        security: [{ apiKey: [] }],
        querystring: UsageQuerystring,
        response: { 200: UsageResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const principal = options.principal(request.headers);
      if (principal === undefined) {
        throw new RouterError(
          'UNAUTHORIZED',
          'an API key is required (Authorization: Bearer <key>)',
        );
      }
      if (
        principal.role !== 'admin' &&
        request.query.tenant !== undefined &&
        request.query.tenant !== principal.tenant
      ) {
        throw new RouterError('FORBIDDEN', "this API key cannot read another tenant's usage", {
          details: { field: 'tenant' },
        });
      }
      const days = request.query.days === undefined ? 31 : Number(request.query.days);
      if (days > 366) {
        throw new RouterError('INPUT_INVALID', 'days must be at most 366', {
          details: { field: 'days' },
        });
      }
      const tenant = principal.role === 'admin' ? request.query.tenant : principal.tenant;
      const now = clock.now();
      const today = now - (now % DAY_MS);
      const sinceMs = today - (days - 1) * DAY_MS;
      const rows = await options.usage.usage({
        sinceMs,
        untilMs: today + DAY_MS,
        ...(tenant === undefined ? {} : { tenant }),
      });
      return {
        object: 'usage' as const,
        since: new Date(sinceMs).toISOString().slice(0, 10),
        until: new Date(today).toISOString().slice(0, 10),
        tenants: summariseUsage(rows),
      };
    },
  );
  return Promise.resolve();
};
