import { describe, expect, it } from 'vitest';
import { toChatRouteRequest, type ChatCompletionsRequest } from './chat-completions-body.js';

describe('proxy routing options', () => {
  it("passes Arbiter's options, quality_floor included, to the one decision rule", () => {
    const body = {
      model: 'auto',
      messages: [{ role: 'user', content: 'Hi' }],
      arbiter: { tradeoff: 3, quality_floor: 0.9, max_cost_usd: 0.01 },
    } as unknown as ChatCompletionsRequest;
    const request = toChatRouteRequest(body, undefined, ['openai/*']);
    expect(request).toMatchObject({
      tradeoff: 3,
      qualityFloor: 0.9,
      maxCostUsd: 0.01,
      candidates: ['openai/*'],
    });
  });

  it("caps the route's output at max_completion_tokens, else max_tokens", () => {
    const body = (extra: Record<string, unknown>): ChatCompletionsRequest =>
      ({
        model: 'auto',
        messages: [{ role: 'user', content: 'Hi' }],
        ...extra,
      }) as unknown as ChatCompletionsRequest;
    expect(toChatRouteRequest(body({ max_tokens: 50 }), undefined, []).maxOutputTokens).toBe(50);
    expect(
      toChatRouteRequest(body({ max_tokens: 50, max_completion_tokens: 80 }), undefined, [])
        .maxOutputTokens,
    ).toBe(80);
    expect(toChatRouteRequest(body({ max_tokens: null }), undefined, []).maxOutputTokens).toBe(
      undefined,
    );
  });
});
