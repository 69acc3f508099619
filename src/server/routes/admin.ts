import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { RouterError } from '../../core/index.js';
import { CatalogModelSchema, type CatalogRegistry } from '../../catalog/index.js';
import type { Principal } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Options for the admin plugin. */
export interface AdminOptions {
  readonly registry: CatalogRegistry;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  /** Persist the registry's overrides (so they survive restarts). */
  readonly persist: () => Promise<void>;
}

const IdParams = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 100 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
});

/**
 * Admin endpoints (admin API key only): add or replace a model, disable or re-enable one. Changes are
 * validated as a whole catalog first and persisted in DuckDB.
 */
export const adminRoutes: FastifyPluginAsyncTypebox<AdminOptions> = (app, options) => {
  app.addHook('onRequest', (request, _reply, done) => {
    const principal = options.principal(request.headers);
    if (principal === undefined) {
      done(new RouterError('UNAUTHORIZED', 'an admin API key is required'));
    } else if (principal.role !== 'admin') {
      done(new RouterError('FORBIDDEN', 'this API key is not an admin key'));
    } else {
      done();
    }
  });

  app.put(
    '/v1/admin/models/:provider/:name',
    {
      schema: {
        summary: 'Add or replace a catalog model',
        params: IdParams,
        body: CatalogModelSchema,
        response: { 200: CatalogModelSchema, 201: CatalogModelSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const id = `${request.params.provider}/${request.params.name}`;
      if (request.body.id !== id) {
        throw new RouterError(
          'INPUT_INVALID',
          `body id ${request.body.id} does not match the path ${id}`,
          {
            details: { field: 'id' },
          },
        );
      }
      let result;
      try {
        result = options.registry.upsert(request.body);
      } catch (error: unknown) {
        if (error instanceof RouterError && error.code === 'CATALOG_INVALID') {
          throw new RouterError('INPUT_INVALID', error.message, { details: error.details ?? {} });
        }
        throw error;
      }
      await options.persist();
      void reply.code(result.created ? 201 : 200);
      return result.model;
    },
  );

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(
      `/v1/admin/models/:provider/:name/${action}`,
      {
        schema: {
          summary: `${action === 'disable' ? 'Disable' : 'Re-enable'} a catalog model`,
          params: IdParams,
          response: { 200: CatalogModelSchema, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const model = options.registry.setDisabled(
          `${request.params.provider}/${request.params.name}`,
          disabled,
        );
        await options.persist();
        return model;
      },
    );
  }
  return Promise.resolve();
};
