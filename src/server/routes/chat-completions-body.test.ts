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
});
