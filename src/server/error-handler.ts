import type { FastifyError, FastifyInstance } from 'fastify';
import { RouterError, type RouterErrorCode } from '../core/index.js';

/** The one table from error codes to HTTP statuses (tRPC style). */
export const HTTP_STATUS: Readonly<Record<RouterErrorCode, number>> = {
  CONFIG_INVALID: 500,
  CATALOG_INVALID: 400,
  MODEL_UNKNOWN: 400,
  NO_ELIGIBLE_ARM: 422,
  EMBEDDING_FAILED: 503,
  EMBEDDER_UNAVAILABLE: 503,
  INPUT_INVALID: 400,
  STORE_FAILED: 503,
  STORE_LOCKED: 503,
  STORE_CORRUPT: 503,
  ARTIFACT_INVALID: 500,
  POLICY_STATE_INVALID: 500,
  DATA_INVALID: 400,
  DATA_MISSING: 404,
  DECISION_UNKNOWN: 404,
  FEEDBACK_DUPLICATE: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  PII_BLOCKED: 422,
  BUDGET_EXCEEDED: 402,
  UPSTREAM_FAILED: 502,
  UPSTREAM_UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** Fastify's own client-error codes mapped onto ours. */
function fastifyCode(error: FastifyError): { status: number; code: string } | undefined {
  if (error.validation !== undefined) return { status: 400, code: 'INPUT_INVALID' };
  const status = error.statusCode;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'BODY_TOO_LARGE' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
    default:
      return { status, code: status === 404 ? 'NOT_FOUND' : 'INPUT_INVALID' };
  }
}

/**
 * Every error leaves as `{ error: { code, message, details? } }`. Client errors keep their message;
 * 5xx are logged with the cause and answered with a generic message (never a stack).
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({
      error: {
        code: 'NOT_FOUND',
        message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
      },
    });
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof RouterError) {
      const status = HTTP_STATUS[error.code];
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      const message = status >= 500 ? 'the service could not complete the request' : error.message;
      void reply.code(status).send({
        error: {
          code: error.code,
          message,
          ...(status < 500 && error.details !== undefined ? { details: error.details } : {}),
        },
      });
      return;
    }
    const mapped = fastifyCode(error);
    if (mapped !== undefined) {
      void reply.code(mapped.status).send({ error: { code: mapped.code, message: error.message } });
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    void reply
      .code(500)
      .send({ error: { code: 'INTERNAL', message: 'the service could not complete the request' } });
  });
}
