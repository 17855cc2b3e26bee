import { stringify } from 'csv-stringify/sync';

/**
 * Prefixes text a spreadsheet would evaluate (`= + - @`, their full-width forms `＝ ＋ － ＠`
 * that some spreadsheets normalise, tab, CR) with an apostrophe, so an imported value is kept
 * as text, never run as a formula (CSV injection). The same set as csv-stringify's
 * `escape_formulas`, which guards every export.
 */
export function neutraliseFormula(text: string): string {
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) ? `'${text}` : text;
}

/** RFC 4180 CSV (CRLF, quoted where needed) whose text cells are formula-safe (csv-stringify's `escape_formulas`). */
export function toCsv(rows: unknown[][]): string {
  return stringify(rows, {
    record_delimiter: 'windows',
    escape_formulas: true,
    cast: {
      date: (value) => value.toISOString(),
      boolean: (value) => String(value),
    },
  });
}
