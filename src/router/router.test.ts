import { describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog, type Catalog } from '../catalog/index.js';
import { RouterError, createRng } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import type { ArmPredictor } from './arm-predictor.js';
import { priorArmPredictor } from './arm-predictor.js';
import { matchesPattern } from './candidates.js';
import { ROUTING_WINDOW_CHARS, routingText } from './request.js';
import { Router } from './router.js';

const catalog = loadCatalog();

/** A predictor with fixed qualities per model id (prior for the rest). */
function fixedPredictor(quality: Record<string, number>, outputTokens = 200): ArmPredictor {
  const prior = priorArmPredictor();
  return {
    version: 'fixed@1',
    dimension: 64,
    estimate: (embedding, models) =>
      prior.estimate(embedding, models).map((estimate, i) => {
        const q = quality[models[i]?.id ?? ''];
        return q === undefined ? estimate : { quality: q, outputTokens, source: 'predictor' };
      }),
  };
}

function makeRouter(predictor: ArmPredictor, source: Catalog = catalog): Router {
  let n = 0;
  return new Router({
    catalog: () => source,
    embedder: new HashEmbedder(),
    predictor,
    rng: createRng(7),
    clock: { now: () => 1_700_000_000_000 },
    ids: () => `d-${++n}`,
  });
}

async function routeError(
  router: Router,
  request: Parameters<Router['route']>[0],
): Promise<RouterError> {
  try {
    await router.route(request);
  } catch (error: unknown) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  throw new Error('expected a RouterError');
}

const strongWeak = ['openai/gpt-4-1106-preview', 'mistralai/mixtral-8x7b-instruct-v0.1'];

