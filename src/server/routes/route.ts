import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger } from 'fastify';
import Type, { type Static } from 'typebox';
import { RouterError } from '../../core/index.js';
import type { RouteRequest } from '../../router/index.js';
import type { RoutedDecision, RoutingService } from '../../service/index.js';
import type { Principal } from '../auth.js';
import type { ServiceMetrics } from '../metrics-registry.js';
import { ERROR_RESPONSES } from '../schemas.js';
import { admitRouting } from '../access.js';

const Text = Type.String({ maxLength: 100_000 });

/**
 * Smallest `willingness_to_pay` a request may give, USD per unit quality: 100x below the 0-10
 * slider's floor (1e-4), where cost already decides alone. Below it `cost / willingness_to_pay`
 * leaves the doubles (5e-324 gives Infinity and NaN scores).
 */
export const MIN_REQUEST_WILLINGNESS_TO_PAY = 1e-6;

/**
 * The tenant every anonymous request is routed, stored and budgeted as. No API key can hold it
 * (key tenants match `^[A-Za-z0-9._-]+$`), so no key can post feedback on anonymous decisions or
 * share their sessions; a tenants file cannot name it either, so anonymous requests get `*`.
 */
export const ANONYMOUS_TENANT = '@anonymous';

/** The schema of `willingness_to_pay` (route and proxy bodies). */
export const WillingnessToPay = Type.Number({
  minimum: MIN_REQUEST_WILLINGNESS_TO_PAY,
  maximum: 1e6,
});
const ContentPart = Type.Object(
  { type: Type.String({ maxLength: 32 }), text: Type.Optional(Text) },
  { additionalProperties: false },
);
const Message = Type.Object(
  {
    role: Type.Enum(['system', 'user', 'assistant', 'tool']),
    content: Type.Union([Text, Type.Array(ContentPart, { maxItems: 64 })]),
    name: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

/** `POST /v1/route` body. Exactly one of `prompt` or `messages`. */
export const RouteBody = Type.Object(
  {
    prompt: Type.Optional(Text),
    messages: Type.Optional(
      Type.Array(Message, {
        minItems: 1,
        maxItems: 256,
        description:
          'a chat, as OpenAI messages: the router embeds the latest user turn (one under 100 characters with the end of the turns before it); system messages are not embedded, but count toward input tokens and cost; a turn over 300 characters that pastes material around a short request is embedded as that request',
      }),
    ),
    candidates: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }),
    ),
    exclude: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }),
    ),
    tradeoff: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
    willingness_to_pay: Type.Optional(WillingnessToPay),
    max_cost_usd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6 })),
    max_tokens: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10_000_000,
        description:
          'most output tokens the answer may have (as OpenAI max_tokens): predicted output, hidden reasoning included, and the cost estimates are capped at it',
      }),
    ),
    quality_floor: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          "only candidates predicted to reach this share of the best candidate's predicted quality are chosen (the trade-off knob decides among them; the others are fallbacks only). Default 0.9; 0 turns the floor off",
      }),
    ),
    max_latency_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    capabilities: Type.Optional(
      Type.Array(Type.Enum(['tools', 'vision', 'json']), { maxItems: 3, uniqueItems: true }),
    ),
    tenant: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }),
    ),
    session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    debug: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const RankedArmBody = Type.Object({
  model: Type.String(),
  predicted_quality: Type.Number(),
  estimated_cost_usd: Type.Number(),
  // A type list, not anyOf: fast-json-stringify serialises it with plain type checks, where an
  // anyOf compiles an ajv validator on the first response (about 40 ms on the first route).
  estimated_latency_ms: Type.Unsafe<number | null>({ type: ['number', 'null'] }),
  input_tokens: Type.Integer(),
  output_tokens: Type.Integer(),
  score: Type.Number(),
  source: Type.Enum(['predictor', 'prior'], {
    description: 'predictor: learned from outcome data; prior: from public scores and tier only',
  }),
  quality_uncertainty: Type.Optional(
    Type.Number({ description: 'debug: sd of predicted_quality' }),
  ),
  reasoning_tokens: Type.Optional(
    Type.Integer({
      description: 'debug: hidden reasoning tokens included in output_tokens (catalog `reasoning`)',
    }),
  ),
});

