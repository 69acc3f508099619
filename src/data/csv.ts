import { RouterError } from '../core/index.js';

/** Options for {@link parseCsv}. */
export interface ParseCsvOptions {
  /** File name used in error details. @default '<inline>' */
  readonly source?: string;
  /** Field separator (one character). @default ',' */
  readonly delimiter?: string;
}

/** A parsed CSV: the header row and the data rows, each with the 1-based line its record starts on. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly CsvRow[];
}

/** One CSV record. */
export interface CsvRow {
  /** 1-based line number where the record starts (records may span lines). */
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * RFC 4180 CSV parser: quoted fields may hold the delimiter, CR/LF line breaks and doubled quotes
 * (`""` → `"`); records end at CRLF, LF or CR; a UTF-8 BOM is skipped; a final line break is optional.
 * Lenient where real files are: a quote inside an unquoted field is kept as a literal character.
 * Throws DATA_INVALID for a quoted field that never closes or text after a closing quote.
 */
export function parseCsvRecords(text: string, options: ParseCsvOptions = {}): CsvRow[] {
  const source = options.source ?? '<inline>';
  const delimiter = options.delimiter ?? ',';
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let atFieldStart = true;
  const endRecord = (): void => {
    fields.push(field);
    rows.push({ line: recordLine, fields });
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (atFieldStart && ch === '"') {
      // Quoted field: read to the closing quote, keeping line breaks and un-doubling quotes.
      const openLine = line;
      i++;
      let closed = false;
      while (i < text.length) {
        const inner = text[i] as string;
        if (inner === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          closed = true;
          i++;
          break;
        }
        if (inner === '\n' || (inner === '\r' && text[i + 1] !== '\n')) line++;
        field += inner;
        i++;
      }
      if (!closed) {
        throw new RouterError('DATA_INVALID', `${source}:${openLine}: unterminated quoted field`, {
          details: { file: source, line: openLine, reason: 'unterminated quote' },
        });
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        throw new RouterError('DATA_INVALID', `${source}:${line}: text after a closing quote`, {
          details: { file: source, line, reason: 'text after closing quote' },
        });
      }
      atFieldStart = false;
      continue;
    }
    if (ch === delimiter) {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    atFieldStart = false;
    i++;
  }
  // A final record without a trailing line break (an empty last line is not a record).
  if (!atFieldStart || field.length > 0 || fields.length > 0) endRecord();
  return rows;
}

/** Parse CSV text whose first record is the header; every row must have the header's width. */
export function parseCsv(text: string, options: ParseCsvOptions = {}): CsvTable {
  const source = options.source ?? '<inline>';
  const records = parseCsvRecords(text, options);
  const first = records[0];
  if (first === undefined) {
    throw new RouterError('DATA_INVALID', `${source}: empty CSV (no header)`, {
      details: { file: source, line: 1, reason: 'empty file' },
    });
  }
  const width = first.fields.length;
  // A blank line is one empty field: skip it rather than fail the width check.
  const rows = records
    .slice(1)
    .filter((row) => width === 1 || row.fields.length !== 1 || row.fields[0] !== '');
  for (const row of rows) {
    if (row.fields.length !== width) {
      throw new RouterError(
        'DATA_INVALID',
        `${source}:${row.line}: expected ${width} fields, found ${row.fields.length}`,
        { details: { file: source, line: row.line, reason: 'field count' } },
      );
    }
  }
  return { header: first.fields, rows };
}

/** Index of a required header column; DATA_INVALID names the file and the missing column. */
export function columnIndex(table: CsvTable, name: string, source = '<inline>'): number {
  const index = table.header.indexOf(name);
  if (index < 0) {
    throw new RouterError('DATA_INVALID', `${source}: missing column "${name}"`, {
      details: { file: source, line: 1, reason: 'missing column', column: name },
    });
  }
  return index;
}
