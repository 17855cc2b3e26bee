import { neutraliseFormula } from './sanitize.js';

/** One RFC 4180 cell that a spreadsheet shows as text, never evaluates. */
export function csvCell(value: unknown): string {
  const s = neutraliseFormula(value === null || value === undefined ? '' : String(value));
  return /[",\r\n;]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;
