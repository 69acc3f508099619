import { errorMessage } from '../core/index.js';
import { parseRetryAfter } from './cooldown.js';
import type { Scrubber } from './scrub.js';
import {
  SseSplitter,
  chunkFacts,
  eventData,
  firstEventProblem,
  parseJson,
  type ChunkFacts,
} from './sse.js';
import type { Upstream } from './upstream-config.js';

/**
 * Why an attempt failed in a way that moves on to the next model (the outcome's error_class).
 * `auth_error`: the upstream refused Arbiter's own credentials (401, 403, 407).
 */
export type FailureClass =
  'rate_limited' | 'server_error' | 'timeout' | 'connection_error' | 'auth_error';

/** Statuses that mean the upstream refused Arbiter's credentials, not the client's request. */
const AUTH_STATUSES: ReadonlySet<number> = new Set([401, 403, 407]);

/**
 * Upstream statuses that fail over: 401/403/407 (Arbiter's credentials: never passed back, since
 * their bodies can quote the key), 408, 409, 429 and every 5xx. Other 4xx go back to the client.
 */
export function failoverClass(status: number): FailureClass | undefined {
  if (AUTH_STATUSES.has(status)) return 'auth_error';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status === 409 || status >= 500) return 'server_error';
  return undefined;
}

/** One upstream call's result, classified. */
export type AttemptResult =
  | {
      readonly kind: 'json';
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
      readonly facts: ChunkFacts;
    }
  | {
      readonly kind: 'stream';
      readonly status: number;
      readonly contentType: string;
      /** Events up to and including the first one with data (leading comments kept). */
      readonly head: readonly string[];
      readonly rest: UpstreamEvents;
    }
  | {
      /** A 4xx that is not retried: passed back to the client as it is. */
      readonly kind: 'rejected';
      readonly status: number;
      readonly contentType: string;
      readonly body: string;
    }
  | {
      readonly kind: 'failed';
      readonly errorClass: FailureClass;
      readonly status?: number;
      readonly retryAfterMs?: number;
      readonly message: string;
    }
  | { readonly kind: 'aborted' };

/** Options of {@link callUpstream}. */
export interface CallOptions {
  readonly upstream: Upstream;
  /** The JSON request body (model already set to the upstream's name). */
  readonly body: string;
  /** Until the whole JSON body or the first SSE data event, ms. */
  readonly timeoutMs: number;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Largest body read, bytes. */
  readonly maxBytes: number;
  /** Wall time, ms (for HTTP-date `retry-after`). */
  readonly nowMs: number;
  /** Removes upstream credentials from every body, event and message that comes back. */
  readonly scrub: Scrubber;
}

