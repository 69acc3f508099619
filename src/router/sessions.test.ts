import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { createRng } from '../core/index.js';
import { HashEmbedder } from '../embed/index.js';
import { priorArmPredictor, type ArmPredictor } from './arm-predictor.js';
import { DEFAULT_SESSION_SWITCH_PENALTY } from './controls.js';
import type { RouteRequest } from './request.js';
import { Router } from './router.js';
import { SessionPins, isExplicitSession, sessionKey, sessionSwitchPenalty } from './sessions.js';
import type { TenantPolicy } from './tenant-policy.js';

const catalog = loadCatalog();
const A = 'openai/gpt-4-1106-preview';
const B = 'anthropic/claude-v2';
const C = 'mistralai/mixtral-8x7b-instruct-v0.1';

/** Each turn's prompt favours another model by far more than the default switch penalty. */
function turnPredictor(favourite: { current: string }): ArmPredictor {
  const prior = priorArmPredictor();
  return {
    version: 'turns@1',
    dimension: 64,
    estimate: (embedding, models) =>
      prior.estimate(embedding, models).map((estimate, i) => {
        const id = models[i]?.id ?? '';
        if (![A, B, C].includes(id)) return { ...estimate, quality: 0.1 };
        return {
          ...estimate,
          quality: id === favourite.current ? 0.95 : 0.6,
          outputTokens: 10,
          source: 'predictor' as const,
        };
      }),
  };
}

function makeRouter(favourite: { current: string }, policy: TenantPolicy = {}): Router {
  const clock = { now: () => 1_700_000_000_000 };
  return new Router({
    catalog: () => catalog,
    embedder: new HashEmbedder(),
    predictor: turnPredictor(favourite),
    rng: createRng(3),
    clock,
    controls: { sessions: new SessionPins({ clock }), policyFor: () => policy },
  });
}

async function turns(
  router: Router,
  favourite: { current: string },
  requests: readonly (RouteRequest & { favourite: string })[],
): Promise<{ model: string; pinned: boolean }[]> {
  const out: { model: string; pinned: boolean }[] = [];
  for (const { favourite: next, ...request } of requests) {
    favourite.current = next;
    const decision = await router.route({ candidates: [A, B, C], tradeoff: 10, ...request });
    out.push({ model: decision.model, pinned: decision.sessionPinned });
  }
  return out;
}

