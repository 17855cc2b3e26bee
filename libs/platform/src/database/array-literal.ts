const SPECIAL = /[\\"]/;
const SPECIAL_ALL = /[\\"]/g;

/**
 * The PostgreSQL array literal of `values` (`{"a","b",NULL}`), for a parameter the SQL casts:
 * `${pgArray(ids)}::uuid[]`. node-postgres serialises a JS array itself by appending and
 * escaping element by element; for the ETL's batches of thousands of values per column that
 * was a sixth of the bytes the process allocated, much of it living long enough to be
 * promoted. This builds each literal with one join and escapes only elements that need it.
 * Numbers and booleans are written as text; `null`/`undefined` become NULL.
 */
export function pgArray(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v === 'string')
      parts[i] = SPECIAL.test(v) ? `"${v.replace(SPECIAL_ALL, '\\$&')}"` : `"${v}"`;
    else parts[i] = `"${String(v)}"`;
  }
  return `{${parts.join(',')}}`;
}
