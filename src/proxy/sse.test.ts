import { describe, expect, it } from 'vitest';
import { SseSplitter, chunkFacts, eventData } from './sse.js';

describe('SseSplitter', () => {
  it('returns whole events only, across chunk boundaries and line-ending styles', () => {
    const splitter = new SseSplitter();
    expect(splitter.push('data: {"a"')).toEqual([]);
    expect(splitter.push(':1}\n')).toEqual([]);
    expect(splitter.push('\ndata: x\r\n\r\n: ping\n\ndata: tail')).toEqual([
      'data: {"a":1}',
      'data: x',
      ': ping',
    ]);
    expect(splitter.rest()).toBe('data: tail');
  });

  it('joins data lines and ignores comments', () => {
    expect(eventData('event: x\ndata: a\ndata:b')).toBe('a\nb');
    expect(eventData(': keep-alive')).toBeUndefined();
  });
});

describe('chunkFacts', () => {
  it('collects generated text from deltas and messages, and usage when complete', () => {
    expect(
      chunkFacts({
        choices: [
          {
            delta: {
              content: 'Hi',
              tool_calls: [{ function: { name: 'f', arguments: '{"x":1}' } }],
            },
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 4 },
      }),
    ).toEqual({ text: 'Hif{"x":1}', isError: false, usage: { inputTokens: 3, outputTokens: 4 } });
    expect(chunkFacts({ choices: [{ message: { content: 'ok' } }], usage: null })).toEqual({
      text: 'ok',
      isError: false,
    });
    expect(chunkFacts({ error: { message: 'overloaded' } }).isError).toBe(true);
    expect(chunkFacts('nonsense')).toEqual({ text: '', isError: false });
  });
});
