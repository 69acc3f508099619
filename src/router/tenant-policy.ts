import Type, { type Static } from 'typebox';
import type { CatalogModel } from '../catalog/index.js';
import { matchesPattern, type Exclusion } from './candidates.js';
import type { PiiKind } from './pii.js';

/** What a tenant's requests may use and spend. Every field is optional: absent means no restriction. */
export const TenantPolicySchema = Type.Object(
  {
    /** Model ids or wildcards the tenant may use. */
    allowed_models: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }),
    ),
    /** Model ids or wildcards the tenant must never use (wins over allowed). */
    denied_models: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }),
    ),
    allowed_providers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
    ),
    denied_providers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 }),
    ),
    /** Regions the model must serve from (any overlap with the catalog's `tags.region`). */
    allowed_regions: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 50 }),
    ),
    /** `deny`: only models whose provider does not train on or collect request data. */
    data_collection: Type.Optional(Type.Enum(['allow', 'deny'])),
    /** Only providers with zero data retention. */
    zero_retention_only: Type.Optional(Type.Boolean()),
    /**
     * What to do when a prompt contains PII: `restrict` to models cleared for sensitive data
     * (default), `block` the request, or `allow` any model.
     */
    pii: Type.Optional(Type.Enum(['restrict', 'block', 'allow'])),
    budget: Type.Optional(
      Type.Object(
        {
          daily_usd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          monthly_usd: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          /** Refuse requests once a budget is spent (otherwise only pace). @default false */
          hard_stop: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Utility a better model must add before a pinned session switches to it. @default 0.05 */
    session_switch_penalty: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
  },
  { additionalProperties: false },
);

/** One tenant's policy. */
export type TenantPolicy = Static<typeof TenantPolicySchema>;

/** The tenants file: policies by tenant name, plus `*` as the default for unnamed tenants. */
export const TenantsFileSchema = Type.Object(
  {
    tenants: Type.Record(
      Type.String({ pattern: '^(\\*|[A-Za-z0-9._-]{1,128})$' }),
      TenantPolicySchema,
    ),
  },
  { additionalProperties: false },
);

/** The tenants file's shape. */
export type TenantsFile = Static<typeof TenantsFileSchema>;

/** The policy for a tenant (its own, else `*`, else none). */
export function policyFor(file: TenantsFile | undefined, tenant: string): TenantPolicy {
  return file?.tenants[tenant] ?? file?.tenants['*'] ?? {};
}

/**
 * Compliance filter: the reason `model` may not serve a request of this tenant carrying these PII
 * kinds, or undefined when it may. Request-level excludes are checked by the caller.
 */
export function complianceExclusion(
  model: CatalogModel,
  policy: TenantPolicy,
  pii: readonly PiiKind[],
): Exclusion | undefined {
  const deny = (reason: Exclusion['reason'], message: string): Exclusion => ({
    model: model.id,
    reason,
    message,
  });
  if (policy.denied_models?.some((pattern) => matchesPattern(pattern, model)) === true) {
    return deny('DENIED_BY_POLICY', 'denied by the tenant policy (denied_models)');
  }
  if (
    policy.allowed_models !== undefined &&
    !policy.allowed_models.some((pattern) => matchesPattern(pattern, model))
  ) {
    return deny('DENIED_BY_POLICY', 'not in the tenant policy (allowed_models)');
  }
  const provider = model.provider.toLowerCase();
  if (policy.denied_providers?.some((p) => p.toLowerCase() === provider) === true) {
    return deny('DENIED_BY_POLICY', `provider ${model.provider} is denied by the tenant policy`);
  }
  if (
    policy.allowed_providers !== undefined &&
    !policy.allowed_providers.some((p) => p.toLowerCase() === provider)
  ) {
    return deny(
      'DENIED_BY_POLICY',
      `provider ${model.provider} is not allowed by the tenant policy`,
    );
  }
  if (
    policy.allowed_regions !== undefined &&
    !model.tags.region.some((region) => policy.allowed_regions?.includes(region))
  ) {
    return deny(
      'REGION_NOT_ALLOWED',
      `serves from ${model.tags.region.join(', ')}; allowed: ${policy.allowed_regions.join(', ')}`,
    );
  }
  if (policy.data_collection === 'deny' && model.tags.data_collection !== 'deny') {
    return deny(
      'DATA_COLLECTION',
      'provider may collect request data (tenant requires data_collection: deny)',
    );
  }
  if (policy.zero_retention_only === true && !model.tags.zero_retention) {
    return deny(
      'NOT_ZERO_RETENTION',
      'provider retains request data (tenant requires zero retention)',
    );
  }
  if (pii.length > 0 && (policy.pii ?? 'restrict') === 'restrict' && !model.tags.sensitive_data) {
    return deny(
      'PII_NOT_CLEARED',
      `prompt contains ${pii.join(', ')}; model is not cleared for sensitive data`,
    );
  }
  return undefined;
}
