/**
 * Reading a list request's paging parameters (OpenMetadata seed "Cursor-based
 * pagination": `limit`, `before`, `after`).
 */
import { withParameters } from '@platform-api/envelope'
import { PaginationInvalidOptionError, InvalidPaginationError, InvalidCursorError } from '../errors.js'
import { decodeCursor, type CursorKey } from './cursor.js'
import { decodeScopedCursor } from './scoped-cursor.js'

/** Default page size, in items. */
export const DEFAULT_LIMIT = 10
/** Default largest page size a client may ask for, in items. */
export const MAX_LIMIT = 1000

/** The paging parameters of a list request's querystring. */
export interface PageQuery {
  /** Page size in items. */
  limit?: number
  /** Cursor: the page ends just before the item it points at. */
  before?: string
  /** Cursor: the page starts just after the item it points at. */
  after?: string
}

/** A validated page request: the decoded cursor (at most one) and the page size. */
export interface PageRequest {
  /** Page size in items, 1..maxLimit. */
  limit: number
  /** Sort key: return the `limit` items that follow it. */
  after?: CursorKey
  /** Sort key: return the `limit` items that precede it (in sort order). */
  before?: CursorKey
  /** With a scope: the id of the item `after` points at, when the cursor carries the id instead of the key (resolve it to the key). */
  afterId?: string
  /** With a scope: the id of the item `before` points at (see `afterId`). */
  beforeId?: string
}

/** Page size bounds shared by `parsePageRequest`, `CursorQuerySchema` and the plugin. */
export interface LimitOptions {
  /** Page size when the client gives no `limit`, in items. Default 10 (or `maxLimit` when smaller). */
  defaultLimit?: number
  /** Largest `limit` a client may ask for, in items. Default 1000. */
  maxLimit?: number
}

/** Options of {@link parsePageRequest}. */
export interface PageRequestOptions extends LimitOptions {
  /** The secret cursors were signed with (see `encodeCursor`); without it, unsigned cursors. */
  secret?: Buffer
}

/**
 * Checks page size bounds: integers with 1 <= defaultLimit <= maxLimit; fills in the
 * defaults (maxLimit 1000; defaultLimit 10, or maxLimit when that is smaller).
 * @throws `PAGINATION_INVALID_OPTION` otherwise.
 */
export function resolveLimits (options: LimitOptions = {}): Required<LimitOptions> {
  const { maxLimit = MAX_LIMIT } = options
  if (!Number.isSafeInteger(maxLimit) || maxLimit < 1) {
    throw new PaginationInvalidOptionError(`maxLimit must be a positive integer, got ${String(maxLimit)}`)
  }
  const { defaultLimit = Math.min(DEFAULT_LIMIT, maxLimit) } = options
  if (!Number.isSafeInteger(defaultLimit) || defaultLimit < 1 || defaultLimit > maxLimit) {
    throw new PaginationInvalidOptionError(`defaultLimit must be an integer from 1 to maxLimit (${maxLimit}), got ${String(defaultLimit)}`)
  }
  return { defaultLimit, maxLimit }
}

/**
 * Reads `limit`, `before` and `after` from a list request's query (OpenMetadata seed
 * "Cursor-based pagination"). Meant for a querystring validated by `CursorQuerySchema`;
 * without one, a `limit` given as a string of decimal digits is read as a number too.
 *
 * @param query - `request.query`.
 * @param options - page size bounds and the cursor secret.
 * @returns the page size (the default when absent) and the decoded cursor.
 * @throws `INVALID_PAGINATION` (400) when both `before` and `after` are given or
 *   `limit` is not an integer in 1..maxLimit; `INVALID_CURSOR` (400) for a bad cursor,
 *   with `parameters` naming the query parameter; `PAGINATION_INVALID_OPTION` for bad
 *   `options`.
 */
export function parsePageRequest (query: PageQuery, options: PageRequestOptions = {}): PageRequest {
  const { defaultLimit, maxLimit } = resolveLimits(options)
  return readPageRequest(query, defaultLimit, maxLimit, options.secret)
}

/** {@link parsePageRequest} with options already checked (the plugin's hot path). */
export function readPageRequest (query: PageQuery, defaultLimit: number, maxLimit: number, secret?: Buffer, scope?: string): PageRequest {
  const { before, after } = query
  if (before !== undefined && after !== undefined) {
    throw withParameters(new InvalidPaginationError('give either before or after, not both'), ['before', 'after'])
  }
  const page: PageRequest = { limit: readLimit(query.limit, defaultLimit, maxLimit) }
  if (scope !== undefined) {
    for (const [name, cursor] of [['after', after], ['before', before]] as const) {
      if (cursor === undefined) continue
      const position = named(name, () => decodeScopedCursor(cursor, scope, secret))
      if (position.key !== undefined) page[name] = position.key
      else page[name === 'after' ? 'afterId' : 'beforeId'] = position.id
    }
    return page
  }
  if (after !== undefined) page.after = readCursor('after', after, secret)
  if (before !== undefined) page.before = readCursor('before', before, secret)
  return page
}

function named<T> (name: 'before' | 'after', decode: () => T): T {
  try {
    return decode()
  } catch (err) {
    if (err instanceof InvalidCursorError) withParameters(err, [name])
    throw err
  }
}

const DIGITS = /^\d{1,16}$/

function readLimit (value: unknown, defaultLimit: number, maxLimit: number): number {
  if (value === undefined) return defaultLimit
  const limit = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw withParameters(new InvalidPaginationError(`limit must be an integer from 1 to ${maxLimit}`), ['limit'])
  }
  return limit
}

function readCursor (name: 'before' | 'after', cursor: string, secret: Buffer | undefined): CursorKey {
  try {
    return decodeCursor(cursor, secret)
  } catch (err) {
    if (err instanceof InvalidCursorError) withParameters(err, [name])
    throw err
  }
}
