import { readFileSync } from 'node:fs';
import type { SwaggerOptions } from '@fastify/swagger';
import { HTTP_STATUS } from './error-handler.js';
import type { RouterErrorCode } from '../core/index.js';

/** The package version, shown as the API version in /docs and /openapi.json. */
export const API_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** What /docs shows for one operation beyond its schemas. */
interface OperationDoc {
  /** Error codes this operation can answer (each listed under its HTTP status). */
  readonly errors: readonly (RouterErrorCode | 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE')[];
  /** An example request body. */
  readonly request?: unknown;
  /** An example 2xx answer. */
  readonly response?: unknown;
  /** Replaces the 200 response (content types the schema cannot say, e.g. SSE). */
  readonly ok?: Record<string, unknown>;
}

const DECISION_ID = '0f5c2a7e-9a55-4c43-8d51-2f1f0f0c3b6a';

/** Errors every `/v1` request can meet. */
const COMMON = ['RATE_LIMITED', 'INTERNAL'] as const;
const BODY = ['INPUT_INVALID', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'] as const;

/** Per-operation docs, keyed `METHOD url` as Fastify registers it. */
export const OPERATION_DOCS: Readonly<Record<string, OperationDoc>> = {
  'POST /v1/route': {
    errors: [
      ...BODY,
      'MODEL_UNKNOWN',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'BUDGET_EXCEEDED',
      'NO_ELIGIBLE_ARM',
      'PII_BLOCKED',
      'EMBEDDER_UNAVAILABLE',
      // A store failure other than "unavailable" (which answers 200 with recorded: false).
      'STORE_FAILED',
      ...COMMON,
    ],
    request: {
      prompt: 'Prove that there are infinitely many primes.',
      candidates: ['openai/*', 'anthropic/*'],
      tradeoff: 5,
    },
    response: {
      decision_id: DECISION_ID,
      recorded: true,
      model: 'anthropic/claude-v2',
      candidates: [
        {
          model: 'anthropic/claude-v2',
          predicted_quality: 0.86,
          estimated_cost_usd: 0.0041,
          estimated_latency_ms: null,
          input_tokens: 12,
          output_tokens: 160,
          score: 0.82,
        },
      ],
      excluded: [],
      propensity: 1,
      overhead_ms: 4.2,
    },
  },
  'POST /v1/feedback': {
    errors: [
      ...BODY,
      'UNAUTHORIZED',
      'FORBIDDEN',
      'DECISION_UNKNOWN',
      'FEEDBACK_DUPLICATE',
      'STORE_FAILED',
      ...COMMON,
    ],
    request: { decision_id: DECISION_ID, quality: 0.9, latency_ms: 1800, cost_usd: 0.0031 },
    response: { status: 'recorded', decision_id: DECISION_ID },
  },
  'GET /v1/models': {
    errors: [...COMMON],
    response: {
      object: 'list',
      data: [
        {
          id: 'openai/gpt-4-1106-preview',
          provider: 'openai',
          pricing: { input_per_million: 10, output_per_million: 30 },
          stats: { window_ms: 86_400_000, decisions: 50, outcomes: 1, traffic_share: 0.4 },
        },
      ],
    },
  },
  'GET /v1/usage': {
    errors: ['INPUT_INVALID', 'UNAUTHORIZED', 'FORBIDDEN', 'STORE_FAILED', ...COMMON],
    response: {
      object: 'usage',
      since: '2026-11-01',
      until: '2026-12-01',
      tenants: [
        {
          tenant: 'acme',
          decisions: 50,
          outcomes: 12,
          spend_usd: 0.41,
          by_model: [{ model: 'openai/gpt-4o', decisions: 50, outcomes: 12, spend_usd: 0.41 }],
          by_day: [{ day: '2026-12-01', decisions: 50, outcomes: 12, spend_usd: 0.41 }],
        },
      ],
    },
  },
  'GET /v1/stats/overview': {
    errors: ['INPUT_INVALID', 'UNAUTHORIZED', 'FORBIDDEN', 'STORE_FAILED', ...COMMON],
  },
  'GET /v1/stats/decisions': {
    errors: ['INPUT_INVALID', 'UNAUTHORIZED', 'FORBIDDEN', 'STORE_FAILED', ...COMMON],
  },
  'POST /v1/chat/completions': {
    errors: [
      ...BODY,
      'MODEL_UNKNOWN',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'BUDGET_EXCEEDED',
      'NO_ELIGIBLE_ARM',
      'PII_BLOCKED',
      'UPSTREAM_FAILED',
      'UPSTREAM_UNAVAILABLE',
      'EMBEDDER_UNAVAILABLE',
      ...COMMON,
    ],
    request: {
      model: 'auto',
      messages: [{ role: 'user', content: 'Hi' }],
      arbiter: { tradeoff: 3 },
    },
    ok: {
      description:
        "The upstream's answer as it came (JSON, or SSE with `stream: true`), with headers " +
        'x-arbiter-decision-id, x-arbiter-model and x-arbiter-attempts. An upstream 4xx other than ' +
        '401/403/407/408/409/429 is passed back as it is.',
      content: {
        'application/json': {
          schema: { type: 'object', description: 'OpenAI chat.completion object' },
          example: {
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model: 'gpt-4o-mini',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: 'Hello!' },
                finish_reason: 'stop',
              },
            ],
            usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 },
          },
        },
        'text/event-stream': {
          schema: { type: 'string', description: 'OpenAI chat.completion.chunk events' },
        },
      },
    },
  },
  'PUT /v1/admin/models/{provider}/{name}': {
    errors: [...BODY, 'UNAUTHORIZED', 'FORBIDDEN', 'STORE_FAILED', ...COMMON],
    request: {
      pricing: { input_per_million: 0.15, output_per_million: 0.6 },
      context_window: 128000,
      capabilities: { tools: true, vision: true, json: true },
      tags: {
        region: ['us'],
        data_collection: 'deny',
        zero_retention: false,
        sensitive_data: false,
        tier: 'small',
        family: 'gpt-4o',
      },
      tokenizer: 'o200k_base',
    },
  },
  'POST /v1/admin/models/{provider}/{name}/disable': {
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'MODEL_UNKNOWN', 'STORE_FAILED', ...COMMON],
  },
  'POST /v1/admin/models/{provider}/{name}/enable': {
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'MODEL_UNKNOWN', 'STORE_FAILED', ...COMMON],
  },
  'GET /v1/admin/artifact': {
    errors: ['UNAUTHORIZED', 'FORBIDDEN', 'EMBEDDER_UNAVAILABLE', 'STORE_FAILED', ...COMMON],
  },
  'POST /v1/admin/artifact/promote': {
    errors: [
      ...BODY,
      'UNAUTHORIZED',
      'FORBIDDEN',
      'ARTIFACT_REGRESSION',
      'EMBEDDER_UNAVAILABLE',
      'STORE_FAILED',
      ...COMMON,
    ],
    request: { dir: '/srv/arbiter/models/mine', force: false },
  },
  'POST /v1/admin/artifact/rollback': {
    errors: [
      'UNAUTHORIZED',
      'FORBIDDEN',
      'ROLLBACK_UNAVAILABLE',
      'EMBEDDER_UNAVAILABLE',
      'STORE_FAILED',
      ...COMMON,
    ],
  },
  'POST /v1/admin/snapshot': {
    errors: [...BODY, 'UNAUTHORIZED', 'FORBIDDEN', 'STORE_FAILED', ...COMMON],
    request: { format: 'duckdb' },
    response: {
      path: '/srv/arbiter/data/snapshots/arbiter-2026-12-01T12-00-00-000Z-1.duckdb',
      format: 'duckdb',
    },
  },
  'GET /healthz': { errors: [], response: { status: 'ok' } },
  'GET /readyz': { errors: ['NOT_READY' as RouterErrorCode], response: { status: 'ready' } },
};

