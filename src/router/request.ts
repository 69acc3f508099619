import { requestText, tailChars } from '../embed/request-text.js';

/** One chat message (OpenAI style). Content is plain text or an array of text parts. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string | readonly { readonly type: string; readonly text?: string }[];
}

/** A capability a request may require of its model. */
export type Capability = 'tools' | 'vision' | 'json';

/** What the router needs to decide, independent of HTTP. */
export interface RouteRequest {
  /** The prompt, or the chat messages (exactly one of the two). */
  readonly prompt?: string;
  readonly messages?: readonly ChatMessage[];
  /** Model ids or wildcard patterns (`anthropic/*`); all enabled catalog models when absent. */
  readonly candidates?: readonly string[];
  /** Model ids or wildcard patterns never to use for this request. */
  readonly exclude?: readonly string[];
  /** 0-10 slider; ignored when `willingnessToPay` is given. @default 5 */
  readonly tradeoff?: number;
  /** USD per unit of quality (see router/tradeoff.ts). */
  readonly willingnessToPay?: number;
  /** Per-request cost cap, USD (estimated cost must not exceed it). */
  readonly maxCostUsd?: number;
  /**
   * Most output tokens the answer may have (the caller's `max_tokens`): predicted output, hidden
   * reasoning included, is capped at it, and so are the cost estimates.
   */
  readonly maxOutputTokens?: number;
  /**
   * Quality floor in (0, 1]: choose the cheapest candidate predicted to reach this share of the best
   * candidate's predicted quality (instead of the utility trade-off).
   */
  readonly qualityFloor?: number;
  /** Latency SLO, ms: models whose observed p95 exceeds it are excluded. */
  readonly maxLatencyMs?: number;
  /** Capabilities the model must have. */
  readonly capabilities?: readonly Capability[];
  /** Tenant the decision is billed and isolated under. @default 'default' */
  readonly tenant?: string;
  readonly sessionId?: string;
}

/**
 * Characters of routing text a chat turn is filled up to with the end of the conversation before it.
 * A short turn ("Port it to Rust.", "And its population?") says little alone, so the end of the
 * conversation before it is embedded with it, up to this many characters in all; a turn of this
 * length or longer is embedded alone, so that earlier turns never outweigh a question that stands by
 * itself. Chosen on the hand-written dev conversations (training/dev/dev-conversations.jsonl, 49,
 * routed at the default knob): 47 reach the right tier with 100, 46 with 60, 45 with 150, 43 with
 * 200, 45 with no context at all, 41 with up to 300 characters of context and 40 with the rule before
 * (up to 1,000 characters of earlier turns, system messages included).
 */
export const ROUTING_WINDOW_CHARS = 100;

/** Plain text of one message's content. */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => part.text ?? '')
    .filter((text) => text.length > 0)
    .join('\n');
}

/**
 * The text the router embeds: the prompt, or the latest user turn, preceded, when it is shorter than
 * {@link ROUTING_WINDOW_CHARS}, by the end of the user and assistant turns before it, up to that many
 * characters in all.
 *
 * System messages are left out: they describe the application (persona, format, policies), not the
 * request, and a chat app sends the same one with every request. Embedded first, a system message
 * of a few hundred characters fills the encoder's window, and every request of the app embeds
 * alike: easy and hard questions get one prediction (`benchmarks/results/default-behaviour-system`).
 * They still count toward the prompt's tokens and cost ({@link fullPromptText}).
 *
 * A prompt or turn that pastes material (notes, an email, a log, a source file) around a short
 * request is routed by the request ({@link requestText}, which training and the benchmarks apply
 * to every prompt too).
 */
export function routingText(request: Pick<RouteRequest, 'prompt' | 'messages'>): string {
  if (request.prompt !== undefined) return requestText(request.prompt);
  const messages = request.messages ?? [];
  let last = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]?.role === 'user') {
      last = i;
      break;
    }
  }
  if (last < 0) return messages.map(messageText).join('\n');
  const latest = messageText(messages[last] as ChatMessage);
  // A turn that pastes material around a short request is routed by that request and the material
  // next to it (requestText), not by the turns before it.
  const asked = requestText(latest);
  if (asked !== latest) return asked;
  const budget = ROUTING_WINDOW_CHARS - latest.length - 1;
  if (budget <= 0) return latest;
  const before = messages
    .slice(0, last)
    .filter((message) => message.role !== 'system')
    .map((message) => `${message.role}: ${messageText(message)}`)
    .join('\n');
  return before.length > 0 ? `${tailChars(before, budget)}\n${latest}` : latest;
}

/** Every character the model will read (for token counting against the context window). */
export function fullPromptText(request: Pick<RouteRequest, 'prompt' | 'messages'>): string {
  if (request.prompt !== undefined) return request.prompt;
  return (request.messages ?? []).map(messageText).join('\n');
}
