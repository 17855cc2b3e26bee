import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, isUUID } from 'class-validator';
import { ValidationFailed } from '../errors/domain-error.js';

/** `?limit` (1..100, default 20) and `?cursor`, as every list of the contract takes them. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  cursor?: string;
}

/** The answer of every list: `{items, nextCursor}` (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque keyset cursor: base64url of the last item's sort key. */
export function encodeCursor(key: Array<string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The sort key a cursor carries, or null without one; a cursor that was not made by
 * `encodeCursor` with `arity` keys answers 400 VALIDATION_FAILED on `cursor`.
 */
export function decodeCursor<T extends Array<string | number>>(
  cursor: string | undefined,
  arity: number,
): T | null {
  if (!cursor) return null;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === 'string' || typeof k === 'number')
    )
      return key as T;
  } catch {
    // falls through to the validation error
  }
  throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
}

/**
 * The `(time, uuid)` keyset position of a newest-first list, from a cursor made with
 * `encodeCursor([date.toISOString(), id])`; null without a cursor. A well-formed cursor
 * carrying values we never issue answers 400 like any bad cursor (not a database error).
 */
export function decodeTimeIdCursor(cursor: string | undefined): { at: Date; id: string } | null {
  const key = decodeCursor<[string, string]>(cursor, 2);
  if (!key) return null;
  const [at, id] = key;
  const date = new Date(at);
  if (typeof at !== 'string' || typeof id !== 'string' || !isUUID(id) || Number.isNaN(date.getTime())) {
    throw new ValidationFailed([{ field: 'cursor', message: 'cursor is not valid' }]);
  }
  return { at: date, id };
}

/** Builds a page from `limit + 1` rows fetched in sort order. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (r: R) => T,
  key: (r: R) => Array<string | number>,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(key(last)) : null,
  };
}
