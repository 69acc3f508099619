import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { RouterError } from '../../core/index.js';
import {
  CatalogModelSchema,
  type CatalogModel,
  type CatalogRegistry,
} from '../../catalog/index.js';
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

/** The PUT body: a catalog entry whose `id` and `provider` may be left to the path. */
const AdminModelBody = Type.Object(
  {
    ...CatalogModelSchema.properties,
    id: Type.Optional(CatalogModelSchema.properties.id),
    provider: Type.Optional(CatalogModelSchema.properties.provider),
  },
  { additionalProperties: false },
);

/** One problem with a PUT body, by JSON pointer. */
interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The catalog entry a PUT describes, or every problem with it at once: the path gives `id`
 * (`{prefix}/{name}`) and, unless the body says otherwise, `provider` (= the prefix). A body `id` must
 * equal the path's; a body `provider` other than the prefix is refused unless the catalog already
 * serves this id through that provider (shipped entries such as `meta/...` served by `together`), so
 * an admin call can never move an id to another provider's upstream.
 */
export function adminModelFromRequest(
  params: { readonly provider: string; readonly name: string },
  body: unknown,
  existing: CatalogModel | undefined,
): { ok: true; model: CatalogModel } | { ok: false; problems: FieldProblem[] } {
  const id = `${params.provider}/${params.name}`;
  if (!isPlainObject(body)) {
    return { ok: false, problems: [{ field: '', message: 'the body must be a JSON object' }] };
  }
  const problems: FieldProblem[] = [];
  if (body.id !== undefined && body.id !== id) {
    problems.push({
      field: '/id',
      message: `must equal the path's model id ${id} (or be left out)`,
    });
  }
  const provider = body.provider ?? params.provider;
  if (
    typeof provider === 'string' &&
    provider !== params.provider &&
    provider !== existing?.provider
  ) {
    problems.push({
      field: '/provider',
      message: `${provider} disagrees with the id's provider part ${params.provider}`,
    });
  }
  const model: unknown = { ...body, id, provider };
  for (const error of Value.Errors(CatalogModelSchema, model)) {
    problems.push({ field: error.instancePath, message: error.message });
  }
  return problems.length === 0
    ? { ok: true, model: model as CatalogModel }
    : { ok: false, problems };
}

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
        description:
          'The path gives the model id ({provider}/{name}); `id` and `provider` may be left out of ' +
          'the body. Every problem with the body is reported at once in `details.errors`.',
        params: IdParams,
        body: AdminModelBody,
        response: { 200: CatalogModelSchema, 201: CatalogModelSchema, ...ERROR_RESPONSES },
      },
      // The body is checked in the handler, against the entry the path completes, so that every
      // problem is reported in one answer (Ajv stops at the first).
      validatorCompiler: ({ httpPart, schema }) =>
        httpPart === 'body'
          ? (data: unknown) => ({ value: data })
          : (data: unknown) =>
              Value.Check(schema, data)
                ? { value: data }
                : { error: new RouterError('INPUT_INVALID', `invalid ${httpPart ?? 'request'}`) },
    },
    async (request, reply) => {
      const id = `${request.params.provider}/${request.params.name}`;
      const parsed = adminModelFromRequest(
        request.params,
        request.body,
        options.registry.current().get(id),
      );
      if (!parsed.ok) {
        throw new RouterError(
          'INPUT_INVALID',
          parsed.problems
            .map((problem) => `${problem.field || 'body'} ${problem.message}`)
            .join('; '),
          { details: { errors: parsed.problems } },
        );
      }
      let result;
      try {
        result = options.registry.upsert(parsed.model);
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
