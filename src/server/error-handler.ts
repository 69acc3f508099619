import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
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
  ARTIFACT_REGRESSION: 409,
  ROLLBACK_UNAVAILABLE: 409,
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

/**
 * 5xx codes whose message and details go to the client: the proxy builds them from model ids,
 * statuses, error classes and times only (never upstream text), and the caller needs them to act.
 */
const PUBLIC_SERVER_ERRORS: ReadonlySet<RouterErrorCode> = new Set([
  'UPSTREAM_FAILED',
  'UPSTREAM_UNAVAILABLE',
]);

/** One Ajv error as Fastify hands it over (`error.validation`). */
interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

/** `/messages/0/content` -> `messages[0].content`. */
function fieldPath(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').filter((part) => part !== '');
  if (child !== undefined) parts.push(child);
  return parts
    .map((part) => part.replace(/~1/gu, '/').replace(/~0/gu, '~'))
    .reduce(
      (path, part) =>
        /^\d+$/u.test(part) ? `${path}[${part}]` : path === '' ? part : `${path}.${part}`,
      '',
    );
}

/** A validation failure as `{message, details}`, naming the field (an unknown one included). */
function describeValidation(error: FastifyError): {
  message: string;
  details: Record<string, unknown>;
} {
  const issue = error.validation?.[0] as ValidationIssue | undefined;
  const context = error.validationContext ?? 'body';
  if (issue === undefined) return { message: error.message, details: {} };
  if (issue.keyword === 'additionalProperties') {
    const unknown = issue.params['additionalProperty'];
    const field = fieldPath(issue.instancePath, typeof unknown === 'string' ? unknown : undefined);
    return {
      message: `${context} has an unknown field "${field}"`,
      details: { field, reason: 'unknown_field' },
    };
  }
  if (issue.keyword === 'required') {
    const missing = issue.params['missingProperty'];
    const field = fieldPath(issue.instancePath, typeof missing === 'string' ? missing : undefined);
    return { message: `${context} is missing "${field}"`, details: { field, reason: 'missing' } };
  }
  const field = fieldPath(issue.instancePath);
  return field === ''
    ? { message: error.message, details: {} }
    : { message: `${context}.${field} ${issue.message ?? 'is invalid'}`, details: { field } };
}

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
      const open = status < 500 || PUBLIC_SERVER_ERRORS.has(error.code);
      // The database is unreachable for now (PostgreSQL restarting): clients may retry shortly.
      // They are told so (and nothing else of the store's details: no URL, no SQLSTATE).
      const unavailable = !open && error.details?.['unavailable'] === true;
      const message = open
        ? error.message
        : unavailable
          ? 'the database is unavailable for now; retry after retry-after seconds'
          : 'the service could not complete the request';
      if (unavailable) void reply.header('retry-after', '1');
      const details = open ? error.details : unavailable ? { unavailable: true } : undefined;
      void reply.code(status).send({
        error: { code: error.code, message, ...(details === undefined ? {} : { details }) },
      });
      return;
    }
    const mapped = fastifyCode(error);
    if (mapped !== undefined && error.validation !== undefined) {
      const { message, details } = describeValidation(error);
      void reply.code(mapped.status).send({
        error: {
          code: mapped.code,
          message,
          ...(Object.keys(details).length === 0 ? {} : { details }),
        },
      });
      return;
    }
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

/** Socket-level client errors (Node answers them before any route runs), in our error shape. */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'REQUEST_TIMEOUT',
    message: 'the request did not arrive in time',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HEADERS_TOO_LARGE',
    message: 'the request line and headers exceed the allowed size',
  },
};

/**
 * Fastify's `clientErrorHandler`: a request Node refused before routing (headers too large,
 * headers or body not received in time, malformed HTTP) still gets `{ error: { code, message } }`,
 * then the connection is closed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = error.code === undefined ? undefined : CLIENT_ERRORS[error.code];
  const { status, code, message } = known ?? {
    status: 400,
    code: 'INPUT_INVALID',
    message: 'malformed HTTP request',
  };
  const body = JSON.stringify({ error: { code, message } });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // Answer, half-close, and drain what the client is still sending: closing with unread bytes in
  // the receive buffer makes the kernel send a reset, which can reach the client before the answer
  // (Node 24 stops reading earlier than Node 20). A bounded drain, then the socket is destroyed.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.on('data', () => undefined);
  socket.resume();
  setTimeout(() => socket.destroy(), CLIENT_ERROR_DRAIN_MS).unref();
}

/** How long a refused client's remaining bytes are drained before its socket is destroyed. */
const CLIENT_ERROR_DRAIN_MS = 2_000;
