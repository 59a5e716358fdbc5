/**
 * Cursors bound to the list they came from, and always within {@link MAX_CURSOR_LENGTH}.
 *
 * A scoped cursor carries a short hash of its scope (the collection, the sort and the filter
 * of the list that issued it, as the caller spells them), so a cursor from another
 * collection or filter is 400 `INVALID_CURSOR` instead of silently paging something else.
 * It points at an item by its sort key when the key is short (at most
 * {@link MAX_CURSOR_KEY_BYTES} of JSON), else by the item's id, which the caller resolves
 * back to the key: whatever the stored names, no cursor exceeds the cap.
 */
import { createHash } from 'node:crypto'
import { InvalidCursorError } from '../errors.js'
import { decodeCursorPayload, encodeCursorPayload, isCursorKey, MAX_CURSOR_LENGTH, type CursorKey } from './cursor.js'

/** Longest sort key, as JSON bytes, a scoped cursor carries itself; a longer one goes by id. */
export const MAX_CURSOR_KEY_BYTES = 1024
/** Longest item id a scoped cursor carries, in characters. */
export const MAX_CURSOR_ID_LENGTH = 128

/** Where a scoped cursor points: at a sort key, or at the id of the item (when its key is too long). */
export type CursorPosition = { key: CursorKey, id?: undefined } | { id: string, key?: undefined }

/** The last scope hashed and its tag: a list answer encodes up to two cursors and decodes one, all of one scope. */
let lastScope: { scope: string, tag: string } | undefined

/** The short hash of a scope: 64 bits of SHA-256, base64url. */
export function scopeTag (scope: string): string {
  // Issue 12: one SHA-256 per scope in a row instead of one per cursor (a page with both cursors hashed it 3 times).
  const last = lastScope
  if (last !== undefined && last.scope === scope) return last.tag
  const tag = createHash('sha256').update(scope, 'utf8').digest().subarray(0, 8).toString('base64url')
  lastScope = { scope, tag }
  return tag
}

/**
 * Encode a position within a scope.
 * @param item the item's sort key and id.
 * @param scope the list's collection, sort and filter, as one string (e.g. JSON).
 * @param secret HMAC key (see `encodeCursor`).
 * @returns a cursor of at most {@link MAX_CURSOR_LENGTH} characters.
 * @throws TypeError for a key that is not a non-empty array of strings and finite numbers, or an id that is not 1 to 128 characters.
 */
export function encodeScopedCursor (item: { key: CursorKey, id: string }, scope: string, secret?: Buffer): string {
  if (!isCursorKey(item.key)) throw new TypeError('A cursor key is a non-empty array of strings and finite numbers')
  if (typeof item.id !== 'string' || item.id.length === 0 || item.id.length > MAX_CURSOR_ID_LENGTH) throw new TypeError(`A cursor id is 1 to ${MAX_CURSOR_ID_LENGTH} characters`)
  const s = scopeTag(scope)
  const byKey = Buffer.byteLength(JSON.stringify(item.key), 'utf8') <= MAX_CURSOR_KEY_BYTES
  return encodeCursorPayload(byKey ? { s, k: item.key } : { s, i: item.id }, secret)
}

/**
 * Decode a cursor made by {@link encodeScopedCursor} for the same scope.
 * @throws `INVALID_CURSOR` (400) for a malformed, forged or unscoped cursor, or one issued for another scope.
 */
export function decodeScopedCursor (cursor: string, scope: string, secret?: Buffer): CursorPosition {
  const payload = decodeCursorPayload(cursor, secret)
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new InvalidCursorError('it does not hold a position')
  const { s, k, i } = payload as { s?: unknown, k?: unknown, i?: unknown }
  if (s !== scopeTag(scope)) throw new InvalidCursorError('it was issued for another collection, sort or filter')
  if (isCursorKey(k) && i === undefined) return { key: k }
  if (typeof i === 'string' && i.length > 0 && i.length <= MAX_CURSOR_ID_LENGTH && k === undefined) return { id: i }
  throw new InvalidCursorError('it does not hold a position')
}

export { MAX_CURSOR_LENGTH }
