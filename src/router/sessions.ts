import { sha256Hex, type Clock } from '../core/index.js';
import { LruCache } from '../embed/index.js';
import { DEFAULT_SESSION_SWITCH_PENALTY } from './controls.js';
import { messageText, type ChatMessage } from './request.js';

/** Options for {@link SessionPins}. */
export interface SessionPinsOptions {
  readonly clock: Clock;
  /** Sessions remembered. @default 100000 */
  readonly capacity?: number;
  /** A pin expires after this long without traffic, ms. @default 1 hour */
  readonly ttlMs?: number;
}

/**
 * Conversation pinning: a session keeps the model that served it while that model stays eligible
 * and healthy, unless another model's utility beats it by more than a switching penalty (a model
 * switch mid-conversation costs coherence and cache hits).
 */
export class SessionPins {
  private readonly pins: LruCache<string, { model: string; lastMs: number }>;
  private readonly clock: Clock;
  private readonly ttlMs: number;

  constructor(options: SessionPinsOptions) {
    this.pins = new LruCache(options.capacity ?? 100_000);
    this.clock = options.clock;
    this.ttlMs = options.ttlMs ?? 3_600_000;
  }

  /** The pinned model of a session, if any and fresh. */
  get(sessionKey: string): string | undefined {
    const pin = this.pins.get(sessionKey);
    if (pin === undefined || this.clock.now() - pin.lastMs > this.ttlMs) return undefined;
    return pin.model;
  }

  /** Pin (or re-pin) a session to a model. */
  set(sessionKey: string, model: string): void {
    this.pins.set(sessionKey, { model, lastMs: this.clock.now() });
  }
}

/**
 * The key a conversation is pinned under: the tenant plus the explicit session id, or, without one,
 * a fingerprint of the conversation's opening up to and including the first assistant reply to a
 * user turn (stable as the conversation grows). The reply is in the fingerprint because the opening
 * alone is shared by many conversations: an app's fixed system message followed by "hi", or a canned
 * greeting, would otherwise pin every such conversation to one model. Without such a reply, the
 * first two messages. Single-prompt requests without a session id are not pinned.
 */
export function sessionKey(options: {
  tenant: string;
  sessionId?: string;
  messages?: readonly ChatMessage[];
}): string | undefined {
  if (options.sessionId !== undefined) return `${options.tenant}:id:${options.sessionId}`;
  const messages = options.messages ?? [];
  if (messages.length < 3) return undefined; // a first turn: nothing to stay consistent with yet
  const firstUser = messages.findIndex((m) => m.role === 'user');
  const reply =
    firstUser < 0 ? -1 : messages.findIndex((m, i) => i > firstUser && m.role === 'assistant');
  const head = messages
    .slice(0, reply >= 0 && reply < messages.length - 1 ? reply + 1 : 2)
    .map((m) => `${m.role}\u0000${messageText(m)}`)
    .join('\u0001');
  return `${options.tenant}:fp:${sha256Hex(head)}`;
}

/** True when a session key comes from an explicit `session_id` (not a conversation fingerprint). */
export function isExplicitSession(key: string): boolean {
  // Tenants never contain ':' (schema), so the kind follows the first one.
  return key.slice(key.indexOf(':') + 1).startsWith('id:');
}

/**
 * How much better (in utility) another model must be to take a pinned session over. The tenant's
 * `session_switch_penalty` when it sets one. Otherwise an explicit `session_id` never switches for
 * utility: its model stays while it is eligible (each turn's prompt is routed alone, so predicted
 * utilities swing by far more than any small penalty from one turn to the next, and a caller who
 * names a session has asked for one model); a fingerprinted conversation switches past
 * {@link DEFAULT_SESSION_SWITCH_PENALTY}.
 */
export function sessionSwitchPenalty(key: string | undefined, tenantPenalty?: number): number {
  if (tenantPenalty !== undefined) return tenantPenalty;
  return key !== undefined && isExplicitSession(key)
    ? Number.POSITIVE_INFINITY
    : DEFAULT_SESSION_SWITCH_PENALTY;
}

/**
 * The quality threshold a pinned model must reach to be kept: this turn's floor for a fingerprinted
 * conversation, none for an explicit `session_id` (its caller asked for one model).
 */
export function sessionThreshold(
  key: string | undefined,
  threshold: number | undefined,
): number | undefined {
  return key !== undefined && isExplicitSession(key) ? undefined : threshold;
}

/**
 * Index of the arm a pinned session should use: the pinned model's, unless the best arm beats it by
 * more than `penalty`, or unless it falls below `threshold` (the quality floor in quality units, for
 * a fingerprinted conversation: a turn that needs a stronger model gets one); -1 when the pinned model
 * is not among the eligible arms or is under the threshold.
 */
export function pinnedIndex(
  arms: readonly { model: string; score: number; predictedQuality?: number }[],
  pinned: string,
  penalty: number,
  threshold?: number,
): number {
  const index = arms.findIndex((arm) => arm.model === pinned);
  if (index < 0) return -1;
  const best = arms[0];
  const kept = arms[index];
  if (best === undefined || kept === undefined) return -1;
  if (threshold !== undefined && (kept.predictedQuality ?? 0) < threshold) return -1;
  return best.score - kept.score > penalty ? 0 : index;
}
