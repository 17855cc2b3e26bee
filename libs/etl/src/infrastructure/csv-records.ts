/**
 * CSV records from lines, one bad record at a time. csv-parse stops at the first malformed
 * record, and a stray opening quote makes it swallow the rest of the file into one field; an
 * upload of a million rows must instead lose only the broken row. So records are assembled
 * here from physical lines (RFC 4180: quoted fields with `""` escapes may span lines), and a
 * quote still open after MAX_RECORD_LINES lines or MAX_RECORD_CHARS characters, or a record
 * spanning lines whose column count is wrong, is taken for a stray quote: its first line is
 * reported, and the lines after it are read again as records of their own.
 */
export const MAX_RECORD_LINES = 20;
export const MAX_RECORD_CHARS = 64 * 1024;

export type CsvRecord =
  | { line: number; fields: string[]; problem?: undefined }
  | { line: number; fields?: undefined; problem: string };

type Parsed = { fields: string[]; open: false; error?: string } | { open: true };

/** Splits one record's text into fields; `open` when a quoted field is not closed by its end. */
export function splitRecord(text: string, delimiter: string): Parsed {
  if (!text.includes('"')) return { fields: text.split(delimiter), open: false };
  const fields: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) return { open: true };
        if (text[q + 1] === '"') {
          value += text.slice(from, q + 1);
          i = from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) return { fields, open: false };
      if (text[i] !== delimiter)
        return {
          fields,
          open: false,
          error: `unexpected character after a closing quote at column ${fields.length}`,
        };
      i++;
    } else {
      // Unquoted: a quote inside is kept as a character (as csv-parse's relax_quotes does).
      const d = text.indexOf(delimiter, i);
      if (d === -1) {
        fields.push(text.slice(i));
        return { fields, open: false };
      }
      fields.push(text.slice(i, d));
      i = d + 1;
    }
    if (i === n) {
      fields.push('');
      return { fields, open: false };
    }
  }
}

/** Feeds physical lines (1-based numbers), yields records; `columns` is learnt from the first record (the header). */
export class CsvRecordAssembler {
  private pending: { line: number; lines: string[]; chars: number } | null = null;
  private columns = -1;

  constructor(private readonly delimiter: string) {}

  *push(text: string, line: number): Generator<CsvRecord> {
    if (!this.pending) {
      if (text.trim() === '') return;
      yield* this.start(text, line);
      return;
    }
    const p = this.pending;
    p.lines.push(text);
    p.chars += text.length + 1;
    const parsed = splitRecord(p.lines.join('\n'), this.delimiter);
    if (parsed.open) {
      if (p.lines.length < MAX_RECORD_LINES && p.chars < MAX_RECORD_CHARS) return;
      yield* this.giveUp('a quoted field is never closed');
      return;
    }
    if (parsed.error || (this.columns >= 0 && parsed.fields.length !== this.columns)) {
      // The quote that opened on the first line is the stray one, whatever broke further on.
      yield* this.giveUp('a quoted field is never closed');
      return;
    }
    this.pending = null;
    yield this.record(p.line, parsed.fields);
  }

  /** End of file: a record still open is the bad one; the lines after it are records again. */
  *end(): Generator<CsvRecord> {
    while (this.pending) yield* this.giveUp('a quoted field is never closed');
  }

  private *start(text: string, line: number): Generator<CsvRecord> {
    const parsed = splitRecord(text, this.delimiter);
    if (parsed.open) {
      this.pending = { line, lines: [text], chars: text.length };
      return;
    }
    if (parsed.error) {
      yield { line, problem: `malformed CSV at line ${line}: ${parsed.error}` };
      return;
    }
    yield this.record(line, parsed.fields);
  }

  private record(line: number, fields: string[]): CsvRecord {
    if (this.columns < 0) this.columns = fields.length;
    return { line, fields };
  }

  private *giveUp(reason: string): Generator<CsvRecord> {
    const p = this.pending!;
    this.pending = null;
    yield { line: p.line, problem: `malformed CSV at line ${p.line}: ${reason}` };
    for (let k = 1; k < p.lines.length; k++) yield* this.push(p.lines[k]!, p.line + k);
  }
}
