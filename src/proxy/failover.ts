import type { CatalogModel } from '../catalog/index.js';
import type { Clock } from '../core/index.js';
import { countTokens, estimateCost } from '../tokens/index.js';
import type { CooldownTracker } from './cooldown.js';
import type { Scrubber } from './scrub.js';
import { chunkFacts, eventData, parseJson, type UpstreamUsage } from './sse.js';
import {
  StreamFailure,
  callUpstream,
  type FailureClass,
  type UpstreamEvents,
} from './upstream-call.js';
import type { ProxySettings, Upstream } from './upstream-config.js';

/** One model of the fallback order, with the upstream that serves it. */
export interface ProxyCandidate {
  readonly model: CatalogModel;
  readonly upstream: Upstream;
  /** The model name the upstream knows. */
  readonly upstreamModel: string;
  /** Prompt tokens the router counted with this model's tokenizer (used when no usage comes back). */
  readonly inputTokens: number;
}

/** What one attempt cost and how it ended; the caller records it as an outcome. */
export interface AttemptOutcome {
  /** 1-based attempt number. */
  readonly attempt: number;
  readonly model: string;
  /** Null for an answer (also one the client stopped reading). */
  readonly errorClass: FailureClass | null;
  /** Upstream HTTP status, when one came back. */
  readonly status?: number;
  /** Attempt start to the last byte, ms; absent when the client left mid-stream. */
  readonly latencyMs?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** From the catalog prices, USD. */
  readonly costUsd?: number;
}

/** A failed attempt, in the failure summary. */
export interface AttemptFailure {
  readonly model: string;
  readonly errorClass: FailureClass;
  readonly status?: number;
  /** Attempt start to its failure, ms. */
  readonly latencyMs: number;
}

/**
 * How long a model whose upstream refused Arbiter's credentials (401/403/407) is left out of
 * routing, ms (capped by the configured maximum cooldown): a bad key is an operator's fix, so
 * retrying it on every request would only add latency.
 */
export const AUTH_FAILURE_COOLDOWN_MS = 60_000;

/** How forwarding ended. `attempts` counts upstream calls made. */
export type ForwardResult =
  | {
      readonly kind: 'json' | 'rejected';
      readonly model: string;
      readonly attempts: number;
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
    }
  | {
      readonly kind: 'stream';
      readonly model: string;
      readonly attempts: number;
      readonly status: number;
      readonly contentType: string;
      /** Whole SSE events, each ending in a blank line; ends with an error event if the upstream fails. */
      readonly events: AsyncIterable<string>;
    }
  | {
      readonly kind: 'failed';
      readonly attempts: number;
      readonly failures: readonly AttemptFailure[];
      /** Why no further model was tried. */
      readonly reason: 'exhausted' | 'max_attempts' | 'deadline' | 'cooling_down';
      /** Shortest remaining cooldown among the models skipped for one, ms. */
      readonly retryAfterMs?: number;
    }
  | { readonly kind: 'aborted'; readonly attempts: number };

