import { createHash } from 'node:crypto';

/**
 * Names for PostgreSQL prepared statements, so each connection parses and plans a statement
 * once instead of on every call (an unnamed statement is re-planned each time; for the
 * bearer-token join that was most of its cost). PostgreSQL keeps a named statement for the
 * connection's life, so only the first `limit` distinct SQL texts get a name; texts beyond
 * that (e.g. `IN` lists of ever new lengths) run unnamed as before. `limit` 0 names nothing
 * (needed behind a pooler in transaction mode that does not track prepared statements).
 */
export function boundedStatementNames(limit: number): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    const known = names.get(sql);
    if (known !== undefined) return known;
    if (names.size >= limit) return ''; // pg treats an empty name as an unnamed statement
    const name = `hb_${createHash('sha1').update(sql).digest('base64url')}`;
    names.set(sql, name);
    return name;
  };
}
