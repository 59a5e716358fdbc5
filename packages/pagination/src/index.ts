/**
 * @platform-api/pagination: cursor pagination in OpenMetadata's form (seed "Cursor-based
 * pagination"): `GET /things?limit=10&after=<cursor>` answers
 * `{data: [...], paging: {before, after, total}}`; and page mode (StarRocks, Atlas):
 * `GET /things?pageNum=2&itemsPerPage=10` answers `{items, pageNum, itemsPerPage, totalCount}`.
 *
 * The plugin decorates `fastify.pagination` with the configured page size bounds, the
 * querystring schema, and cursor helpers signed with one secret, so that a list route
 * is `schema: { querystring: fastify.pagination.querySchema }` plus
 * `fastify.pagination.parse(request.query)` and `fastify.pagination.cursor(key)`.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { PaginationInvalidOptionError } from './errors.js'
import { encodeCursor, type CursorKey } from './lib/cursor.js'
import { encodeScopedCursor } from './lib/scoped-cursor.js'
import { readPageRequest, resolveLimits, type PageQuery, type PageRequest } from './lib/page-request.js'
import { CursorQuerySchema, type TCursorQuery } from './lib/schemas.js'
import { PageQuerySchema, readPageMode, type PageModeQuery, type PageModeRequest, type TPageQuery } from './lib/page-mode.js'

export { InvalidCursorError, InvalidPaginationError, PaginationInvalidOptionError } from './errors.js'
export { encodeCursor, decodeCursor, MAX_CURSOR_LENGTH, type CursorKey } from './lib/cursor.js'
export { encodeScopedCursor, decodeScopedCursor, scopeTag, MAX_CURSOR_KEY_BYTES, MAX_CURSOR_ID_LENGTH, type CursorPosition } from './lib/scoped-cursor.js'
export {
  parsePageRequest, DEFAULT_LIMIT, MAX_LIMIT,
  type PageQuery, type PageRequest, type PageRequestOptions, type LimitOptions
} from './lib/page-request.js'
export { PagingSchema, ListResponseSchema, CursorQuerySchema, type Paging, type TCursorQuery } from './lib/schemas.js'
export { PageQuerySchema, PageResponseSchema, readPageMode, MAX_PAGE_NUM, type PageModeQuery, type PageModeRequest, type TPageQuery } from './lib/page-mode.js'

/** Shortest `cursorSecret` accepted, in bytes. */
export const MIN_CURSOR_SECRET_BYTES = 16

/** Options of the pagination plugin; each is checked once, at registration. */
export interface PaginationOptions {
  /** Page size when the client gives no `limit`, in items. Default 10 (or `maxLimit` when smaller). */
  defaultLimit?: number
  /** Largest `limit` a client may ask for, in items. Default 1000. */
  maxLimit?: number
  /**
   * Key that signs cursors (HMAC-SHA-256), at least 16 bytes; a string is taken as UTF-8.
   * Default: 32 random bytes per process, so cursors do not survive a restart and are
   * refused by other instances: behind a load balancer, give every instance the same
   * secret.
   */
  cursorSecret?: string | Buffer
}

/** `fastify.pagination`: the configured bounds and helpers for cursor-paged list routes. */
export interface PaginationDecorator {
  /** Page size when the client gives no `limit`, in items. */
  readonly defaultLimit: number
  /** Largest `limit` a client may ask for, in items. */
  readonly maxLimit: number
  /** Querystring schema: `limit` (1..maxLimit, default defaultLimit), `before`, `after`. */
  readonly querySchema: TCursorQuery
  /**
   * Reads `limit`, `before`, `after` from `request.query` (see `parsePageRequest`). With
   * `scope`, only cursors made by `scopedCursor` for the same scope are accepted, and a cursor
   * that carries an id answers it as `afterId` / `beforeId` for the caller to resolve.
   * @throws `INVALID_PAGINATION` (400), `INVALID_CURSOR` (400).
   */
  parse(query: PageQuery, scope?: string): PageRequest
  /** Encodes an item's sort key as a signed cursor for `paging.before` / `paging.after` (see `encodeCursor`). */
  cursor(key: CursorKey): string
  /**
   * Encodes a signed cursor bound to `scope` (the list's collection, sort and filter) that
   * `parse(query, scope)` alone accepts; it carries the sort key, or the id when the key is
   * longer than 1024 bytes, so it never exceeds the cap (see `encodeScopedCursor`).
   */
  scopedCursor(item: { key: CursorKey, id: string }, scope: string): string
  /** Page-mode querystring schema: `pageNum` (default 1), `itemsPerPage` (1..maxLimit, default defaultLimit). */
  readonly pageQuerySchema: TPageQuery
  /**
   * Reads `pageNum` and `itemsPerPage` (page mode) from `request.query`.
   * @throws `INVALID_PAGINATION` (400) naming the parameter.
   */
  parsePage(query: PageModeQuery): PageModeRequest
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Cursor pagination helpers (`@platform-api/pagination`). */
    pagination: PaginationDecorator
  }
}

function resolveSecret (secret: unknown): Buffer {
  if (secret === undefined) return randomBytes(32)
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.isBuffer(secret) ? Buffer.from(secret) : undefined
  if (bytes === undefined || bytes.length < MIN_CURSOR_SECRET_BYTES) {
    throw new PaginationInvalidOptionError(`cursorSecret must be a string or Buffer of at least ${MIN_CURSOR_SECRET_BYTES} bytes`)
  }
  return bytes
}

async function platformPaginationPlugin (fastify: FastifyInstance, options: PaginationOptions): Promise<void> {
  const { defaultLimit, maxLimit } = resolveLimits(options)
  const secret = resolveSecret(options.cursorSecret)

  const pagination: PaginationDecorator = Object.freeze({
    defaultLimit,
    maxLimit,
    querySchema: CursorQuerySchema({ defaultLimit, maxLimit }),
    parse: (query: PageQuery, scope?: string) => readPageRequest(query, defaultLimit, maxLimit, secret, scope),
    cursor: (key: CursorKey) => encodeCursor(key, secret),
    scopedCursor: (item: { key: CursorKey, id: string }, scope: string) => encodeScopedCursor(item, scope, secret),
    pageQuerySchema: PageQuerySchema({ defaultLimit, maxLimit }),
    parsePage: (query: PageModeQuery) => readPageMode(query, defaultLimit, maxLimit)
  })
  fastify.decorate('pagination', pagination)
}

/**
 * The pagination plugin: decorates `fastify.pagination` ({@link PaginationDecorator}).
 * Options: {@link PaginationOptions}.
 *
 * @throws `PAGINATION_INVALID_OPTION` at registration for a bad option.
 */
const platformPagination = fp(platformPaginationPlugin, {
  fastify: '5.x',
  name: '@platform-api/pagination'
})

export default platformPagination
export { platformPagination }