/** Call one upstream; never throws for upstream or network failures (they come back classified). */
export async function callUpstream(options: CallOptions): Promise<AttemptResult> {
  const control = new AttemptControl(options.signal, options.timeoutMs);
  let handedOver = false;
  try {
    const response = await fetch(`${options.upstream.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(options.upstream.apiKey === undefined
          ? {}
          : { authorization: `Bearer ${options.upstream.apiKey}` }),
      },
      body: options.body,
      signal: control.signal,
      redirect: 'error',
    });
    const contentType = response.headers.get('content-type') ?? 'application/json';
    const { scrub } = options;
    if (!response.ok) {
      const body = scrub(await readText(response.body, options.maxBytes));
      const errorClass = failoverClass(response.status);
      if (errorClass === undefined) {
        return { kind: 'rejected', status: response.status, contentType, body };
      }
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? parseRetryAfter(response.headers, options.nowMs)
          : undefined;
      return {
        kind: 'failed',
        errorClass,
        status: response.status,
        message: `upstream answered ${response.status}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    if (!contentType.toLowerCase().includes('text/event-stream')) {
      const body = scrub(await readText(response.body, options.maxBytes));
      const parsed = parseJson(body);
      if (parsed === undefined) {
        return {
          kind: 'failed',
          errorClass: 'server_error',
          status: response.status,
          message: 'upstream body is not JSON',
        };
      }
      return {
        kind: 'json',
        status: response.status,
        contentType,
        body,
        facts: chunkFacts(parsed),
      };
    }
    if (response.body === null) {
      return { kind: 'failed', errorClass: 'server_error', message: 'upstream stream has no body' };
    }
    const events = new UpstreamEvents(response.body, control, {
      scrub,
      maxEventBytes: options.maxBytes,
    });
    const head = await events.head();
    if (!head.ok) return { kind: 'failed', errorClass: 'server_error', message: head.message };
    handedOver = true;
    return {
      kind: 'stream',
      status: response.status,
      contentType,
      head: head.events,
      rest: events,
    };
  } catch (error: unknown) {
    if (control.clientGone) return { kind: 'aborted' };
    if (error instanceof BodyTooLargeError) {
      return { kind: 'failed', errorClass: 'server_error', message: error.message };
    }
    if (error instanceof StreamFailure && error.errorClass !== 'client_closed') {
      return { kind: 'failed', errorClass: error.errorClass, message: error.message };
    }
    return {
      kind: 'failed',
      errorClass: control.timedOut ? 'timeout' : 'connection_error',
      message: control.timedOut
        ? `no answer within ${options.timeoutMs} ms`
        : options.scrub(errorMessage(error)),
    };
  } finally {
    if (!handedOver) control.dispose();
  }
}

/** One attempt's abort wiring: the client's signal plus a timer that can be re-armed. */
export class AttemptControl {
  private readonly controller = new AbortController();
  private readonly parent: AbortSignal;
  private readonly onParentAbort = (): void => {
    this.clientGone = true;
    this.controller.abort();
  };
  private timer: NodeJS.Timeout | undefined;
  /** The timer fired (timeout), as opposed to the client leaving. */
  timedOut = false;
  clientGone = false;

  constructor(parent: AbortSignal, timeoutMs: number) {
    this.parent = parent;
    if (parent.aborted) this.onParentAbort();
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.arm(timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** (Re)start the timer. */
  arm(timeoutMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeoutMs);
  }

  /** Stop the timer and the listener; abort the call if it is still open. */
  dispose(): void {
    clearTimeout(this.timer);
    this.parent.removeEventListener('abort', this.onParentAbort);
    this.controller.abort();
  }
}

/** A stream failure after the client has the first event. */
export class StreamFailure extends Error {
  readonly errorClass: FailureClass | 'client_closed';

  constructor(errorClass: FailureClass | 'client_closed', message: string) {
    super(message);
    this.name = 'StreamFailure';
    this.errorClass = errorClass;
  }
}

/** Limits of one forwarded stream after its first event. */
export interface StreamLimits {
  /** Longest silence between events, ms. */
  readonly idleTimeoutMs: number;
  /** Monotonic ms after which the stream is cut off however lively it is (total cap). */
  readonly endsAtMs: number;
  /** The total cap, ms (for the message). */
  readonly maxMs: number;
  /** Monotonic time, ms. */
  readonly now: () => number;
}

/** The events of an upstream SSE body, read with a first-event timeout and then an idle timeout. */
export class UpstreamEvents {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly control: AttemptControl;
  private readonly decoder = new TextDecoder();
  private readonly splitter = new SseSplitter();
  private readonly pending: string[] = [];
  private readonly scrub: Scrubber;
  private readonly maxEventBytes: number;
  private ended = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    control: AttemptControl,
    options: { readonly scrub: Scrubber; readonly maxEventBytes: number },
  ) {
    this.reader = body.getReader();
    this.control = control;
    this.scrub = options.scrub;
    this.maxEventBytes = options.maxEventBytes;
  }

  /**
   * Read until the first event with data. Fails (so the caller fails over) for an empty stream, an
   * error event, a malformed event or a first data payload that is not a JSON completion chunk.
   */
  async head(): Promise<{ ok: true; events: string[] } | { ok: false; message: string }> {
    const events: string[] = [];
    for (;;) {
      const next = await this.nextEvent();
      if (next === undefined)
        return { ok: false, message: 'upstream stream ended before any data' };
      events.push(next);
      const problem = firstEventProblem(next);
      if (problem !== undefined) return { ok: false, message: problem };
      if (eventData(next) === undefined) continue;
      return { ok: true, events };
    }
  }

  /**
   * The remaining events; throws {@link StreamFailure} when the upstream fails, falls silent for
   * `idleTimeoutMs`, runs past its total cap or the client leaves. Always releases the upstream
   * connection.
   */
  async *remaining(limits: StreamLimits): AsyncGenerator<string> {
    try {
      for (;;) {
        const left = limits.endsAtMs - limits.now();
        if (left <= 0) throw capExceeded(limits.maxMs);
        this.control.arm(Math.max(1, Math.min(limits.idleTimeoutMs, left)));
        let next: string | undefined;
        try {
          next = await this.nextEvent();
        } catch (error: unknown) {
          if (error instanceof StreamFailure) throw error;
          if (this.control.clientGone) throw new StreamFailure('client_closed', 'client closed');
          if (this.control.timedOut) {
            if (limits.now() >= limits.endsAtMs) throw capExceeded(limits.maxMs);
            throw new StreamFailure('timeout', `upstream silent for ${limits.idleTimeoutMs} ms`);
          }
          throw new StreamFailure('connection_error', this.scrub(errorMessage(error)));
        }
        if (next === undefined) return;
        yield next;
      }
    } finally {
      // Aborting the fetch releases the upstream connection, whether the stream ended or not.
      this.control.dispose();
    }
  }

  /** Close the upstream without reading further. */
  close(): void {
    this.control.dispose();
  }

  private async nextEvent(): Promise<string | undefined> {
    while (this.pending.length === 0) {
      if (this.ended) return undefined;
      const { done, value } = await this.reader.read();
      if (done) {
        this.ended = true;
        const rest = this.splitter.push(this.decoder.decode()).concat(this.splitter.rest());
        this.pending.push(...rest.filter((event) => event.trim() !== ''));
      } else {
        this.pending.push(...this.splitter.push(this.decoder.decode(value, { stream: true })));
        // An upstream that never ends its event would otherwise grow the buffer without bound.
        if (this.splitter.rest().length > this.maxEventBytes) {
          throw new StreamFailure(
            'server_error',
            `upstream event larger than ${this.maxEventBytes} bytes`,
          );
        }
      }
    }
    const event = this.pending.shift();
    return event === undefined ? undefined : this.scrub(event);
  }
}

function capExceeded(maxMs: number): StreamFailure {
  return new StreamFailure('timeout', `upstream stream ran past its ${maxMs} ms cap`);
}

class BodyTooLargeError extends Error {}

async function readText(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(`upstream body larger than ${maxBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
}