/** `POST /v1/route` response. */
export const RouteResponse = Type.Object({
  // A type list, not anyOf (see estimated_latency_ms).
  decision_id: Type.Unsafe<string | null>({
    type: ['string', 'null'],
    description:
      'id to send feedback for; null when the decision was not recorded (recorded: false)',
  }),
  recorded: Type.Boolean({
    description:
      'false while the database is unavailable: the decision was made from memory and not stored, so ' +
      'it has no decision_id and no feedback can refer to it (header x-arbiter-decision-recorded)',
  }),
  model: Type.String(),
  candidates: Type.Array(RankedArmBody),
  excluded: Type.Array(
    Type.Object({ model: Type.String(), reason: Type.String(), message: Type.String() }),
  ),
  policy: Type.String(),
  propensity: Type.Number(),
  explored: Type.Boolean(),
  willingness_to_pay: Type.Number(),
  predictor_version: Type.String(),
  overhead_ms: Type.Number(),
  pii_detected: Type.Array(Type.String()),
  budget_pacing: Type.Number(),
  session_pinned: Type.Boolean(),
  debug: Type.Optional(Type.Object({ routed_text: Type.String(), embedder: Type.String() })),
});

/** Options for the route plugin. */
export interface RouteRoutesOptions {
  readonly service: () => RoutingService | undefined;
  readonly metrics: ServiceMetrics;
  /** The caller's principal, or undefined when anonymous. */
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  readonly allowAnonymous: boolean;
}

/**
 * The tenant a request acts as: a tenant key's own (naming another is FORBIDDEN), the one an admin
 * key names (else its own), and {@link ANONYMOUS_TENANT} without a key (naming one is INPUT_INVALID).
 */
export function requestTenant(
  requested: string | undefined,
  principal: Principal | undefined,
): string {
  if (principal === undefined && requested !== undefined) {
    throw new RouterError(
      'INPUT_INVALID',
      'tenant needs an API key: anonymous requests are routed as their own namespace',
      { details: { field: 'tenant', reason: 'anonymous' } },
    );
  }
  if (
    principal !== undefined &&
    principal.role !== 'admin' &&
    requested !== undefined &&
    requested !== principal.tenant
  ) {
    throw new RouterError('FORBIDDEN', 'this API key cannot route for another tenant', {
      details: { field: 'tenant' },
    });
  }
  if (principal === undefined) return ANONYMOUS_TENANT;
  return principal.role === 'admin' ? (requested ?? principal.tenant) : principal.tenant;
}

/** Map the HTTP body onto the router's request, enforcing tenant rules ({@link requestTenant}). */
export function toRouteRequest(
  body: Static<typeof RouteBody>,
  principal: Principal | undefined,
): RouteRequest {
  if ((body.prompt === undefined) === (body.messages === undefined)) {
    throw new RouterError('INPUT_INVALID', 'give exactly one of prompt or messages', {
      details: { field: body.prompt === undefined ? 'prompt' : 'messages' },
    });
  }
  const tenant = requestTenant(body.tenant, principal);
  return {
    ...(body.prompt === undefined ? {} : { prompt: body.prompt }),
    ...(body.messages === undefined ? {} : { messages: body.messages }),
    ...(body.candidates === undefined ? {} : { candidates: body.candidates }),
    ...(body.exclude === undefined ? {} : { exclude: body.exclude }),
    ...(body.tradeoff === undefined ? {} : { tradeoff: body.tradeoff }),
    ...(body.willingness_to_pay === undefined ? {} : { willingnessToPay: body.willingness_to_pay }),
    ...(body.max_cost_usd === undefined ? {} : { maxCostUsd: body.max_cost_usd }),
    ...(body.max_tokens === undefined ? {} : { maxOutputTokens: body.max_tokens }),
    ...(body.quality_floor === undefined ? {} : { qualityFloor: body.quality_floor }),
    ...(body.max_latency_ms === undefined ? {} : { maxLatencyMs: body.max_latency_ms }),
    ...(body.capabilities === undefined ? {} : { capabilities: body.capabilities }),
    ...(body.session_id === undefined ? {} : { sessionId: body.session_id }),
    tenant,
  };
}

