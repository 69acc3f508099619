import Type, { type Static } from 'typebox';

/** Tokenizer families Arbiter can count. OpenAI encodings are exact; the rest are approximations (see src/tokens). */
export const TOKENIZER_FAMILIES = [
  'o200k_base',
  'cl100k_base',
  'llama2',
  'llama3',
  'mistral',
  'anthropic',
  'gemma',
  'qwen',
  'other',
] as const;

/** One tokenizer family name. */
export type TokenizerFamily = (typeof TOKENIZER_FAMILIES)[number];

const ModelId = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*$',
});

/** Price of one model, USD per 1M tokens. */
export const PricingSchema = Type.Object(
  {
    input_per_million: Type.Number({ minimum: 0, maximum: 10_000 }),
    output_per_million: Type.Number({ minimum: 0, maximum: 10_000 }),
  },
  { additionalProperties: false },
);

/** Declared capacity, used for load-aware balancing. */
export const CapacitySchema = Type.Object(
  {
    requests_per_minute: Type.Optional(Type.Integer({ minimum: 1 })),
    tokens_per_minute: Type.Optional(Type.Integer({ minimum: 1 })),
    max_concurrency: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** Public aggregate scores used as a prior for a model's ability before any outcome is seen. */
export const PriorSchema = Type.Object(
  {
    /**
     * AlpacaEval 2.0 length-controlled win rate (0-100) against GPT-4 Turbo (gpt-4-1106-preview),
     * copied from the leaderboard row `alpaca_eval_name`.
     */
    alpaca_eval_lc: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    /** The AlpacaEval leaderboard row name the score was copied from. */
    alpaca_eval_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /**
     * Whose row `alpaca_eval_name` is: `own` (default) the model's own, or `predecessor` the model
     * it replaces in its vendor's line (GPT-4o for GPT-5, Claude 3.5 Sonnet for Claude Sonnet 4),
     * for a model the leaderboard has no row for: a lower bound on its ability, so that a newer model
     * is not ranked below the older one it replaces only because the older one has a public score.
     */
    basis: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('predecessor')])),
    /** Where the figures come from (URL or file). */
    source: Type.String({ minLength: 1, maxLength: 500 }),
    /**
     * Chatbot Arena (LMArena) text score, copied from the row `arena_name` of one leaderboard
     * snapshot (`arena_source`). For a model without `alpaca_eval_lc` the loader maps it onto the
     * AlpacaEval scale (catalog.ts, {@link ArenaMap}), so that 2025 models the AlpacaEval
     * leaderboard never scored are placed by a public score of their own.
     */
    arena_score: Type.Optional(Type.Number({ minimum: 0, maximum: 4000 })),
    /** The Arena row `arena_score` was copied from. */
    arena_name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Whose row `arena_name` is: `own` (default) or `predecessor` (as `basis`, a lower bound). */
    arena_basis: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('predecessor')])),
    /** The Arena snapshot (URL with commit). */
    arena_source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    /**
     * Set by the loader, never in a file: `alpaca_eval_lc` was mapped from `arena_score` because the
     * model has no AlpacaEval row.
     */
    alpaca_eval_from_arena: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * Hidden reasoning ("thinking") tokens of a model that reasons before it answers by default. They
 * are billed as output tokens but are not part of the visible answer that the output-length model
 * predicts, so the cost estimate adds them (src/router/reasoning.ts): `easy_tokens` on a trivial
 * question, `hard_tokens` on competition math and logic puzzles, interpolated log-linearly by the
 * prompt's predicted difficulty.
 */
export const ReasoningSchema = Type.Object(
  {
    /** Mean reasoning tokens on trivial knowledge questions ("What is the capital of Australia?"). */
    easy_tokens: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    /** Mean reasoning tokens on competition math and logic puzzles. */
    hard_tokens: Type.Number({ minimum: 0, maximum: 1_000_000 }),
    /** The model (and reasoning setting) the figures were measured on, as the source names it. */
    measured_as: Type.String({ minLength: 1, maxLength: 200 }),
    /**
     * `own` (default): measured on this model; `family`: measured on another model of its line
     * (GPT-5 for GPT-5 mini), for a model the source did not measure.
     */
    basis: Type.Optional(Type.Union([Type.Literal('own'), Type.Literal('family')])),
    /** Where the figures come from (URL with commit, or file). */
    source: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);

/** One catalog entry. */
export const CatalogModelSchema = Type.Object(
  {
    id: ModelId,
    provider: Type.String({ minLength: 1, maxLength: 100 }),
    display_name: Type.Optional(Type.String({ maxLength: 200 })),
    pricing: PricingSchema,
    context_window: Type.Integer({ minimum: 256, maximum: 100_000_000 }),
    max_output_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
    capabilities: Type.Object(
      { tools: Type.Boolean(), vision: Type.Boolean(), json: Type.Boolean() },
      { additionalProperties: false },
    ),
    tags: Type.Object(
      {
        region: Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 20 }),
        data_collection: Type.Enum(['allow', 'deny']),
        zero_retention: Type.Boolean(),
        sensitive_data: Type.Boolean(),
        tier: Type.Enum(['frontier', 'mid', 'small']),
        family: Type.String({ minLength: 1, maxLength: 100 }),
      },
      { additionalProperties: false },
    ),
    tokenizer: Type.Enum(TOKENIZER_FAMILIES),
    capacity: Type.Optional(CapacitySchema),
    aliases: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50 }),
    ),
    disabled: Type.Optional(Type.Boolean()),
    /**
     * The model name sent to the provider's upstream in proxy mode.
     * @default the part of `id` after the slash
     */
    upstream_model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** Where the price and context figures come from (pricing page URL or a description). */
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    /** The date (YYYY-MM-DD) the price and context figures were valid. */
    as_of: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    /**
     * A model kept for the benchmark datasets (2023-era models of RouterBench, RouteLLM, LLMRouter)
     * or one its provider has retired: routed only when a request names it in `candidates`.
     */
    legacy: Type.Optional(Type.Boolean()),
    /** Public aggregate scores, a prior for the model's ability. */
    prior: Type.Optional(PriorSchema),
    /** Hidden reasoning tokens billed as output, for a model that reasons by default. */
    reasoning: Type.Optional(ReasoningSchema),
  },
  { additionalProperties: false },
);

/** The catalog file. */
export const CatalogFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    models: Type.Array(CatalogModelSchema, { minItems: 1, maxItems: 10_000 }),
  },
  { additionalProperties: false },
);

/** One model as declared in the catalog file. */
export type CatalogModel = Static<typeof CatalogModelSchema>;
/** Public prior scores of one model. */
export type ModelPrior = Static<typeof PriorSchema>;
/** Reasoning-token figures of one model. */
export type ModelReasoning = Static<typeof ReasoningSchema>;
/** The catalog file's shape. */
export type CatalogFile = Static<typeof CatalogFileSchema>;
