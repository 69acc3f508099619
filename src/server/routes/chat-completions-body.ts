import Type, { type Static } from 'typebox';
import { RouterError } from '../../core/index.js';
import type { Capability, RouteRequest } from '../../router/index.js';
import type { Principal } from '../auth.js';
import { WillingnessToPay, toRouteRequest, type RouteBody } from './route.js';

const Text = Type.String({ maxLength: 100_000 });
const Id = Type.String({ minLength: 1, maxLength: 256 });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const ContentPart = Type.Object(
  {
    type: Type.String({ minLength: 1, maxLength: 32 }),
    text: Type.Optional(Text),
    refusal: Type.Optional(Text),
    image_url: Type.Optional(
      Type.Object(
        {
          url: Type.String({ minLength: 1, maxLength: 10_000_000 }),
          detail: Type.Optional(Type.Enum(['auto', 'low', 'high'])),
        },
        { additionalProperties: false },
      ),
    ),
    input_audio: Type.Optional(
      Type.Object(
        {
          data: Type.String({ maxLength: 10_000_000 }),
          format: Type.String({ minLength: 1, maxLength: 16 }),
        },
        { additionalProperties: false },
      ),
    ),
    file: Type.Optional(
      Type.Object(
        {
          file_data: Type.Optional(Type.String({ maxLength: 10_000_000 })),
          file_id: Type.Optional(Id),
          filename: Type.Optional(Type.String({ maxLength: 1_024 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const FunctionCall = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 256 }), arguments: Text },
  { additionalProperties: false },
);

const ToolCall = Type.Object(
  {
    id: Id,
    type: Type.Literal('function'),
    function: FunctionCall,
  },
  { additionalProperties: false },
);

const ChatMessage = Type.Object(
  {
    role: Type.Enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
    content: Type.Optional(Nullable(Type.Union([Text, Type.Array(ContentPart, { maxItems: 64 })]))),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    tool_calls: Type.Optional(Type.Array(ToolCall, { maxItems: 128 })),
    tool_call_id: Type.Optional(Id),
    refusal: Type.Optional(Nullable(Text)),
    /** A previous audio answer, by id. */
    audio: Type.Optional(Nullable(Type.Object({ id: Id }, { additionalProperties: false }))),
    /** Deprecated form of `tool_calls`. */
    function_call: Type.Optional(Nullable(FunctionCall)),
  },
  { additionalProperties: false },
);

const FunctionDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    // A JSON Schema: free-form, bounded by the body limit.
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    strict: Type.Optional(Nullable(Type.Boolean())),
  },
  { additionalProperties: false },
);

const Tool = Type.Object(
  { type: Type.Literal('function'), function: FunctionDefinition },
  { additionalProperties: false },
);

const FunctionName = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

/** Arbiter's own options, under `arbiter` so they never reach an upstream. */
const ArbiterOptions = Type.Object(
  {
    tradeoff: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
    willingness_to_pay: Type.Optional(WillingnessToPay),
    max_cost_usd: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6 })),
    quality_floor: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    max_latency_ms: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    candidates: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }),
    ),
    tenant: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' }),
    ),
    session_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);

/**
 * Fields the OpenAI SDKs send that are accepted but not forwarded. `store` asks one vendor to keep
 * the conversation; which vendors may keep a tenant's data is the tenant policy's call
 * (`zero_retention_only`, `data_collection`), and Arbiter keeps its own record of each call.
 */
export const DROPPED_FIELDS = ['store'] as const;

/**
 * `POST /v1/chat/completions` body: the OpenAI chat-completions request. Every field but `model`,
 * `arbiter` and {@link DROPPED_FIELDS} is forwarded to the upstream unchanged; fields not listed here
 * are refused (400 naming the field) rather than silently dropped or forwarded unchecked.
 */
