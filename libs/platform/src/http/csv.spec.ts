import { parse } from 'csv-parse/sync';
import { neutraliseFormula, toCsv } from './csv.js';

describe('formula-safe CSV', () => {
  it('neutralises every spreadsheet formula prefix', () => {
    for (const s of [
      '=1+1',
      '+SUM(A1)',
      '-2+3',
      '@cmd',
      '\tx',
      '\rx',
      '＝1+1',
      '＋SUM(A1)',
      '－2+3',
      '＠cmd',
    ])
      expect(neutraliseFormula(s)).toBe(`'${s}`);
    expect(neutraliseFormula('plain')).toBe('plain');
    expect(neutraliseFormula('a=b')).toBe('a=b');
  });

  it('writes RFC 4180 rows that round-trip, with text cells neutralised', () => {
    const csv = toCsv([
      ['period', 'key', 'value'],
      ['2026-11-23', 'Café, "Corner"', 3],
      ['2026-11-24', '=HYPERLINK("x")', -4],
      ['2026-11-25', null, new Date('2026-11-25T00:00:00Z')],
      ['＝HYPERLINK("x")', '＋1', '－1'],
      ['＠SUM(A1)', '-1', '@x'],
    ]);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(parse(csv)).toEqual([
      ['period', 'key', 'value'],
      ['2026-11-23', 'Café, "Corner"', '3'],
      ['2026-11-24', `'=HYPERLINK("x")`, '-4'],
      ['2026-11-25', '', '2026-11-25T00:00:00.000Z'],
      [`'＝HYPERLINK("x")`, "'＋1", "'－1"],
      ["'＠SUM(A1)", "'-1", "'@x"],
    ]);
  });
});
