import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Catalog } from '../../catalog/index.js';
import { RouterError, isRouterError, type Clock } from '../../core/index.js';
import {
  CooldownTracker,
  fallbackOrder,
  forward,
  proxyCandidates,
  scrubberFor,
  type AttemptFailure,
  type AttemptOutcome,
  type PendingWork,
  type UpstreamConfig,
} from '../../proxy/index.js';
import type { RouteDecision } from '../../router/index.js';
import { proxyIdempotencyKey, type RoutingService } from '../../service/index.js';
import type { Principal } from '../auth.js';
import type { ServiceMetrics } from '../metrics-registry.js';
import { ERROR_RESPONSES, ErrorBody } from '../schemas.js';
import {
  ChatCompletionsBody,
  forwardedBody,
  modelPatterns,
  toChatRouteRequest,
} from './chat-completions-body.js';
import { admitRouting } from '../access.js';
import { reportOutage, requestTenant } from './route.js';

/** Options for the chat-completions plugin. */
export interface ChatCompletionsOptions {
  readonly service: () => RoutingService | undefined;
  readonly catalog: () => Catalog;
  readonly upstreams: UpstreamConfig;
  readonly metrics: ServiceMetrics;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  readonly allowAnonymous: boolean;
  /** Outcome recording runs here, after the answer has gone out; drained on close. */
  readonly pending: PendingWork;
  /** Wall time (cooldowns, HTTP-date retry-after). */
  readonly clock: Clock;
}

function recordOutcome(
  service: RoutingService,
  decision: RouteDecision,
  outcome: AttemptOutcome,
): Promise<unknown> {
  return service.feedback({
    decisionId: decision.decisionId,
    tenant: decision.tenant,
    idempotencyKey: proxyIdempotencyKey(decision.decisionId, outcome.attempt),
    // Proxy mode cannot judge the answer; the caller may post /v1/feedback with a quality later.
    quality: null,
    model: outcome.model,
    ...(outcome.latencyMs === undefined
      ? {}
      : { latencyMs: Math.round(outcome.latencyMs * 1000) / 1000 }),
    ...(outcome.inputTokens === undefined ? {} : { inputTokens: outcome.inputTokens }),
    ...(outcome.outputTokens === undefined ? {} : { outputTokens: outcome.outputTokens }),
    ...(outcome.costUsd === undefined ? {} : { costUsd: outcome.costUsd }),
    ...(outcome.errorClass === null ? {} : { errorClass: outcome.errorClass }),
  });
}

/**
 * `POST /v1/chat/completions`: route, forward to the chosen model's upstream, fail over down the
 * ranking, record each attempt's outcome, and pass the upstream's answer (JSON or SSE) through with
 * `x-arbiter-decision-id`, `x-arbiter-model` and `x-arbiter-attempts`.
 */