const EXTRA_STATUS: Readonly<Record<string, number>> = {
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_READY: 503,
};

function statusOf(code: string): number {
  return HTTP_STATUS[code as RouterErrorCode] ?? EXTRA_STATUS[code] ?? 500;
}

/** `/v1/admin/models/:provider/:name` → `/v1/admin/models/{provider}/{name}` (OpenAPI form). */
function openapiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/gu, '{$1}');
}

type Schema = Record<string, unknown>;

/**
 * The documented form of one route's schema: only the error statuses it can answer, each described
 * with its codes; an example request and answer; a 200 for routes whose answer has no JSON schema.
 * Only the docs change: validation and serialisation keep the route's own schema.
 */
export function documentRoute(
  method: string,
  url: string,
  schema: Schema | undefined,
): Schema | undefined {
  const doc = OPERATION_DOCS[`${method} ${openapiPath(url)}`];
  if (schema === undefined || doc === undefined) return schema;
  const byStatus = new Map<number, string[]>();
  for (const code of doc.errors) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const original = (schema.response ?? {}) as Record<string, Schema>;
  const errorBody = Object.entries(original).find(([status]) => Number(status) >= 400)?.[1];
  const response: Record<string, Schema> = {};
  for (const [status, body] of Object.entries(original)) {
    if (Number(status) >= 400) continue;
    response[status] =
      doc.response === undefined || status !== Object.keys(original)[0]
        ? body
        : { ...body, examples: [doc.response] };
  }
  if (doc.ok !== undefined) response['200'] = doc.ok;
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    response[String(status)] = {
      ...(errorBody ?? { type: 'object' }),
      description: codes.map((code) => `\`${code}\``).join(', '),
    };
  }
  return {
    ...schema,
    ...(doc.request === undefined || schema.body === undefined
      ? {}
      : { body: { ...(schema.body as Schema), examples: [doc.request] } }),
    response,
  };
}

/** @fastify/swagger options: title, version, security scheme, and the per-route docs above. */
export function openapiOptions(): SwaggerOptions {
  return {
    openapi: {
      info: {
        title: 'Arbiter LLM routing API',
        version: API_VERSION,
        description:
          'Ask which model should answer a prompt (POST /v1/route), then report how it went ' +
          '(POST /v1/feedback), or let Arbiter forward the call (POST /v1/chat/completions). ' +
          'Every error is `{"error":{"code","message","details?"}}`; each operation lists the codes ' +
          'it can answer under their HTTP status. Keys: `arbiter keys add --tenant NAME`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const documented = documentRoute(String(methods[0]), url, schema as Schema | undefined);
      return { schema: documented as typeof schema, url };
    },
  };
}
