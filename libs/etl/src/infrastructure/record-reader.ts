import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvRecordAssembler, type CsvRecord } from './csv-records.js';

export type FileFormat = 'csv' | 'json' | 'ndjson';

/** One record of an upload; `n` is its 1-based position (the header is not a record). */
export interface FileRecord {
  n: number;
  /** CSV: the file line the record starts on (the header is line 1). */
  line?: number;
  values: Record<string, unknown>;
  /** When the record itself is unreadable (bad JSON line, wrong column count). */
  problem?: string;
}

/** The file cannot be read as its format at all (the job fails). */
export class MalformedFile extends Error {}

export interface FileShape {
  format: FileFormat;
  delimiter: ',' | ';';
  /** CSV header names, lower-cased; null for JSON formats. */
  header: string[] | null;
}

const stripBom = (s: string): string => (s.charCodeAt(0) === 0xfeff ? s.slice(1) : s);

/** Counts delimiter candidates outside quotes in the header line. */
export function detectDelimiter(headerLine: string): ',' | ';' {
  let inQuotes = false;
  let commas = 0;
  let semicolons = 0;
  for (const ch of headerLine) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && ch === ',') commas++;
    else if (!inQuotes && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/**
 * Text, not a binary or another encoding: NUL bytes (UTF-16, images, archives) or bytes that
 * are not UTF-8 (Latin-1 exports) make the file unreadable as a whole, rather than every row
 * failing with mangled characters.
 */
function unreadableText(bytes: Buffer): string | null {
  if (bytes.includes(0)) return 'the file is not text (it holds NUL bytes: binary, or UTF-16)';
  try {
    // stream: a multi-byte character cut at the end of the sample is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return null;
  } catch {
    return 'the file is not UTF-8 text (save it as CSV UTF-8)';
  }
}

/** Looks at the first 64 KiB: `[` → JSON array, `{` → NDJSON, else CSV with its header. Throws MalformedFile for a file that is not UTF-8 text. */
export async function sniffFile(path: string): Promise<FileShape | null> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const unreadable = unreadableText(buf.subarray(0, bytesRead));
    if (unreadable) throw new MalformedFile(unreadable);
    const head = stripBom(buf.subarray(0, bytesRead).toString('utf8'));
    const trimmed = head.trimStart();
    if (trimmed === '') return null;
    if (trimmed.startsWith('[')) return { format: 'json', delimiter: ',', header: null };
    if (trimmed.startsWith('{')) return { format: 'ndjson', delimiter: ',', header: null };
    const firstLine = head.split(/\r?\n/, 1)[0] ?? '';
    const delimiter = detectDelimiter(firstLine);
    const header = parseHeaderLine(firstLine, delimiter);
    return { format: 'csv', delimiter, header };
  } finally {
    await fh.close();
  }
}

function parseHeaderLine(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') {
      if (inQuotes && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else inQuotes = !inQuotes;
    } else if (ch === delimiter && !inQuotes) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((h) => h.trim().toLowerCase());
}

/** Counts bytes flowing through (progress from bytes read). */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/**
 * Splits a streamed JSON array into its top-level elements without holding the whole file:
 * tracks strings, escapes and nesting depth, and yields the text of each element.
 */
export class JsonArraySplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private ended = false;
  private current = '';

  *push(text: string): Generator<string> {
    for (const ch of text) {
      if (this.ended) {
        if (!/\s/.test(ch)) throw new MalformedFile('unexpected content after the JSON array');
        continue;
      }
      if (!this.started) {
        if (ch === '\uFEFF' || /\s/.test(ch)) continue;
        if (ch !== '[') throw new MalformedFile('a JSON upload must be an array of objects');
        this.started = true;
        continue;
      }
      if (this.inString) {
        this.current += ch;
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') this.inString = false;
        continue;
      }
      if (this.depth === 0 && (ch === ',' || ch === ']')) {
        const item = this.current.trim();
        this.current = '';
        if (item !== '') yield item;
        else if (ch === ',') throw new MalformedFile('empty element in the JSON array');
        if (ch === ']') this.ended = true;
        continue;
      }
      if (ch === '"') this.inString = true;
      else if (ch === '{' || ch === '[') this.depth++;
      else if (ch === '}' || ch === ']') this.depth--;
      if (this.depth < 0) throw new MalformedFile('unbalanced brackets in the JSON array');
      this.current += ch;
    }
  }

  finish(): void {
    if (!this.started || !this.ended) throw new MalformedFile('the JSON array is not closed');
  }
}

function objectOrProblem(n: number, text: string): FileRecord {
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { n, values: {}, problem: 'must be a JSON object' };
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) values[k.trim().toLowerCase()] = v;
    return { n, values };
  } catch {
    return { n, values: {}, problem: 'is not valid JSON' };
  }
}

/**
 * Streams the records of an uploaded file with constant memory; `bytesRead()` reports
 * progress. A malformed CSV record (a stray quote, a broken line) is a record with a problem
 * naming its line; the records after it are read as usual. Only a malformed header throws.
 */
export function readRecords(
  path: string,
  shape: FileShape,
): { records: AsyncIterable<FileRecord>; bytesRead: () => number } {
  const counter = new ByteCounter();
  const source = createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(counter);
  const bytesRead = () => counter.bytes;

  async function* csv(): AsyncGenerator<FileRecord> {
    const assembler = new CsvRecordAssembler(shape.delimiter);
    let header: string[] | null = null;
    let n = 0;
    const toRecord = (r: CsvRecord): FileRecord | null => {
      if (!header) {
        if (r.problem !== undefined) throw new MalformedFile(`malformed CSV header: ${r.problem}`);
        header = r.fields.map((h) => h.trim().toLowerCase());
        return null;
      }
      n++;
      if (r.problem !== undefined) return { n, line: r.line, values: {}, problem: r.problem };
      const values: Record<string, unknown> = {};
      header.forEach((h, i) => (values[h] = r.fields[i] ?? ''));
      if (r.fields.some((f) => f.includes('\uFFFD')))
        return { n, line: r.line, values, problem: `line ${r.line}: is not valid UTF-8` };
      return r.fields.length === header.length
        ? { n, line: r.line, values }
        : {
            n,
            line: r.line,
            values,
            problem: `line ${r.line}: has ${r.fields.length} columns; the header has ${header.length}`,
          };
    };
    let line = 0;
    for await (const text of createInterface({ input: source, crlfDelay: Infinity })) {
      line++;
      for (const r of assembler.push(line === 1 ? stripBom(text) : text, line)) {
        const rec = toRecord(r);
        if (rec) yield rec;
      }
    }
    for (const r of assembler.end()) {
      const rec = toRecord(r);
      if (rec) yield rec;
    }
  }

  async function* ndjson(): AsyncGenerator<FileRecord> {
    let n = 0;
    for await (const line of createInterface({ input: source, crlfDelay: Infinity })) {
      const text = stripBom(line).trim();
      if (text === '') continue;
      yield objectOrProblem(++n, text);
    }
  }

  async function* jsonArray(): AsyncGenerator<FileRecord> {
    const splitter = new JsonArraySplitter();
    let n = 0;
    source.setEncoding('utf8');
    for await (const chunk of source as AsyncIterable<string>) {
      for (const item of splitter.push(chunk)) yield objectOrProblem(++n, item);
    }
    splitter.finish();
  }

  const records = shape.format === 'csv' ? csv() : shape.format === 'ndjson' ? ndjson() : jsonArray();
  return { records, bytesRead };
}
