import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  detectDelimiter,
  JsonArraySplitter,
  MalformedFile,
  readRecords,
  sniffFile,
} from './record-reader.js';

async function records(content: string) {
  const dir = await mkdtemp(join(tmpdir(), 'etl-reader-'));
  const path = join(dir, 'f');
  await writeFile(path, content);
  const shape = (await sniffFile(path))!;
  const out = [];
  for await (const r of readRecords(path, shape).records) out.push(r);
  return { shape, out };
}

describe('upload record reader', () => {
  it('detects the delimiter from the header outside quotes', () => {
    expect(detectDelimiter('a;b;"c,d"')).toBe(';');
    expect(detectDelimiter('a,b,"c;d;e"')).toBe(',');
  });

  it('splits a JSON array across arbitrary chunk boundaries, strings and nesting included', () => {
    const text = '[{"a":"x],[\\"y"},{"b":[1,{"c":2}]} , {"d":"}"}]';
    for (const size of [1, 3, 7, text.length]) {
      const s = new JsonArraySplitter();
      const items: string[] = [];
      for (let i = 0; i < text.length; i += size) items.push(...s.push(text.slice(i, i + size)));
      s.finish();
      expect(items.map((i) => JSON.parse(i))).toEqual([{ a: 'x],["y' }, { b: [1, { c: 2 }] }, { d: '}' }]);
    }
  });

  it('refuses an unclosed JSON array', () => {
    const s = new JsonArraySplitter();
    Array.from(s.push('[{"a":1}'));
    expect(() => s.finish()).toThrow(MalformedFile);
  });

  it('reads a BOM + semicolon CSV with quoted line breaks and flags short rows', async () => {
    const { shape, out } = await records('\uFEFFID;Name\r\n1;"two\nlines"\r\n2\r\n');
    expect(shape).toEqual({ format: 'csv', delimiter: ';', header: ['id', 'name'] });
    expect(out).toEqual([
      { n: 1, line: 2, values: { id: '1', name: 'two\nlines' } },
      { n: 2, line: 4, values: { id: '2', name: '' }, problem: 'line 4: has 1 columns; the header has 2' },
    ]);
  });

  it('fails only the record with a stray quote, naming its line, and reads the records after it', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i + 1},name ${i + 1}`);
    rows[4] = '5,"stray quote';
    rows[9] = '10,"ok ""quoted"" name"';
    rows[14] = '15,"closed"then more';
    const { out } = await records(['id,name', ...rows].join('\n') + '\n');
    expect(out).toHaveLength(30);
    expect(out.filter((r) => r.problem)).toEqual([
      { n: 5, line: 6, values: {}, problem: 'malformed CSV at line 6: a quoted field is never closed' },
      {
        n: 15,
        line: 16,
        values: {},
        problem: 'malformed CSV at line 16: unexpected character after a closing quote at column 2',
      },
    ]);
    expect(out[5]).toEqual({ n: 6, line: 7, values: { id: '6', name: 'name 6' } });
    expect(out[9]!.values).toEqual({ id: '10', name: 'ok "quoted" name' });
    expect(out[29]).toEqual({ n: 30, line: 31, values: { id: '30', name: 'name 30' } });
  });

  it('reads the records after an opening quote never closed before the end of the file', async () => {
    const { out } = await records('id,name\n1,"open\n2,b\n3,c\n');
    expect(out).toEqual([
      { n: 1, line: 2, values: {}, problem: 'malformed CSV at line 2: a quoted field is never closed' },
      { n: 2, line: 3, values: { id: '2', name: 'b' } },
      { n: 3, line: 4, values: { id: '3', name: 'c' } },
    ]);
  });

  it('refuses a file that is not UTF-8 text as a whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etl-reader-'));
    await writeFile(join(dir, 'latin1'), Buffer.from('id,name\n1,caf\xe9\n', 'latin1'));
    await writeFile(join(dir, 'utf16'), Buffer.from('\ufeffid,name\n1,a\n', 'utf16le'));
    await expect(sniffFile(join(dir, 'latin1'))).rejects.toThrow(/not UTF-8/);
    await expect(sniffFile(join(dir, 'utf16'))).rejects.toThrow(/not text/);
  });

  it('reads NDJSON, lower-casing keys and reporting bad lines', async () => {
    const { shape, out } = await records('{"A":1}\n\nnot json\n[1]\n');
    expect(shape.format).toBe('ndjson');
    expect(out).toEqual([
      { n: 1, values: { a: 1 } },
      { n: 2, values: {}, problem: 'is not valid JSON' },
      { n: 3, values: {}, problem: 'must be a JSON object' },
    ]);
  });

  it('treats a whitespace-only file as empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etl-reader-'));
    await writeFile(join(dir, 'e'), '  \n');
    expect(await sniffFile(join(dir, 'e'))).toBeNull();
  });
});
