/**
 * Page mode (StarRocks-style and YugabyteDB/Atlas-style lists): `pageNum` (1-based) and
 * `itemsPerPage`, answered as `{items, pageNum, itemsPerPage, totalCount}`. A page past the
 * end is an empty page, not an error. Cursor mode (`limit`/`before`/`after`) stays the way to
 * walk deep into a large list: a page is read by skipping `(pageNum - 1) * itemsPerPage` items.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import { withParameters } from '@platform-api/envelope'
import { InvalidPaginationError } from '../errors.js'
import { MAX_LIMIT } from './page-request.js'

/** Largest `pageNum` accepted (keeps `(pageNum - 1) * itemsPerPage` a safe integer). */
export const MAX_PAGE_NUM = 1_000_000

/** A validated page-mode request. */
export interface PageModeRequest {
  /** 1-based page number. */
  pageNum: number
  /** Items per page, 1..maxLimit. */
  itemsPerPage: number
  /** Items to skip: `(pageNum - 1) * itemsPerPage`. */
  offset: number
  /** Same as `itemsPerPage` (the store's `limit`). */
  limit: number
}

/** The page-mode query of a list request. */
export interface PageModeQuery { pageNum?: number | string, itemsPerPage?: number | string }

/**
 * Querystring schema of a page-mode list route: `pageNum` (1..MAX_PAGE_NUM, default 1) and
 * `itemsPerPage` (1..maxLimit, default defaultLimit).
 */
export function PageQuerySchema (limits: { defaultLimit: number, maxLimit: number }) {
  return Type.Object({
    pageNum: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_NUM, default: 1, description: '1-based page number; a page past the end is empty' })),
    itemsPerPage: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.maxLimit, default: limits.defaultLimit, description: 'Items per page' }))
  })
}

/** The type of a {@link PageQuerySchema} result. */
export type TPageQuery = ReturnType<typeof PageQuerySchema>

/**
 * Schema of a page-mode list answer: `{items: item[], pageNum, itemsPerPage, totalCount}`.
 * @param item - the schema of one item.
 * @param maxLimit - the largest `itemsPerPage` (the plugin's `maxLimit`). Default 1000.
 */
export function PageResponseSchema<T extends TSchema> (item: T, maxLimit: number = MAX_LIMIT) {
  return Type.Object({
    items: Type.Array(item, { maxItems: maxLimit }),
    pageNum: Type.Integer({ minimum: 1, maximum: MAX_PAGE_NUM, description: 'This page, 1-based' }),
    itemsPerPage: Type.Integer({ minimum: 1, maximum: maxLimit, description: 'Items per page asked for' }),
    totalCount: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Items in the whole list' })
  }, { additionalProperties: false })
}

const DIGITS = /^\d{1,16}$/

function readInteger (name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback
  const n = typeof value === 'string' && DIGITS.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) {
    throw withParameters(new InvalidPaginationError(`${name} must be an integer from 1 to ${max}`), [name])
  }
  return n
}

/**
 * Read `pageNum` and `itemsPerPage` (numbers from a validated query, or decimal strings).
 * @throws `INVALID_PAGINATION` (400) naming the parameter when out of bounds.
 */
export function readPageMode (query: PageModeQuery, defaultLimit: number, maxLimit: number): PageModeRequest {
  const pageNum = readInteger('pageNum', query.pageNum, 1, MAX_PAGE_NUM)
  const itemsPerPage = readInteger('itemsPerPage', query.itemsPerPage, defaultLimit, maxLimit)
  return { pageNum, itemsPerPage, offset: (pageNum - 1) * itemsPerPage, limit: itemsPerPage }
}
