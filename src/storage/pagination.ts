// Driver-independent helpers for cursor pagination, shared by every driver so that cursors and
// limits behave the same on SQLite and PostgreSQL.
//
// A cursor is the sort key of the last item of a page, JSON-encoded and then base64url-encoded: opaque
// to clients, stable across restarts, and keyset-based (no OFFSET), so pages stay correct while rows
// are added and cost the same however deep the client pages.
import type { Page } from './types.ts';
import { StorageError } from './errors.ts';

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;
/** KV lists follow Workers KV (default and maximum 1000 keys per call), not the admin API's pages. */
export const KV_LIST_DEFAULT = 1000;
export const KV_LIST_MAX = 1000;

export type CursorKey = Array<string | number>;
type Shape = ReadonlyArray<'string' | 'number'>;

/** Clamps a requested page size to 1..max; anything missing or not a number gives the default. */
export function clampLimit(limit: number | undefined | null, def = PAGE_DEFAULT, max = PAGE_MAX): number {
  if (typeof limit !== 'number' || Number.isNaN(limit)) return def;
  return Math.min(max, Math.max(1, Math.floor(limit)));
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor into a key of the given shape; null/empty means "first page". Throws `invalid-request` otherwise. */
export function decodeCursor<K extends CursorKey>(cursor: string | null | undefined, shape: Shape): K | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const ok = Array.isArray(key) && key.length === shape.length &&
    key.every((part, i) => (shape[i] === 'number' ? typeof part === 'number' && Number.isFinite(part) : typeof part === 'string'));
  if (!ok) throw new StorageError('invalid-request', 'the cursor is not valid for this list; pass back the nextCursor of the previous page unchanged');
  return key as K;
}

/**
 * Builds a page from rows fetched with LIMIT limit+1: the extra row only says whether another page
 * exists, so a client never gets a cursor that leads to an empty page.
 */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => CursorKey): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(map), nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code point order
 * (which is UTF-8 byte order, SQLite's BINARY collation and PostgreSQL's "C" collation), or null when
 * there is none. `key >= prefix AND key < bound` is then an index range for a prefix scan.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  while (points.length > 0) {
    const last = points.pop() ?? 0;
    if (last >= 0x10ffff) continue; // no larger code point: carry into the one before
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1; // surrogates are not characters in UTF-8
    return String.fromCodePoint(...points, next);
  }
  return null;
}
