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
      { n: 1, values: { id: '1', name: 'two\nlines' } },
      { n: 2, values: { id: '2', name: '' }, problem: 'has 1 columns; the header has 2' },
    ]);
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
