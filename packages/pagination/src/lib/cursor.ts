/**
 * Opaque cursors (OpenMetadata seed "Cursor-based pagination": `before` / `after`).
 *
 * A cursor carries the sort key of the item it points at, e.g.
 * `[fullyQualifiedName, id]`, as base64url (RFC 4648 §5) JSON. With a secret it also
 * carries an HMAC-SHA-256 tag (RFC 2104), truncated to 128 bits (RFC 2104 §5 allows
 * truncation to at least half the output): `<payload>.<tag>`. Clients cannot forge keys,
 * so a store may put the key straight into a keyset query.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { InvalidCursorError } from '../errors.js'

/** The sort key of an item, in sort order of its parts, e.g. `[fullyQualifiedName, id]`. */
export type CursorKey = readonly (string | number)[]

/** Longest cursor accepted, in characters (and longest `encodeCursor` produces). */
export const MAX_CURSOR_LENGTH = 2048

/** HMAC-SHA-256 tag length kept in a signed cursor, in bytes. */
const TAG_BYTES = 16
const BASE64URL = /^[A-Za-z0-9_-]+$/

/**
 * Encodes a sort key as an opaque cursor.
 *
 * @param key - a non-empty array of strings and finite numbers.
 * @param secret - HMAC key; when given the cursor is signed and `decodeCursor` needs
 *   the same secret.
 * @returns base64url text, at most {@link MAX_CURSOR_LENGTH} characters.
 * @throws TypeError when `key` is not a non-empty array of strings and finite numbers;
 *   RangeError when the cursor would exceed {@link MAX_CURSOR_LENGTH} characters (1536 bytes
 *   of JSON unsigned, about 1500 signed; a four-level fullyQualifiedName of 256-character names fits): keep sort keys short.
 */
export function encodeCursor (key: CursorKey, secret?: Buffer): string {
  if (!isCursorKey(key)) {
    throw new TypeError('A cursor key is a non-empty array of strings and finite numbers')
  }
  return encodeCursorPayload(key, secret)
}

/**
 * Encode any JSON value as a (signed) cursor; the codec under `encodeCursor` and scoped cursors.
 * @throws RangeError when the cursor would exceed {@link MAX_CURSOR_LENGTH} characters.
 */
export function encodeCursorPayload (value: unknown, secret?: Buffer): string {
  const payload = Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')
  const cursor = secret === undefined ? payload : `${payload}.${tag(payload, secret).toString('base64url')}`
  if (cursor.length > MAX_CURSOR_LENGTH) {
    throw new RangeError(`The cursor for this key would be ${cursor.length} characters; the limit is ${MAX_CURSOR_LENGTH}`)
  }
  return cursor
}

/**
 * Decodes a cursor made by {@link encodeCursor}.
 *
 * @param cursor - the `before` or `after` query parameter.
 * @param secret - the secret the cursor was signed with; without it, only unsigned
 *   cursors are accepted.
 * @returns the sort key.
 * @throws `INVALID_CURSOR` (400) when the cursor is empty, longer than
 *   {@link MAX_CURSOR_LENGTH} characters, not base64url, unsigned or wrongly signed
 *   (when `secret` is given), signed (when it is not), or does not hold a non-empty
 *   array of strings and finite numbers.
 */
export function decodeCursor (cursor: string, secret?: Buffer): CursorKey {
  const key = decodeCursorPayload(cursor, secret)
  if (!isCursorKey(key)) throw new InvalidCursorError('it does not hold a sort key')
  return key
}

/**
 * Check a cursor's form, length and signature and answer the JSON value it holds.
 * @throws `INVALID_CURSOR` (400) as {@link decodeCursor}, except for the shape of the value.
 */
export function decodeCursorPayload (cursor: string, secret?: Buffer): unknown {
  if (typeof cursor !== 'string' || cursor.length === 0) throw new InvalidCursorError('it is empty')
  if (cursor.length > MAX_CURSOR_LENGTH) {
    throw new InvalidCursorError(`it is longer than ${MAX_CURSOR_LENGTH} characters`)
  }
  const [payload = '', signature, ...rest] = cursor.split('.')
  const wellFormed = BASE64URL.test(payload) && rest.length === 0 &&
    (signature === undefined || BASE64URL.test(signature))
  const signedAsExpected = secret === undefined
    ? signature === undefined
    : signature !== undefined && verify(payload, signature, secret)
  if (!wellFormed || !signedAsExpected) throw new InvalidCursorError('it is not a cursor issued by this service')

  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidCursorError('it does not hold a sort key')
  }
}

/** Whether `key` is a non-empty array of strings and finite numbers. */
export function isCursorKey (key: unknown): key is CursorKey {
  return Array.isArray(key) && key.length > 0 &&
    key.every((part) => typeof part === 'string' || (typeof part === 'number' && Number.isFinite(part)))
}

function tag (payload: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(payload).digest().subarray(0, TAG_BYTES)
}

/** Constant-time tag check; only the canonical base64url spelling of the tag is accepted. */
function verify (payload: string, signature: string, secret: Buffer): boolean {
  const given = Buffer.from(signature, 'base64url')
  return given.length === TAG_BYTES &&
    given.toString('base64url') === signature &&
    timingSafeEqual(given, tag(payload, secret))
}
