/** One RFC 4180 cell a spreadsheet shows as text: a leading = + - @ tab or CR is neutralised with an apostrophe. */
export function csvCell(value: unknown): string {
  const raw = value === null || value === undefined ? '' : String(value);
  const s = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n;]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;