describe('Router', () => {
  it('picks the strong model when quality is worth its price, the weak one when not', async () => {
    const router = makeRouter(
      fixedPredictor({
        'openai/gpt-4-1106-preview': 0.95,
        'mistralai/mixtral-8x7b-instruct-v0.1': 0.6,
      }),
    );
    const rich = await router.route({
      prompt: 'Prove Fermat',
      candidates: strongWeak,
      tradeoff: 10,
    });
    expect(rich.model).toBe('openai/gpt-4-1106-preview');
    // The served default floor (0.9 x the best predicted quality) keeps a model predicted at 0.6
    // against 0.95 out of the choice at any price; it stays a fallback.
    const floored = await router.route({
      prompt: 'Prove Fermat',
      candidates: strongWeak,
      tradeoff: 0,
    });
    expect(floored.model).toBe('openai/gpt-4-1106-preview');
    expect(floored.ranked.map((arm) => arm.model)).toEqual([...strongWeak]);
    const frugal = await router.route({
      prompt: 'Prove Fermat',
      candidates: strongWeak,
      tradeoff: 0,
      qualityFloor: 0,
    });
    expect(frugal.model).toBe('mistralai/mixtral-8x7b-instruct-v0.1');
    expect(frugal.ranked.map((arm) => arm.model)).toEqual([...strongWeak].reverse());
    expect(frugal).toMatchObject({
      propensity: 1,
      explored: false,
      policy: 'greedy',
      decisionId: 'd-3',
    });
  });

  it('computes cost from tiktoken input tokens and predicted output tokens', async () => {
    const router = makeRouter(fixedPredictor({ 'openai/gpt-4-1106-preview': 0.9 }, 100));
    const decision = await router.route({
      prompt: 'hello world',
      candidates: ['openai/gpt-4-1106-preview'],
    });
    const arm = decision.ranked[0];
    // "hello world" = 2 cl100k tokens: 2 x $10/M + 100 x $30/M = 0.00302 USD
    expect(arm?.inputTokens).toBe(2);
    expect(arm?.estimatedCostUsd).toBeCloseTo(0.00302, 10);
  });

  it("caps predicted output (and so cost) at the caller's max_tokens", async () => {
    const router = makeRouter(fixedPredictor({ 'openai/gpt-4-1106-preview': 0.9 }, 1000));
    const request = { prompt: 'hello world', candidates: ['openai/gpt-4-1106-preview'] };
    // 2 x $10/M + 1,000 x $30/M = 0.03002 USD uncapped; 2 x $10/M + 20 x $30/M = 0.00062 capped.
    const free = (await router.route(request)).ranked[0];
    expect(free?.outputTokens).toBe(1000);
    expect(free?.estimatedCostUsd).toBeCloseTo(0.03002, 10);
    const capped = (await router.route({ ...request, maxOutputTokens: 20 })).ranked[0];
    expect(capped?.outputTokens).toBe(20);
    expect(capped?.estimatedCostUsd).toBeCloseTo(0.00062, 10);
    // A cost cap the uncapped answer would break, the capped one keeps.
    const error = await routeError(router, { ...request, maxCostUsd: 0.001 });
    expect(error.code).toBe('NO_ELIGIBLE_ARM');
    const kept = await router.route({ ...request, maxCostUsd: 0.001, maxOutputTokens: 20 });
    expect(kept.model).toBe('openai/gpt-4-1106-preview');
  });

  it('expands wildcards and rejects candidates that match nothing', async () => {
    const router = makeRouter(priorArmPredictor());
    const decision = await router.route({ prompt: 'hi', candidates: ['anthropic/*'] });
    expect(decision.ranked.every((arm) => arm.model.startsWith('anthropic/'))).toBe(true);
    expect(decision.ranked).toHaveLength(
      loadCatalog().models.filter((model) => model.provider === 'anthropic').length,
    );
    const error = await routeError(router, { prompt: 'hi', candidates: ['nobody/*', 'openai/*'] });
    expect(error.code).toBe('MODEL_UNKNOWN');
    expect(error.details).toEqual({ candidates: ['nobody/*'] });
  });

  it('excludes models with a reason each, and fails with every reason when none is left', async () => {
    const router = makeRouter(priorArmPredictor());
    const decision = await router.route({
      prompt: 'call my function',
      candidates: ['openai/gpt-4-1106-preview', 'anthropic/claude-v2'],
      capabilities: ['tools'],
    });
    expect(decision.model).toBe('openai/gpt-4-1106-preview');
    expect(decision.excluded).toEqual([
      expect.objectContaining({ model: 'anthropic/claude-v2', reason: 'MISSING_CAPABILITY' }),
    ]);
    const error = await routeError(router, {
      prompt: 'x',
      candidates: ['openai/gpt-4-1106-preview', 'anthropic/claude-v2'],
      maxCostUsd: 1e-9,
    });
    expect(error.code).toBe('NO_ELIGIBLE_ARM');
    const reasons = (error.details?.excluded as { reason: string }[]).map((e) => e.reason);
    expect(reasons).toEqual(['OVER_COST_CAP', 'OVER_COST_CAP']);
  });

  it('excludes models whose context window the prompt overflows', async () => {
    const router = makeRouter(priorArmPredictor());
    const long = 'word '.repeat(6000); // ~6,000 tokens: over Llama 2's 4,096, under GPT-4's 128k
    const decision = await router.route({
      prompt: long,
      candidates: ['meta/llama-2-70b-chat', 'openai/gpt-4-1106-preview'],
    });
    expect(decision.model).toBe('openai/gpt-4-1106-preview');
    expect(decision.excluded[0]).toMatchObject({
      model: 'meta/llama-2-70b-chat',
      reason: 'CONTEXT_WINDOW',
    });
  });

  it('filters on the observed latency SLO and skips disabled models', async () => {
    const file = structuredClone({ version: 1, models: catalog.models }) as unknown as {
      models: { id: string; disabled?: boolean }[];
    };
    for (const model of file.models) if (model.id === 'anthropic/claude-v1') model.disabled = true;
    const router = new Router({
      catalog: () => parseCatalog(file),
      embedder: new HashEmbedder(),
      predictor: priorArmPredictor(),
      rng: createRng(1),
      health: { latencyP95Ms: (model) => (model === 'anthropic/claude-v2' ? 9000 : undefined) },
    });
    const decision = await router.route({
      prompt: 'x',
      candidates: ['anthropic/*'],
      maxLatencyMs: 2000,
    });
    expect(decision.excluded.map((e) => [e.model, e.reason])).toEqual([
      ['anthropic/claude-v1', 'DISABLED'],
      ['anthropic/claude-v2', 'OVER_LATENCY_SLO'],
    ]);
  });
});

