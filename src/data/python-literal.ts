import { RouterError } from '../core/index.js';

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '0': '\0',
};

/**
 * Parse a Python `repr` of a list of strings (`['a', "b\\n"]`), as RouterBench stores prompts and
 * responses. Handles single/double quotes and the escapes Python's repr emits (\\n, \\t, \\xNN,
 * \\uNNNN, \\UNNNNNNNN, \\', \\", \\\\). A value that is not a list literal is returned as one item.
 */
export function parsePythonStringList(text: string, source = '<inline>'): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return [text];
  const items: string[] = [];
  let i = 1;
  const fail = (reason: string): never => {
    throw new RouterError('DATA_INVALID', `${source}: bad Python string list (${reason})`, {
      details: { file: source, reason },
    });
  };
  const skipSpace = (): void => {
    while (i < trimmed.length && /\s/u.test(trimmed[i] as string)) i++;
  };
  skipSpace();
  while (i < trimmed.length - 1) {
    const quote = trimmed[i];
    if (quote !== "'" && quote !== '"') fail(`expected a quote at ${i}`);
    i++;
    let value = '';
    for (;;) {
      if (i >= trimmed.length) fail('unterminated string');
      const ch = trimmed[i] as string;
      if (ch === quote) {
        i++;
        break;
      }
      if (ch !== '\\') {
        value += ch;
        i++;
        continue;
      }
      const next = trimmed[i + 1] ?? '';
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        value += simple;
        i += 2;
      } else if (next === 'x' || next === 'u' || next === 'U') {
        const width = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = trimmed.slice(i + 2, i + 2 + width);
        if (!/^[0-9a-fA-F]+$/u.test(hex) || hex.length !== width) fail(`bad \\${next} escape`);
        value += String.fromCodePoint(Number.parseInt(hex, 16));
        i += 2 + width;
      } else {
        // Python keeps unknown escapes verbatim.
        value += `\\${next}`;
        i += 2;
      }
    }
    items.push(value);
    skipSpace();
    if (trimmed[i] === ',') i++;
    skipSpace();
  }
  return items;
}
