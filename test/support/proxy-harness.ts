/**
 * The proxy-mode app under test: the shipped catalog (Qwen with an `upstream_model`), an in-memory
 * store, and upstreams for openai, together and nvidia on one fake server on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import {
  CatalogRegistry,
  DEFAULT_CATALOG_PATH,
  parseCatalog,
  type CatalogFile,
} from '../../src/catalog/index.js';
import { createRng } from '../../src/core/index.js';
import { HashEmbedder } from '../../src/embed/index.js';
import {
  createUpstreamConfig,
  upstreamModelName,
  type ProxySettings,
} from '../../src/proxy/index.js';
import { Router, priorArmPredictor, type RouteDecision } from '../../src/router/index.js';
import { buildApp } from '../../src/server/app.js';
import { createKeyRegistry, generateApiKey } from '../../src/server/auth.js';
import { RoutingService } from '../../src/service/index.js';
import { openStore, type OutcomeRecord, type Store } from '../../src/store/index.js';
import { FakeUpstream } from './fake-upstream.js';

/** A chat.completion body. */
export function completion(text: string, usage?: { prompt: number; completion: number }): unknown {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    ...(usage === undefined
      ? {}
      : {
          usage: {
            prompt_tokens: usage.prompt,
            completion_tokens: usage.completion,
            total_tokens: usage.prompt + usage.completion,
          },
        }),
  };
}

/** One chat.completion.chunk payload. */
export function chunk(content: string): string {
  return JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });
}

export const QWEN = 'qwen/qwen2.5-7b-instruct';
/** One model per upstream of interest: openai, together, nvidia (two). No anthropic upstream. */
export const FOUR = [
  'openai/gpt-3.5-turbo-1106',
  'meta/llama-2-70b-chat',
  QWEN,
  'google/gemma-2-9b-it',
];

const catalogFile = JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8')) as CatalogFile;
// NVIDIA's API names models with their namespace: exercise the catalog's upstream_model field.
export const catalog = parseCatalog({
  ...catalogFile,
  models: catalogFile.models.map((model) =>
    model.id === QWEN ? { ...model, upstream_model: QWEN } : model,
  ),
});

const tenantKey = generateApiKey();
const keys = createKeyRegistry({
  keys: [{ sha256: tenantKey.sha256, tenant: 'acme', role: 'tenant' }],
});
export const auth = { authorization: `Bearer ${tenantKey.key}` };

/** One app under test with its store. */
export interface Harness {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Decisions the service made, by id. */
  readonly decisions: Map<string, RouteDecision>;
}

/** The fake upstream every harness of this test file forwards to. */
export const fake = new FakeUpstream();
let baseUrl = '';
const harnesses: Harness[] = [];

/** Build an app over a fresh in-memory store, forwarding to {@link fake}. */
export async function start(
  options: {
    settings?: Partial<ProxySettings>;
    providers?: readonly string[];
    allowAnonymous?: boolean;
    /** Upstream key of each provider. @default `sk-<provider>` */
    apiKey?: (provider: string) => string;
    /** Fastify logger (e.g. pino over a capturing stream). @default none */
    logger?: FastifyServerOptions['logger'];
  } = {},
): Promise<Harness> {
  const store = await openStore({ path: ':memory:' });
  const registry = new CatalogRegistry(catalog);
  const router = new Router({
    catalog: () => registry.current(),
    embedder: new HashEmbedder(),
    predictor: priorArmPredictor(),
    rng: createRng(11),
  });
  const service = new RoutingService({ router, store, catalog: () => registry.current() });
  const decisions = new Map<string, RouteDecision>();
  const route = service.routeOrUnrecorded.bind(service);
  service.routeOrUnrecorded = async (request, signal) => {
    const routed = await route(request, signal);
    decisions.set(routed.decision.decisionId, routed.decision);
    return routed;
  };
  const app = await buildApp({
    registry,
    service: () => service,
    keys,
    allowAnonymousRoute: options.allowAnonymous ?? true,
    upstreams: createUpstreamConfig({
      upstreams: (options.providers ?? ['openai', 'together', 'nvidia']).map((provider) => ({
        provider,
        baseUrl: `${baseUrl}/${provider}/v1/`,
        apiKey: options.apiKey?.(provider) ?? `sk-${provider}`,
      })),
      settings: {
        attemptTimeoutMs: 400,
        streamIdleTimeoutMs: 400,
        deadlineMs: 10_000,
        maxAttempts: 4,
        ...options.settings,
      },
    }),
    rateLimitPerMinute: 0,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    onClose: () => store.close(),
  });
  const harness = { app, store, decisions };
  harnesses.push(harness);
  return harness;
}

/** POST /v1/chat/completions with a one-message body plus `body`. */
export const chat = (
  harness: Harness,
  body: Record<string, unknown>,
  headers: Record<string, string> = auth,
) =>
  harness.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { messages: [{ role: 'user', content: 'Say hello' }], ...body },
    headers,
  });

/** The fallback order of a decision, as upstream model names. */
export function upstreamOrder(harness: Harness, decisionId: string): string[] {
  const decision = harness.decisions.get(decisionId);
  if (decision === undefined) throw new Error(`no decision ${decisionId}`);
  return decision.ranked.map((arm) =>
    upstreamModelName(catalog.get(arm.model) ?? { id: arm.model }),
  );
}

/** Wait until the proxy's outcome writes (after the answer) have landed. */
export function outcomes(
  harness: Harness,
  decisionId: string,
  count: number,
): Promise<OutcomeRecord[]> {
  return vi.waitFor(
    async () => {
      const rows = await harness.store.outcomes.listForDecision(decisionId);
      expect(rows).toHaveLength(count);
      return [...rows].sort((a, b) => a.idempotencyKey.localeCompare(b.idempotencyKey));
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Register the hooks that start the fake upstream and close every harness after each test. */
export function useProxyHarness(): void {
  beforeAll(async () => {
    baseUrl = await fake.listen();
  });
  afterEach(async () => {
    fake.reset();
    for (const harness of harnesses.splice(0)) await harness.app.close();
  });
  afterAll(async () => fake.close());
}

/** Forget a harness the test closed itself. */
export function forget(harness: Harness): void {
  harnesses.splice(harnesses.indexOf(harness), 1);
}