export const chatCompletionsRoutes: FastifyPluginAsyncTypebox<ChatCompletionsOptions> = (
  app,
  options,
) => {
  const cooldown = new CooldownTracker({
    clock: options.clock,
    maxMs: options.upstreams.settings.maxCooldownMs,
  });
  const scrub = scrubberFor(options.upstreams);
  app.post(
    '/v1/chat/completions',
    {
      schema: {
        summary: 'OpenAI-compatible chat completion, routed and forwarded (proxy mode)',
        body: ChatCompletionsBody,
        response: { ...ERROR_RESPONSES, 502: ErrorBody },
      },
    },
    async (request, reply) => {
      const startedMs = performance.now();
      const { principal, service } = admitRouting(options, request.headers);
      const body = request.body;
      const catalog = options.catalog();
      let decision: RouteDecision;
      let recorded = true;
      try {
        // Who the caller may act as is settled before anything about upstreams.
        requestTenant(body.arbiter?.tenant, principal);
        const allowed = withRetryAfter(reply, () =>
          proxyCandidates({
            catalog,
            config: options.upstreams,
            cooldown,
            patterns: modelPatterns(body),
          }),
        );
        const routeRequest = toChatRouteRequest(body, principal, allowed.ids);
        try {
          // While the store is unavailable the request is still routed (from memory) and
          // forwarded; its decision and outcomes are not recorded (as /v1/route, issue 16).
          const routed = await service.routeOrUnrecorded(routeRequest);
          decision = routed.decision;
          recorded = routed.recorded;
          reportOutage(routed, options.metrics, request.log);
        } catch (error: unknown) {
          if (!isRouterError(error, 'NO_ELIGIBLE_ARM')) throw error;
          const routerExcluded = error.details?.['excluded'];
          throw new RouterError(error.code, error.message, {
            cause: error,
            details: {
              excluded: [
                ...(Array.isArray(routerExcluded) ? (routerExcluded as unknown[]) : []),
                ...allowed.excluded,
              ],
            },
          });
        }
      } catch (error: unknown) {
        options.metrics.routeErrors.inc({
          code: error instanceof RouterError ? error.code : 'INTERNAL',
        });
        throw error;
      }
      options.metrics.decisions.inc({ model: decision.model });
      if (decision.explored) options.metrics.explored.inc();
      options.metrics.overhead.observe(performance.now() - startedMs);

      // Client gone before the answer: stop waiting on the upstream.
      const clientGone = new AbortController();
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) clientGone.abort();
      });
      const result = await forward({
        candidates: fallbackOrder({ decision, catalog, config: options.upstreams }),
        body: forwardedBody(body),
        settings: options.upstreams.settings,
        cooldown,
        signal: clientGone.signal,
        startedMs,
        clock: options.clock,
        record: (outcome) => {
          if (recorded) options.pending.run(() => recordOutcome(service, decision, outcome));
        },
        scrub,
        warn: (message) => request.log.warn(message),
      });
      if (recorded) void reply.header('x-arbiter-decision-id', decision.decisionId);
      void reply
        .header('x-arbiter-decision-recorded', String(recorded))
        .header('x-arbiter-attempts', String(result.attempts));
      // Upstream answers pass through whatever their status and shape: untyped by the schemas.
      const raw: FastifyReply = reply;
      switch (result.kind) {
        case 'json':
        case 'rejected':
          // A string body with its content type is sent as it came (no re-serialization).
          return raw
            .code(result.status)
            .header('x-arbiter-model', result.model)
            .type(result.contentType)
            .send(result.body);
        case 'stream':
          return raw
            .code(result.status)
            .header('x-arbiter-model', result.model)
            .header('content-type', result.contentType)
            .header('cache-control', 'no-cache')
            .header('x-accel-buffering', 'no')
            .send(Readable.from(result.events, { objectMode: false }));
        case 'aborted':
          throw new RouterError('UPSTREAM_FAILED', 'the client closed the request', {
            details: { decision_id: recorded ? decision.decisionId : null },
          });
        case 'failed': {
          if (result.retryAfterMs !== undefined) {
            void reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
          }
          const code =
            result.reason === 'cooling_down' ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_FAILED';
          options.metrics.routeErrors.inc({ code });
          // Built from models, statuses, classes and times only: nothing an upstream wrote.
          throw new RouterError(code, failureMessage(result.reason, result.failures), {
            details: {
              decision_id: recorded ? decision.decisionId : null,
              reason: result.reason,
              attempts: result.failures.map((failure) => ({
                model: failure.model,
                error_class: failure.errorClass,
                ...(failure.status === undefined ? {} : { status: failure.status }),
                ms: Math.round(failure.latencyMs),
              })),
            },
          });
        }
      }
    },
  );
  return Promise.resolve();
};

/** `no upstream answered (exhausted): openai/gpt-4o 500 server_error in 12 ms; ...`. */
function failureMessage(reason: string, failures: readonly AttemptFailure[]): string {
  const attempts = failures.map(
    (failure) =>
      `${failure.model} ${failure.status === undefined ? '' : `${failure.status} `}` +
      `${failure.errorClass} in ${Math.round(failure.latencyMs)} ms`,
  );
  return `no upstream answered (${reason})${attempts.length === 0 ? '' : `: ${attempts.join('; ')}`}`;
}

/** Run `fn`; an UPSTREAM_UNAVAILABLE that carries `retry_after_s` sets the `retry-after` header. */
function withRetryAfter<T>(
  reply: { header(name: string, value: string): unknown },
  fn: () => T,
): T {
  try {
    return fn();
  } catch (error: unknown) {
    const wait = isRouterError(error, 'UPSTREAM_UNAVAILABLE')
      ? error.details?.['retry_after_s']
      : undefined;
    if (typeof wait === 'number') reply.header('retry-after', String(wait));
    throw error;
  }
}
