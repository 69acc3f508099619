import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Catalog } from '../../catalog/index.js';
import { CatalogModelSchema } from '../../catalog/index.js';

/** Options for the models plugin. */
export interface ModelsOptions {
  readonly catalog: () => Catalog;
}

/** `GET /v1/models`: the catalog in force. */
export const modelsRoutes: FastifyPluginAsyncTypebox<ModelsOptions> = (app, options) => {
  app.get(
    '/v1/models',
    {
      schema: {
        response: {
          200: Type.Object({ object: Type.Literal('list'), data: Type.Array(CatalogModelSchema) }),
        },
      },
    },
    () => ({ object: 'list' as const, data: [...options.catalog().models] }),
  );
  return Promise.resolve();
};
