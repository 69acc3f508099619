import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ErrorBody } from '../schemas.js';

/** Options for the health plugin. */
export interface HealthOptions {
  /** Whether the embedder and predictors are loaded. */
  readonly isReady: () => boolean;
}

const Status = Type.Object({ status: Type.String() });

/** `GET /healthz` (process is up) and `GET /readyz` (models loaded, can route). */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthOptions> = (app, options) => {
  app.get('/healthz', { schema: { response: { 200: Status } } }, () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { response: { 200: Status, 503: ErrorBody } } },
    (_request, reply) => {
      if (options.isReady()) return { status: 'ready' };
      void reply.code(503);
      return { error: { code: 'NOT_READY', message: 'models are still loading' } };
    },
  );
  return Promise.resolve();
};
