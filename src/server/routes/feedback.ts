import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { RouterError } from '../../core/index.js';
import {
  clientIdempotencyKey,
  implicitIdempotencyKey,
  type RoutingService,
} from '../../service/index.js';
import type { Principal } from '../auth.js';
import type { ServiceMetrics } from '../metrics-registry.js';
import { ERROR_RESPONSES } from '../schemas.js';
import { readyService } from '../access.js';

/** Verdicts accepted instead of a numeric quality, and the quality each maps to. */
export const VERDICT_QUALITY = { good: 1, bad: 0, thumbs_up: 1, thumbs_down: 0 } as const;

/** `POST /v1/feedback` body. */
export const FeedbackBody = Type.Object(
  {
    decision_id: Type.String({ minLength: 1, maxLength: 128 }),
    quality: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    verdict: Type.Optional(
      Type.Enum(Object.keys(VERDICT_QUALITY) as (keyof typeof VERDICT_QUALITY)[]),
    ),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    latency_ms: Type.Optional(Type.Number({ minimum: 0, maximum: 3_600_000 })),
    input_tokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    output_tokens: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    cost_usd: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1_000_000,
        description:
          'What the call cost, USD. Absent: the catalog price of input_tokens + output_tokens when both are given.',
      }),
    ),
    retry_after_s: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })),
    error_class: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9_]+$' }),
    ),
  },
  { additionalProperties: false },
);

const FeedbackHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
});

/** `POST /v1/feedback` response. */
export const FeedbackResponse = Type.Object({
  /** `duplicate`: this idempotency key already recorded this same report (nothing changed). */
  status: Type.Enum(['recorded', 'duplicate']),
  decision_id: Type.String(),
  model: Type.String(),
});

/** Options for the feedback plugin. */
export interface FeedbackRoutesOptions {
  readonly service: () => RoutingService | undefined;
  readonly metrics: ServiceMetrics;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
}

/** `POST /v1/feedback`: report how a routed call went. Requires an API key. */
export const feedbackRoutes: FastifyPluginAsyncTypebox<FeedbackRoutesOptions> = (app, options) => {
  app.post(
    '/v1/feedback',
    {
      schema: {
        summary: 'Report the outcome of a routed call',
        body: FeedbackBody,
        headers: FeedbackHeaders,
        response: { 200: FeedbackResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const principal = options.principal(request.headers);
      if (principal === undefined) {
        throw new RouterError(
          'UNAUTHORIZED',
          'feedback requires an API key (Authorization: Bearer <key>)',
        );
      }
      const body = request.body;
      if (body.quality !== undefined && body.verdict !== undefined) {
        throw new RouterError('INPUT_INVALID', 'give quality or verdict, not both', {
          details: { field: 'verdict' },
        });
      }
      if (
        body.quality === undefined &&
        body.verdict === undefined &&
        body.error_class === undefined
      ) {
        throw new RouterError('INPUT_INVALID', 'give quality, verdict or error_class', {
          details: { field: 'quality' },
        });
      }
      const service = readyService(options.service);
      const quality =
        body.quality ?? (body.verdict === undefined ? null : VERDICT_QUALITY[body.verdict]);
      const result = await service.feedback({
        decisionId: body.decision_id,
        tenant: principal.tenant,
        // Client keys are scoped by tenant; a report without one gets a key in a namespace no client
        // key can reach (service/idempotency.ts).
        idempotencyKey:
          request.headers['idempotency-key'] === undefined
            ? implicitIdempotencyKey(principal.tenant, body.decision_id)
            : clientIdempotencyKey(principal.tenant, request.headers['idempotency-key']),
        quality,
        ...(body.model === undefined ? {} : { model: body.model }),
        ...(body.latency_ms === undefined ? {} : { latencyMs: body.latency_ms }),
        ...(body.input_tokens === undefined ? {} : { inputTokens: body.input_tokens }),
        ...(body.output_tokens === undefined ? {} : { outputTokens: body.output_tokens }),
        ...(body.cost_usd === undefined ? {} : { costUsd: body.cost_usd }),
        ...(body.error_class === undefined ? {} : { errorClass: body.error_class }),
        ...(body.retry_after_s === undefined ? {} : { retryAfterMs: body.retry_after_s * 1000 }),
      });
      options.metrics.feedback.inc({ status: result.status });
      return { status: result.status, decision_id: result.decisionId, model: result.model };
    },
  );
  return Promise.resolve();
};
