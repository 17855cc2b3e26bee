import { stringify } from 'csv-stringify/sync';

/**
 * Prefixes text a spreadsheet would evaluate (`= + - @`, tab, CR) with an apostrophe, so
 * an exported or imported cell is shown as text, never run as a formula (CSV injection).
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** RFC 4180 CSV (CRLF, quoted where needed) whose text cells are formula-safe. */
export function toCsv(rows: unknown[][]): string {
  return stringify(rows, {
    record_delimiter: 'windows',
    cast: {
      string: (value) => neutraliseFormula(value),
      date: (value) => value.toISOString(),
      boolean: (value) => String(value),
    },
  });
}