describe('routing text and patterns', () => {
  it('embeds a short latest turn with the end of the conversation, never a system message', () => {
    const text = routingText({
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: `${'word '.repeat(1000)}last words of the answer` },
        { role: 'user', content: [{ type: 'text', text: 'Port it to Rust.' }] },
      ],
    });
    expect(text.endsWith('\nPort it to Rust.')).toBe(true);
    expect(text).not.toContain('terse');
    expect(text).toContain('last words of the answer');
    expect(text.length).toBeLessThanOrEqual(ROUTING_WINDOW_CHARS);
    // The context starts at a word, not inside one.
    expect(text.startsWith('word ')).toBe(true);
  });

  it('embeds a chat with a system message as the bare prompt', () => {
    const system = 'You are the assistant of a productivity app. '.repeat(20);
    for (const question of [
      'What is the capital of France?',
      'Prove that sqrt(2) is irrational.',
    ]) {
      expect(
        routingText({
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: question },
          ],
        }),
      ).toBe(routingText({ prompt: question }));
    }
  });

  it('fills a turn up to the window with context: less the longer it is, none from the window on', () => {
    const history = [
      { role: 'user' as const, content: 'earlier question' },
      { role: 'assistant' as const, content: 'an earlier answer '.repeat(50) },
    ];
    const at = (latest: string): string =>
      routingText({ messages: [...history, { role: 'user', content: latest }] });
    const short = 'and in Rust?';
    expect(at(short).length).toBeLessThanOrEqual(ROUTING_WINDOW_CHARS);
    expect(at(short).length).toBeGreaterThan(ROUTING_WINDOW_CHARS / 2);
    expect(at(short).endsWith(`\n${short}`)).toBe(true);
    const medium = 'x'.repeat(ROUTING_WINDOW_CHARS - 40);
    expect(at(medium).length).toBeLessThanOrEqual(ROUTING_WINDOW_CHARS);
    expect(at(medium).length).toBeGreaterThan(medium.length);
    const long = 'y'.repeat(ROUTING_WINDOW_CHARS);
    expect(at(long)).toBe(long);
  });

  it('routes pasted material by the request around it, as a prompt and as a chat turn', () => {
    const material =
      'The staging database ran out of disk twice last week, so Tom added an alert. '.repeat(6);
    const ask = 'Summarize the notes above in one sentence.';
    const pasted = `${material}\n\n${ask}`;
    expect(routingText({ prompt: pasted })).toBe(ask);
    // As the latest turn of a chat: the request, not the earlier turns.
    expect(
      routingText({
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'Hello! How can I help?' },
          { role: 'user', content: pasted },
        ],
      }),
    ).toBe(ask);
    // The same request alone: routed alike.
    expect(routingText({ prompt: ask })).toBe(routingText({ prompt: pasted }));
  });

  it('matches ids, aliases and wildcards case-insensitively', () => {
    const model = {
      id: 'mistralai/mixtral-8x7b-instruct-v0.1',
      aliases: ['mistralai/mixtral-8x7b-chat'],
    };
    expect(matchesPattern('mistralai/*', model)).toBe(true);
    expect(matchesPattern('MISTRALAI/MIXTRAL-8X7B-CHAT', model)).toBe(true);
    expect(matchesPattern('*-chat', model)).toBe(true);
    expect(matchesPattern('openai/*', model)).toBe(false);
    expect(matchesPattern('mistralai/mixtral', model)).toBe(false);
  });
});
