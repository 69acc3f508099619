import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { RouterError, sha256Hex } from '../../core/index.js';
import type { ArtifactPromoter } from '../../retrain/index.js';
import { SNAPSHOT_FORMATS, type SnapshotFormat, type SnapshotResult } from '../../store/index.js';
import { extractApiKey, type Principal } from '../auth.js';
import { ERROR_RESPONSES } from '../schemas.js';

/** Options for the artifact admin plugin. */
export interface AdminArtifactOptions {
  /** The promoter, once the predictor is loaded (undefined while loading: 503). */
  readonly artifacts: () => Pick<ArtifactPromoter, 'status' | 'promote' | 'rollback'> | undefined;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  /** Write a snapshot of the store; absent when the store cannot (the endpoint answers 400). */
  readonly snapshot?: (format: SnapshotFormat) => Promise<SnapshotResult>;
}

const ArtifactSummary = Type.Object({
  version: Type.String({ description: '`<id>@<predictor sha256 prefix>`, or `prior`' }),
  dir: Type.String(),
  createdAt: Type.Optional(Type.String()),
  trainedOn: Type.Optional(Type.Array(Type.String())),
});

const PromotionRecord = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  action: Type.Enum(['promote', 'refused', 'rollback']),
  actor: Type.String({ description: '`<tenant>/<sha256 prefix of the admin key>`' }),
  fromVersion: Type.String(),
  fromDir: Type.String(),
  toVersion: Type.String(),
  toDir: Type.String(),
  forced: Type.Boolean(),
  metrics: Type.Optional(Type.Unknown()),
});

const PromoteBody = Type.Object(
  {
    dir: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'artifact folder on the service machine (manifest.json + predictor.json)',
    }),
    force: Type.Optional(
      Type.Boolean({
        description: 'promote even when the gate finds a regression (default false)',
      }),
    ),
  },
  { additionalProperties: false },
);

const SnapshotBody = Type.Object(
  {
    format: Type.Optional(
      Type.Enum([...SNAPSHOT_FORMATS], {
        description: '`duckdb` (one file, default) or `parquet` (a folder DuckDB can IMPORT)',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Who asked: the key's tenant and a prefix of its hash (never the key). */
function actorOf(headers: Readonly<Record<string, unknown>>, principal: Principal): string {
  const key = extractApiKey(headers) ?? '';
  return `${principal.tenant}/${sha256Hex(key).slice(0, 12)}`;
}

/**
 * Admin endpoints (admin API key only) to run beside the service: promote a predictor artifact
 * into the running router after the promotion gate, roll back, read the promotion log, and write a
 * store snapshot that offline commands read instead of the locked database file.
 */
export const adminArtifactRoutes: FastifyPluginAsyncTypebox<AdminArtifactOptions> = (
  app,
  options,
) => {
  const admin = (headers: Readonly<Record<string, unknown>>): Principal => {
    const principal = options.principal(headers);
    if (principal === undefined)
      throw new RouterError('UNAUTHORIZED', 'an admin API key is required');
    if (principal.role !== 'admin')
      throw new RouterError('FORBIDDEN', 'this API key is not an admin key');
    return principal;
  };
  const promoter = () => {
    const ready = options.artifacts();
    if (ready === undefined)
      throw new RouterError('EMBEDDER_UNAVAILABLE', 'the router is still loading');
    return ready;
  };

  app.get(
    '/v1/admin/artifact',
    {
      schema: {
        summary: 'The predictor artifact in service and its promotion log',
        response: {
          200: Type.Object({
            current: ArtifactSummary,
            rollbackTo: Type.Union([
              Type.Object({ version: Type.String(), dir: Type.String() }),
              Type.Null(),
            ]),
            history: Type.Array(PromotionRecord),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      admin(request.headers);
      return promoter().status();
    },
  );

  app.post(
    '/v1/admin/artifact/promote',
    {
      schema: {
        summary: 'Promote a trained artifact into the running service',
        description:
          'The candidate and the artifact in service re-make the logged decisions that have ' +
          'outcomes; a candidate worse with 95% confidence (doubly-robust off-policy estimate, paired ' +
          'bootstrap) is refused with 409 ARTIFACT_REGRESSION and the numbers, unless `force`. ' +
          'Recorded in the promotion log either way.',
        body: PromoteBody,
        response: {
          200: Type.Object({
            status: Type.Literal('promoted'),
            from: ArtifactSummary,
            to: ArtifactSummary,
            forced: Type.Boolean(),
            gate: Type.Unknown(),
            record: PromotionRecord,
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const principal = admin(request.headers);
      return promoter().promote({
        dir: request.body.dir,
        force: request.body.force ?? false,
        actor: actorOf(request.headers, principal),
      });
    },
  );

  app.post(
    '/v1/admin/artifact/rollback',
    {
      schema: {
        summary: 'Serve again the artifact the last promotion or rollback replaced',
        response: {
          200: Type.Object({
            status: Type.Literal('rolled_back'),
            from: ArtifactSummary,
            to: ArtifactSummary,
            record: PromotionRecord,
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const principal = admin(request.headers);
      return promoter().rollback({ actor: actorOf(request.headers, principal) });
    },
  );

  app.post(
    '/v1/admin/snapshot',
    {
      schema: {
        summary: 'Write a snapshot of the database for offline commands',
        description:
          'DuckDB copies the live database (`duckdb`: one file) or exports it (`parquet`: a folder) ' +
          'under `<state dir>/snapshots/`; pass the path to `--db` of `arbiter train` or ' +
          '`arbiter replay ope|retrain` while the service keeps the database file locked.',
        body: Type.Optional(SnapshotBody),
        response: {
          201: Type.Object({ path: Type.String(), format: Type.Enum([...SNAPSHOT_FORMATS]) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      admin(request.headers);
      if (options.snapshot === undefined)
        throw new RouterError('INPUT_INVALID', 'this store cannot write snapshots');
      const result = await options.snapshot(request.body?.format ?? 'duckdb');
      return reply.code(201).send(result);
    },
  );
  return Promise.resolve();
};