export const ChatCompletionsBody = Type.Object(
  {
    /** `arbiter`/`auto`/absent: Arbiter routes over every model; else ids, aliases or wildcards. */
    model: Type.Optional(
      Type.Union([
        Type.String({ minLength: 1, maxLength: 2_000 }),
        Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100 }),
      ]),
    ),
    messages: Type.Array(ChatMessage, { minItems: 1, maxItems: 1_024 }),
    stream: Type.Optional(Type.Boolean()),
    stream_options: Type.Optional(
      Nullable(
        Type.Object(
          {
            include_usage: Type.Optional(Type.Boolean()),
            include_obfuscation: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    max_tokens: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000_000 }))),
    max_completion_tokens: Type.Optional(
      Nullable(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
    ),
    temperature: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 2 }))),
    top_p: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
    n: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 16 }))),
    stop: Type.Optional(
      Nullable(
        Type.Union([
          Type.String({ maxLength: 1_000 }),
          Type.Array(Type.String({ maxLength: 1_000 }), { maxItems: 16 }),
        ]),
      ),
    ),
    presence_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
    frequency_penalty: Type.Optional(Nullable(Type.Number({ minimum: -2, maximum: 2 }))),
    logit_bias: Type.Optional(
      Nullable(
        Type.Record(
          Type.String({ pattern: '^[0-9]+$' }),
          Type.Number({ minimum: -100, maximum: 100 }),
          {
            maxProperties: 1_024,
          },
        ),
      ),
    ),
    logprobs: Type.Optional(Nullable(Type.Boolean())),
    top_logprobs: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 20 }))),
    seed: Type.Optional(Nullable(Type.Integer())),
    user: Type.Optional(Type.String({ maxLength: 256 })),
    safety_identifier: Type.Optional(Type.String({ maxLength: 256 })),
    prompt_cache_key: Type.Optional(Type.String({ maxLength: 1_024 })),
    prompt_cache_retention: Type.Optional(Nullable(Type.Enum(['in-memory', '24h']))),
    store: Type.Optional(Nullable(Type.Boolean())),
    modalities: Type.Optional(
      Nullable(Type.Array(Type.Enum(['text', 'audio']), { maxItems: 2, uniqueItems: true })),
    ),
    audio: Type.Optional(
      Nullable(
        Type.Object(
          {
            voice: Type.Union([
              Type.String({ minLength: 1, maxLength: 64 }),
              Type.Object({ id: Id }, { additionalProperties: false }),
            ]),
            format: Type.Enum(['wav', 'aac', 'mp3', 'flac', 'opus', 'pcm16']),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    prediction: Type.Optional(
      Nullable(
        Type.Object(
          {
            type: Type.Literal('content'),
            content: Type.Union([Text, Type.Array(ContentPart, { maxItems: 64 })]),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    service_tier: Type.Optional(
      Nullable(Type.Enum(['auto', 'default', 'flex', 'scale', 'priority'])),
    ),
    verbosity: Type.Optional(Nullable(Type.Enum(['low', 'medium', 'high']))),
    web_search_options: Type.Optional(
      Type.Object(
        {
          search_context_size: Type.Optional(Type.Enum(['low', 'medium', 'high'])),
          // { type: 'approximate', approximate: { city, country, region, timezone } }
          user_location: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
        },
        { additionalProperties: false },
      ),
    ),
    /** Deprecated form of `tools`. */
    functions: Type.Optional(Type.Array(FunctionDefinition, { minItems: 1, maxItems: 128 })),
    /** Deprecated form of `tool_choice`. */
    function_call: Type.Optional(Type.Union([Type.Enum(['none', 'auto']), FunctionName])),
    tools: Type.Optional(Type.Array(Tool, { maxItems: 128 })),
    tool_choice: Type.Optional(
      Type.Union([
        Type.Enum(['none', 'auto', 'required']),
        Type.Object(
          { type: Type.Literal('function'), function: FunctionName },
          { additionalProperties: false },
        ),
      ]),
    ),
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    response_format: Type.Optional(
      Type.Object(
        {
          type: Type.Enum(['text', 'json_object', 'json_schema']),
          json_schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
        },
        { additionalProperties: false },
      ),
    ),
    reasoning_effort: Type.Optional(
      Nullable(Type.Enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh'])),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), {
        maxProperties: 16,
      }),
    ),
    arbiter: Type.Optional(ArbiterOptions),
  },
  { additionalProperties: false },
);

/** The request body's type. */
export type ChatCompletionsRequest = Static<typeof ChatCompletionsBody>;

const ROUTE_BY_ARBITER = new Set(['arbiter', 'auto']);

/** The model lists a request restricts routing to (`model` and `arbiter.candidates`). */
export function modelPatterns(body: ChatCompletionsRequest): string[][] {
  const lists: string[][] = [];
  if (typeof body.model === 'string') {
    if (!ROUTE_BY_ARBITER.has(body.model.trim().toLowerCase())) {
      const list = body.model
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
      if (list.length === 0 || list.some((part) => part.length > 200)) {
        throw new RouterError('INPUT_INVALID', 'model must list ids, aliases or wildcards', {
          details: { field: 'model' },
        });
      }
      lists.push(list);
    }
  } else if (body.model !== undefined) {
    lists.push([...body.model]);
  }
  if (body.arbiter?.candidates !== undefined) lists.push([...body.arbiter.candidates]);
  return lists;
}

/** The body sent upstream (`model` is set per candidate): without Arbiter's and dropped fields. */
export function forwardedBody(body: ChatCompletionsRequest): Record<string, unknown> {
  const forwarded: Record<string, unknown> = { ...body };
  delete forwarded['model'];
  delete forwarded['arbiter'];
  for (const field of DROPPED_FIELDS) delete forwarded[field];
  return forwarded;
}

/** Capabilities the request needs: tools, JSON output, image input. */
export function requiredCapabilities(body: ChatCompletionsRequest): Capability[] {
  const needed: Capability[] = [];
  if ((body.tools?.length ?? 0) > 0 || (body.functions?.length ?? 0) > 0) needed.push('tools');
  const format = body.response_format?.type;
  if (format === 'json_object' || format === 'json_schema') needed.push('json');
  const image = body.messages.some(
    (message) =>
      Array.isArray(message.content) &&
      message.content.some((part) => part.image_url !== undefined),
  );
  if (image) needed.push('vision');
  return needed;
}

type RouteMessage = NonNullable<Static<typeof RouteBody>['messages']>[number];

/** The router sees role and text only: developer counts as system, function as tool. */
function routeMessage(message: ChatCompletionsRequest['messages'][number]): RouteMessage {
  const role =
    message.role === 'developer' ? 'system' : message.role === 'function' ? 'tool' : message.role;
  const content =
    message.content === undefined || message.content === null
      ? ''
      : typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => ({
            type: part.type,
            ...(part.text === undefined ? {} : { text: part.text }),
          }));
  return { role, content };
}

/**
 * The router's request for a chat body: its messages (text only), Arbiter's options, the
 * capabilities the body needs, and `candidates` = the models proxy mode allows (see
 * proxyCandidates). Tenant rules are those of `/v1/route`.
 */
export function toChatRouteRequest(
  body: ChatCompletionsRequest,
  principal: Principal | undefined,
  candidates: readonly string[],
): RouteRequest {
  // arbiter.candidates is already part of `candidates` (see modelPatterns).
  const extra = { ...body.arbiter };
  delete extra.candidates;
  const capabilities = requiredCapabilities(body);
  // The upstream answers at most this many tokens (reasoning included), so neither do the estimates.
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
  return toRouteRequest(
    {
      messages: body.messages.map(routeMessage),
      ...extra,
      candidates: [...candidates],
      ...(capabilities.length === 0 ? {} : { capabilities }),
      ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
    },
    principal,
  );
}
