import { ValidationFailed } from '@heyblue/platform';

/** Opaque keyset cursors: base64url of the last item's sort key. */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T extends unknown[]>(cursor: string | undefined, arity: number): T | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string'))
      return key as T;
  } catch {
    // falls through to the validation error
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function page<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => unknown[]): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(map), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
