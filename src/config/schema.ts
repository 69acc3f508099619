import Type, { type Static } from 'typebox';

/** Which embedder the service loads at start. */
export const EMBEDDER_KINDS = ['use-lite', 'transformers', 'hash'] as const;

/** Recent decisions a service keeps in memory for their feedback (config `recentDecisions`). */
export const DEFAULT_RECENT_DECISIONS = 20_000;

/** Selection policies the service can run: the offline ranking as is, or an online bandit over it. */
export const POLICY_KINDS = ['greedy', 'linucb', 'thompson', 'epsilon-greedy', 'residual'] as const;

/** Validated service configuration (frozen after load). */
export const ConfigSchema = Type.Object(
  {
    /** TCP port. @default 8080 (env PORT) */
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    /** Listen address. @default 127.0.0.1 (env HOST) */
    host: Type.String({ minLength: 1 }),
    /** Directory for the DuckDB file and other state; created if missing. @default ./data (env ARBITER_STATE_DIR) */
    stateDir: Type.String({ minLength: 1 }),
    /** DuckDB file path, or `:memory:`. @default <stateDir>/arbiter.duckdb (env ARBITER_DB) */
    dbPath: Type.String({ minLength: 1 }),
    /**
     * PostgreSQL URL (`postgres://user:password@host:port/db`): replicas sharing it act as one
     * service. Unset: the embedded DuckDB file at dbPath. (env ARBITER_DATABASE_URL)
     */
    databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
    /** This replica's id on a shared database. @default <hostname>-<pid>-<random> (env ARBITER_REPLICA_ID) */
    replicaId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Model catalog file. @default the shipped models/catalog.json (env ARBITER_CATALOG) */
    catalogPath: Type.String({ minLength: 1 }),
    /** Trained predictor artifact folder. @default models/default (env ARBITER_ARTIFACT) */
    artifactDir: Type.String({ minLength: 1 }),
    /** Embedder kind. @default use-lite (env ARBITER_EMBEDDER) */
    embedder: Type.Enum(EMBEDDER_KINDS),
    /** Local model folder for the transformers embedder. (env ARBITER_EMBEDDER_PATH) */
    embedderPath: Type.Optional(Type.String({ minLength: 1 })),
    /** pino log level. @default info (env LOG_LEVEL) */
    logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    /** Store prompt text with decisions; off means hash-only. @default false (env ARBITER_STORE_PROMPTS) */
    storePrompts: Type.Boolean(),
    /**
     * Days raw decisions and outcomes are kept (deleted hourly; hourly stats rollups are kept), at
     * least 35 (feedback is taken for 30 days, budgets sum a month); 0 keeps everything.
     * @default 0 (env ARBITER_RETENTION_DAYS)
     */
    retentionDays: Type.Union([Type.Literal(0), Type.Integer({ minimum: 35, maximum: 36500 })]),
    /**
     * DuckDB's memory cap (its `memory_limit` setting: the buffer pool that caches the file's blocks
     * and holds rows written since the last checkpoint; past it DuckDB evicts cached blocks and
     * spills to `<db>.tmp`). A DuckDB size such as `128MB` or `1GiB`.
     * @default the store's DEFAULT_MEMORY_LIMIT, 512MB (env ARBITER_DUCKDB_MEMORY_LIMIT)
     */
    duckdbMemoryLimit: Type.Optional(Type.String({ pattern: '^[0-9]+(\\.[0-9]+)? ?([KMGT]i?B)$' })),
    /** Allow /v1/route without an API key. @default true (env ARBITER_ALLOW_ANONYMOUS_ROUTE) */
    allowAnonymousRoute: Type.Boolean(),
    /** JSON file of API keys (`{keys:[{sha256, tenant, role}]}`). (env ARBITER_KEYS_FILE) */
    keysFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Maximum request body, bytes. @default 262144 (env ARBITER_BODY_LIMIT) */
    bodyLimit: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024 }),
    /**
     * Per-tenant policies (allowed models/providers/regions, data handling, PII, budgets, session
     * switch penalty); see docs in README "Production routing". (env ARBITER_TENANTS_FILE)
     */
    tenantsFile: Type.Optional(Type.String({ minLength: 1 })),
    /** Requests per minute per API key (or client address) on /v1; 0 disables. @default 12000 (env ARBITER_RATE_LIMIT) */
    rateLimitPerMinute: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    /**
     * Outcomes per tenant per model per hour the bandit learns from (feedback-poisoning bound; more
     * are stored, not learned from); 0 disables the bound. @default 200 (env ARBITER_LEARN_CAP)
     */
    learnCapPerHour: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    /**
     * Recent decisions kept in memory (packed, about 2.4 KB each with 56 candidates) so that their
     * feedback needs no store read; feedback for an older one reads its row from the store (one
     * indexed lookup). Size it for how late feedback arrives: 20,000 is 2 minutes at 150 decisions/s.
     * 0 keeps none. @default 20000 (env ARBITER_RECENT_DECISIONS)
     */
    recentDecisions: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    /** Seed for the routing policy's exploration. @default 1 (env ARBITER_SEED) */
    seed: Type.Integer({ minimum: 0, maximum: 4294967295 }),
    /**
     * Selection policy: `greedy` (offline ranking, never explores), or an online learner of
     * feedback: `residual` (the artifact's predictions corrected by a memory of logged outcomes,
     * docs/online-learning.md) or a linear bandit (`thompson`, `linucb`, `epsilon-greedy`); its
     * state is kept in the store.
     * @default residual (env ARBITER_POLICY)
     */
    policy: Type.Enum(POLICY_KINDS),
  },
  { additionalProperties: false },
);

/** Service configuration. */
export type Config = Static<typeof ConfigSchema>;
