import { describe, expect, it } from 'vitest';
import { RouterError } from '../core/index.js';
import { parseCsv, parseCsvRecords } from './csv.js';
import { parsePythonStringList } from './python-literal.js';

function caught(fn: () => unknown): RouterError | undefined {
  try {
    fn();
  } catch (error: unknown) {
    if (error instanceof RouterError) return error;
    throw error;
  }
  return undefined;
}

describe('parseCsvRecords (RFC 4180)', () => {
  it('handles quoted delimiters, doubled quotes and multi-line fields', () => {
    const rows = parseCsvRecords('a,b\n"x, y","say ""hi""\nline 2"\nlast,row');
    expect(rows.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nline 2'],
      ['last', 'row'],
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('accepts CRLF, CR, a BOM, empty fields and a trailing newline', () => {
    expect(parseCsvRecords('\uFEFFa,,c\r\n1,"",3\r4,5,6\n').map((r) => r.fields)).toEqual([
      ['a', '', 'c'],
      ['1', '', '3'],
      ['4', '5', '6'],
    ]);
  });

  it('keeps CRLF inside quotes and counts lines', () => {
    const rows = parseCsvRecords('"a\r\nb",c\r\nd,e');
    expect(rows[0]?.fields).toEqual(['a\r\nb', 'c']);
    expect(rows[1]?.line).toBe(3);
  });

  it('rejects an unterminated quote and text after a closing quote', () => {
    expect(caught(() => parseCsvRecords('a,"open\n', { source: 'f.csv' }))?.details?.['line']).toBe(1);
    expect(() => parseCsvRecords('"a"b,c')).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
  });
});

describe('parseCsv', () => {
  it('checks widths against the header and skips blank lines', () => {
    expect(parseCsv('a,b\n1,2\n\n3,4\n').rows.map((r) => r.fields)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    const error = caught(() => parseCsv('a,b\n1,2,3\n'));
    expect(error?.code).toBe('DATA_INVALID');
    expect(error?.details?.['line']).toBe(2);
    expect(() => parseCsv('')).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
  });
});

describe('parsePythonStringList', () => {
  it('decodes Python reprs', () => {
    expect(parsePythonStringList(`['it\\'s', "say \\"x\\"", 'a\\nb\\t\\\\ \\x41\\u00e9']`)).toEqual([
      "it's",
      'say "x"',
      'a\nb\t\\ Aé',
    ]);
    expect(parsePythonStringList('[]')).toEqual([]);
    expect(parsePythonStringList('plain text')).toEqual(['plain text']);
    expect(() => parsePythonStringList("['open]")).toThrow(expect.objectContaining({ code: 'DATA_INVALID' }));
  });
});
