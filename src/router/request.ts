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
 * Characters of earlier turns kept as context for a multi-turn request. The router embeds the latest
 * user turn plus at most this much of what came just before it, so a long history neither dominates
 * the embedding nor costs embedding time.
 */
export const CONTEXT_CHARS = 1000;

/** Plain text of one message's content. */
export function messageText(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => part.text ?? '')
    .filter((text) => text.length > 0)
    .join('\n');
}

/**
 * The text the router embeds: the prompt, or the latest user turn preceded by up to
 * {@link CONTEXT_CHARS} characters of the turns before it.
 */
export function routingText(request: Pick<RouteRequest, 'prompt' | 'messages'>): string {
  if (request.prompt !== undefined) return request.prompt;
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
  const before = messages
    .slice(0, last)
    .map((message) => `${message.role}: ${messageText(message)}`)
    .join('\n');
  const context =
    before.length > CONTEXT_CHARS ? before.slice(before.length - CONTEXT_CHARS) : before;
  return context.length > 0 ? `${context}\n${latest}` : latest;
}

/** Every character the model will read (for token counting against the context window). */
export function fullPromptText(request: Pick<RouteRequest, 'prompt' | 'messages'>): string {
  if (request.prompt !== undefined) return request.prompt;
  return (request.messages ?? []).map(messageText).join('\n');
}