/** Options of {@link forward}. */
export interface ForwardOptions {
  /** The fallback order (the router's ranking, restricted to models with an upstream). */
  readonly candidates: readonly ProxyCandidate[];
  /** The request body to send, without `model` (set per candidate). */
  readonly body: Readonly<Record<string, unknown>>;
  readonly settings: ProxySettings;
  readonly cooldown: CooldownTracker;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Monotonic ms when the request arrived (the deadline's origin). */
  readonly startedMs: number;
  /** Monotonic time, ms. @default performance.now */
  readonly monotonic?: () => number;
  /** Wall time (HTTP-date `retry-after`). */
  readonly clock: Clock;
  /**
   * Called once per attempt when it ends (for a stream: when the stream ends). Not called for
   * attempts refused for Arbiter's credentials: they say nothing about the model.
   */
  readonly record: (outcome: AttemptOutcome) => void;
  /** Removes upstream credentials from anything that comes back. */
  readonly scrub: Scrubber;
  /** Operator warnings (an upstream refused Arbiter's credentials). @default none */
  readonly warn?: (message: string) => void;
}

/**
 * Try the candidates in order until one answers: 408/409/429, 5xx, connection errors, timeouts and
 * streams that fail before their first data event move on to the next model; other 4xx come back
 * as `rejected`. A model under a `retry-after` cooldown is skipped without a call.
 */
export async function forward(options: ForwardOptions): Promise<ForwardResult> {
  const now = options.monotonic ?? (() => performance.now());
  const { settings } = options;
  const failures: AttemptFailure[] = [];
  let attempts = 0;
  let cooling: number | undefined;
  let reason: 'exhausted' | 'max_attempts' | 'deadline' = 'exhausted';
  for (const candidate of options.candidates) {
    if (attempts >= settings.maxAttempts) {
      reason = 'max_attempts';
      break;
    }
    const left = settings.deadlineMs - (now() - options.startedMs);
    // Timers fire on a millisecond clock that can run up to ~1 ms behind performance.now(), so an
    // attempt cut at the deadline may leave a fraction of a millisecond: too little for another try.
    if (left < 1) {
      reason = 'deadline';
      break;
    }
    const id = candidate.model.id;
    const wait = options.cooldown.remainingMs(id);
    if (wait > 0) {
      cooling = Math.min(cooling ?? wait, wait);
      continue;
    }
    attempts += 1;
    const attempt = attempts;
    const started = now();
    const result = await callUpstream({
      upstream: candidate.upstream,
      body: JSON.stringify({ ...options.body, model: candidate.upstreamModel }),
      timeoutMs: Math.max(1, Math.min(settings.attemptTimeoutMs, left)),
      signal: options.signal,
      maxBytes: settings.maxResponseBytes,
      nowMs: options.clock.now(),
      scrub: options.scrub,
    });
    switch (result.kind) {
      case 'aborted':
        return { kind: 'aborted', attempts };
      case 'failed': {
        const latencyMs = now() - started;
        const status = result.status === undefined ? {} : { status: result.status };
        if (result.errorClass === 'auth_error') {
          // Arbiter's credentials, not the model: fail over, keep the model aside, tell the operator.
          options.cooldown.coolDown(id, AUTH_FAILURE_COOLDOWN_MS);
          options.warn?.(
            `upstream ${candidate.upstream.provider} refused Arbiter's credentials ` +
              `(${result.status ?? 'no status'}) for ${id}: check ARBITER_UPSTREAM_*_KEY`,
          );
        } else {
          if (result.retryAfterMs !== undefined) options.cooldown.coolDown(id, result.retryAfterMs);
          options.record({
            attempt,
            model: id,
            errorClass: result.errorClass,
            latencyMs,
            ...status,
          });
        }
        failures.push({ model: id, errorClass: result.errorClass, latencyMs, ...status });
        continue;
      }
      case 'rejected':
        // The request itself was refused: not the model's fault, so nothing is recorded.
        return { kind: 'rejected', model: id, attempts, ...pick(result) };
      case 'json': {
        const usage = result.facts.usage ?? counted(candidate, result.facts.text);
        options.record({
          attempt,
          model: id,
          errorClass: null,
          status: result.status,
          latencyMs: now() - started,
          ...usageFields(candidate.model, usage),
        });
        return { kind: 'json', model: id, attempts, ...pick(result) };
      }
      case 'stream':
        return {
          kind: 'stream',
          model: id,
          attempts,
          status: result.status,
          contentType: result.contentType,
          events: streamEvents({
            head: result.head,
            rest: result.rest,
            candidate,
            attempt,
            status: result.status,
            started,
            now,
            settings,
            record: options.record,
          }),
        };
    }
  }
  if (attempts === 0 && cooling !== undefined) {
    return { kind: 'failed', attempts, failures, reason: 'cooling_down', retryAfterMs: cooling };
  }
  // The soonest any tried or skipped model may be called again, as a hint for the client.
  for (const failure of failures) {
    const wait = options.cooldown.remainingMs(failure.model);
    if (wait > 0) cooling = Math.min(cooling ?? wait, wait);
  }
  return {
    kind: 'failed',
    attempts,
    failures,
    reason,
    ...(cooling === undefined ? {} : { retryAfterMs: cooling }),
  };
}

function pick(result: { status: number; contentType: string; body: string }) {
  return { status: result.status, contentType: result.contentType, body: result.body };
}

function counted(candidate: ProxyCandidate, text: string): UpstreamUsage {
  return {
    inputTokens: candidate.inputTokens,
    outputTokens: countTokens(text, candidate.model.tokenizer),
  };
}

function usageFields(model: CatalogModel, usage: UpstreamUsage) {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costUsd: estimateCost(model, usage),
  };
}

/** The SSE error event that ends a stream whose upstream failed after the first event. */
export function errorEvent(errorClass: FailureClass, message: string): string {
  const error = {
    code: 'UPSTREAM_FAILED',
    type: 'upstream_error',
    error_class: errorClass,
    message,
  };
  return `event: error\ndata: ${JSON.stringify({ error })}\n\n`;
}

async function* streamEvents(context: {
  readonly head: readonly string[];
  readonly rest: UpstreamEvents;
  readonly candidate: ProxyCandidate;
  readonly attempt: number;
  readonly status: number;
  readonly started: number;
  readonly now: () => number;
  readonly settings: ProxySettings;
  readonly record: (outcome: AttemptOutcome) => void;
}): AsyncGenerator<string> {
  const { candidate, settings } = context;
  let text = '';
  let usage: UpstreamUsage | undefined;
  let errorClass: FailureClass | null = null;
  let finished = false;
  const observe = (event: string): string => {
    const data = eventData(event);
    if (data !== undefined && data !== '[DONE]') {
      const facts = chunkFacts(parseJson(data));
      // Bounded: enough to count the tokens of any real completion.
      if (text.length < settings.maxResponseBytes) text += facts.text;
      usage = facts.usage ?? usage;
      if (facts.isError) errorClass = 'server_error';
    }
    return `${event}\n\n`;
  };
  try {
    for (const event of context.head) yield observe(event);
    const limits = {
      idleTimeoutMs: settings.streamIdleTimeoutMs,
      endsAtMs: context.started + settings.streamMaxMs,
      maxMs: settings.streamMaxMs,
      now: context.now,
    };
    for await (const event of context.rest.remaining(limits)) {
      yield observe(event);
    }
    finished = true;
  } catch (error: unknown) {
    if (!(error instanceof StreamFailure)) throw error;
    if (error.errorClass !== 'client_closed') {
      errorClass = error.errorClass;
      finished = true;
      yield errorEvent(error.errorClass, error.message);
    }
  } finally {
    context.rest.close();
    const tokens = usage ?? counted(candidate, text);
    context.record({
      attempt: context.attempt,
      model: candidate.model.id,
      errorClass,
      status: context.status,
      // A client that stopped reading says nothing about the model's latency.
      ...(finished ? { latencyMs: context.now() - context.started } : {}),
      ...usageFields(candidate.model, tokens),
    });
  }
}