function toResponse(
  routed: RoutedDecision,
  overheadMs: number,
  debug: boolean,
): Static<typeof RouteResponse> {
  const { decision } = routed;
  return {
    decision_id: routed.recorded ? decision.decisionId : null,
    recorded: routed.recorded,
    model: decision.model,
    candidates: decision.ranked.map((arm) => ({
      model: arm.model,
      predicted_quality: arm.predictedQuality,
      estimated_cost_usd: arm.estimatedCostUsd,
      estimated_latency_ms: arm.latencyP95Ms,
      input_tokens: arm.inputTokens,
      output_tokens: arm.outputTokens,
      score: arm.score,
      source: arm.source,
      ...(debug
        ? { quality_uncertainty: arm.qualityUncertainty, reasoning_tokens: arm.reasoningTokens }
        : {}),
    })),
    excluded: [...decision.excluded],
    policy: decision.policy,
    propensity: decision.propensity,
    explored: decision.explored,
    willingness_to_pay: decision.willingnessToPay,
    predictor_version: decision.predictorVersion,
    overhead_ms: Math.round(overheadMs * 1000) / 1000,
    pii_detected: [...decision.pii],
    budget_pacing: decision.budgetPacing,
    session_pinned: decision.sessionPinned,
    ...(debug
      ? { debug: { routed_text: decision.routedText, embedder: decision.embedderId } }
      : {}),
  };
}

/**
 * Count an unrecorded decision; log a store outage once when it begins (with the store's error) and
 * once when a decision is recorded again, never once per request.
 */
/** Count an unrecorded decision and log an outage's start and end once each. */
export function reportOutage(
  routed: RoutedDecision,
  metrics: ServiceMetrics,
  log: FastifyBaseLogger,
): void {
  if (!routed.recorded) {
    metrics.unrecordedDecisions.inc();
    if (routed.outageBegan) {
      log.warn(
        { err: routed.error },
        'database unavailable: routing from memory, decisions answered unrecorded (no decision_id)',
      );
    }
  } else if (routed.outageEnded !== undefined) {
    log.warn(
      {
        unrecorded: routed.outageEnded.unrecorded,
        outageMs: routed.outageEnded.durationMs,
      },
      'database available again: decisions are recorded',
    );
  }
}

/** `POST /v1/route`: which model should answer this prompt. */
export const routeRoutes: FastifyPluginAsyncTypebox<RouteRoutesOptions> = (app, options) => {
  app.post(
    '/v1/route',
    {
      schema: {
        summary: 'Choose the model for a prompt',
        body: RouteBody,
        response: { 200: RouteResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const { principal, service } = admitRouting(options, request.headers);
      try {
        const routed = await service.routeOrUnrecorded(toRouteRequest(request.body, principal));
        const { decision } = routed;
        const overheadMs = performance.now() - started;
        options.metrics.decisions.inc({ model: decision.model });
        if (decision.explored) options.metrics.explored.inc();
        options.metrics.overhead.observe(overheadMs);
        reportOutage(routed, options.metrics, request.log);
        if (routed.recorded) void reply.header('x-arbiter-decision-id', decision.decisionId);
        void reply
          .header('x-arbiter-decision-recorded', String(routed.recorded))
          .header('x-arbiter-model', decision.model)
          .header('x-arbiter-overhead-ms', overheadMs.toFixed(3));
        return toResponse(routed, overheadMs, request.body.debug === true);
      } catch (error: unknown) {
        options.metrics.routeErrors.inc({
          code: error instanceof RouterError ? error.code : 'INTERNAL',
        });
        throw error;
      }
    },
  );
  return Promise.resolve();
};
