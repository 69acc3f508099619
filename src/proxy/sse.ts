/**
 * Server-sent events as OpenAI-compatible chat APIs write them (WHATWG HTML §9.2 event stream):
 * events end with a blank line, payload lines start with `data:`, the stream ends with
 * `data: [DONE]`. The proxy forwards whole events only, so an upstream that dies mid-event never
 * leaves half an event in front of the error event it is replaced by.
 */

const EVENT_END = /\r\n\r\n|\n\n|\r\r/u;

/** Cuts a text stream into complete events (each returned without its terminating blank line). */
export class SseSplitter {
  private buffer = '';

  /** Add text; returns the events it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    for (;;) {
      const match = EVENT_END.exec(this.buffer);
      if (match === null) break;
      events.push(this.buffer.slice(0, match.index));
      this.buffer = this.buffer.slice(match.index + match[0].length);
    }
    return events;
  }

  /** Text after the last complete event (an event the upstream did not terminate). */
  rest(): string {
    return this.buffer;
  }
}

/** The joined `data:` lines of one event, or undefined for a comment/keep-alive-only event. */
export function eventData(event: string): string | undefined {
  const lines = event
    .split(/\r\n|\n|\r/u)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  return lines.length === 0 ? undefined : lines.join('\n');
}

/** Field names an SSE line may carry (WHATWG HTML §9.2.6); a line starting with `:` is a comment. */
const SSE_FIELDS: ReadonlySet<string> = new Set(['data', 'event', 'id', 'retry']);

/**
 * Why an event seen before the stream's first data event makes the stream unusable (the proxy then
 * fails over instead of committing the client to it), or undefined when it is fine: a line that is
 * neither a comment nor a known field, an `error` event, `[DONE]` before any chunk, or a first data
 * payload that is not a JSON object or is an error object.
 */
export function firstEventProblem(event: string): string | undefined {
  for (const line of event.split(/\r\n|\n|\r/u)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (!SSE_FIELDS.has(field)) return 'upstream stream began with a malformed event';
    if (field === 'event' && line.slice(colon + 1).trim() === 'error') {
      return 'upstream stream began with an error event';
    }
  }
  const data = eventData(event);
  if (data === undefined) return undefined;
  if (data === '[DONE]') return 'upstream stream ended before any data';
  const parsed = parseJson(data);
  if (!isRecord(parsed)) return 'upstream stream began with an event that is not a JSON chunk';
  if (chunkFacts(parsed).isError) return 'upstream stream began with an error event';
  return undefined;
}

/** Token usage as an upstream reports it. */
export interface UpstreamUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What one parsed chunk or response body says about usage, generated text and errors. */
export interface ChunkFacts {
  readonly usage?: UpstreamUsage;
  /** Generated text (content, refusal, tool-call arguments) for counting tokens without usage. */
  readonly text: string;
  /** The body is an error object (`{ "error": ... }`) rather than a completion. */
  readonly isError: boolean;
}

/**
 * Usage, generated text and error flag of a chat-completions body or stream chunk (`message` in
 * a response, `delta` in a chunk). Tolerant: unknown shapes give empty facts.
 */
export function chunkFacts(value: unknown): ChunkFacts {
  if (!isRecord(value)) return { text: '', isError: false };
  const parts: string[] = [];
  const choices = Array.isArray(value['choices']) ? (value['choices'] as unknown[]) : [];
  for (const choice of choices) {
    if (!isRecord(choice)) continue;
    const message = isRecord(choice['delta'])
      ? choice['delta']
      : isRecord(choice['message'])
        ? choice['message']
        : undefined;
    if (message === undefined) continue;
    for (const field of ['content', 'refusal', 'reasoning_content']) {
      const text = message[field];
      if (typeof text === 'string') parts.push(text);
    }
    const calls = Array.isArray(message['tool_calls']) ? (message['tool_calls'] as unknown[]) : [];
    for (const call of calls) {
      if (!isRecord(call) || !isRecord(call['function'])) continue;
      const { name, arguments: args } = call['function'];
      if (typeof name === 'string') parts.push(name);
      if (typeof args === 'string') parts.push(args);
    }
  }
  const usage = value['usage'];
  const input = isRecord(usage) ? usage['prompt_tokens'] : undefined;
  const output = isRecord(usage) ? usage['completion_tokens'] : undefined;
  return {
    text: parts.join(''),
    isError: value['error'] !== undefined && value['error'] !== null,
    ...(isCount(input) && isCount(output)
      ? { usage: { inputTokens: input, outputTokens: output } }
      : {}),
  };
}

/** Parse JSON without throwing; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