describe('session pinning', () => {
  it('an explicit session_id keeps its model across turns that each favour another model', async () => {
    const favourite = { current: A };
    const router = makeRouter(favourite);
    const result = await turns(router, favourite, [
      { prompt: 'Hi, can you help me?', sessionId: 'S1', favourite: A },
      { prompt: 'Write a merge sort in Python.', sessionId: 'S1', favourite: B },
      { prompt: 'Prove sqrt(2) is irrational.', sessionId: 'S1', favourite: C },
    ]);
    expect(result).toEqual([
      { model: A, pinned: false },
      { model: A, pinned: true },
      { model: A, pinned: true },
    ]);
  });

  it('an explicit session moves on when its model is no longer eligible, then pins the new one', async () => {
    const favourite = { current: A };
    const router = makeRouter(favourite);
    const result = await turns(router, favourite, [
      { prompt: 'one', sessionId: 'S2', favourite: A },
      { prompt: 'two', sessionId: 'S2', favourite: B, exclude: [A] },
      { prompt: 'three', sessionId: 'S2', favourite: C },
    ]);
    expect(result.map((turn) => turn.model)).toEqual([A, B, B]);
    expect(result[2]?.pinned).toBe(true);
  });

  it("a tenant's session_switch_penalty lets a much better model take an explicit session over", async () => {
    const favourite = { current: A };
    const router = makeRouter(favourite, { session_switch_penalty: 0.1 });
    const result = await turns(router, favourite, [
      { prompt: 'one', sessionId: 'S3', favourite: A },
      { prompt: 'two', sessionId: 'S3', favourite: B },
    ]);
    expect(result.map((turn) => turn.model)).toEqual([A, B]);
  });

  it('a fingerprinted conversation leaves its model when a turn puts it under the quality floor', async () => {
    // At the served knob the rule pays almost nothing for quality (the floor does that work), so by
    // utility alone a conversation pinned to the cheapest model would never move up. A tenant
    // penalty no utility gap reaches stands in for that here.
    const favourite = { current: C };
    const router = makeRouter(favourite, { session_switch_penalty: 100 });
    const system = { role: 'system' as const, content: 'You are the assistant of an app.' };
    const opening = [
      system,
      { role: 'user' as const, content: 'hi' },
      { role: 'assistant' as const, content: 'Hello! What can I do for you?' },
    ];
    const route = async (next: string, content: string): Promise<[string, boolean]> => {
      favourite.current = next;
      const decision = await router.route({
        candidates: [A, B, C],
        messages: [...opening, { role: 'user', content }],
      });
      return [decision.model, decision.sessionPinned];
    };
    favourite.current = C;
    const first = await router.route({ candidates: [A, B, C], messages: opening.slice(0, 2) });
    expect(first.model).toBe(C);
    // Two more turns on which the cheap model still reaches the floor: pinned, then kept.
    expect(await route(C, 'thanks')).toEqual([C, false]);
    expect(await route(C, 'thanks again')).toEqual([C, true]);
    // A turn on which C is predicted far below the best model: it moves to the best.
    expect(await route(A, 'now prove it')).toEqual([A, false]);
    // An explicit session_id keeps its model all the same (the caller asked for one model).
    favourite.current = C;
    await router.route({ candidates: [A, B, C], prompt: 'hi', sessionId: 'S9' });
    favourite.current = A;
    const kept = await router.route({
      candidates: [A, B, C],
      prompt: 'now prove it',
      sessionId: 'S9',
    });
    expect([kept.model, kept.sessionPinned]).toEqual([C, true]);
  });

  it('fingerprints a conversation through its first reply, so shared openings do not share a pin', () => {
    const system = { role: 'system' as const, content: 'You are the assistant of an app.' };
    const user = { role: 'user' as const, content: 'hi' };
    const key = (reply: string, ...more: { role: 'user' | 'assistant'; content: string }[]) =>
      sessionKey({
        tenant: 't',
        messages: [system, user, { role: 'assistant', content: reply }, ...more],
      });
    const a = key('Hello! How can I help?', { role: 'user', content: 'q1' });
    const b = key('Hi there, what do you need?', { role: 'user', content: 'q1' });
    expect(a).toBeDefined();
    expect(b).not.toBe(a);
    // Stable as the conversation grows.
    expect(
      key(
        'Hello! How can I help?',
        { role: 'user', content: 'q1' },
        { role: 'assistant', content: 'a1' },
        { role: 'user', content: 'q2' },
      ),
    ).toBe(a);
    // No reply yet (two user turns in a row): the first two messages.
    expect(
      sessionKey({ tenant: 't', messages: [system, user, { role: 'user', content: 'x' }] }),
    ).toBe(sessionKey({ tenant: 't', messages: [system, user, { role: 'user', content: 'y' }] }));
  });

  it('a fingerprinted conversation switches past the default penalty', () => {
    const fingerprint = sessionKey({
      tenant: 't',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    });
    expect(fingerprint).toBeDefined();
    expect(isExplicitSession(fingerprint ?? '')).toBe(false);
    expect(sessionSwitchPenalty(fingerprint)).toBe(DEFAULT_SESSION_SWITCH_PENALTY);
    expect(isExplicitSession('t:id:fp:x')).toBe(true);
    expect(sessionSwitchPenalty('t:id:x')).toBe(Number.POSITIVE_INFINITY);
    expect(sessionSwitchPenalty('t:id:x', 0.2)).toBe(0.2);
  });
});
