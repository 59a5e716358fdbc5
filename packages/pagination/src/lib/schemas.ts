/**
 * TypeBox schemas for cursor-paged list routes, in OpenMetadata's form (seed "Listing
 * entities"): querystring `limit`, `before`, `after`; answer `{data, paging}`.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import { MAX_CURSOR_LENGTH } from './cursor.js'
import { MAX_LIMIT, resolveLimits, type LimitOptions } from './page-request.js'

/** The `paging` object of a list answer. */
export interface Paging {
  /** Cursor to the first item of this page, to page backwards; `null` at the start of the list. */
  before: string | null
  /** Cursor to the last item of this page, to page forwards; `null` at the end of the list. */
  after: string | null
  /** Number of items in the whole list (every page), not in this page. */
  total: number
}

/** A cursor as answered: base64url (RFC 4648 §5), with a `.`-separated signature when signed. */
const CursorSchema = Type.String({ maxLength: MAX_CURSOR_LENGTH, pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)?$' })

/** Schema of {@link Paging}: `{ before: string | null, after: string | null, total: integer >= 0 }`. */
export const PagingSchema = Type.Object({
  before: Type.Union([CursorSchema, Type.Null()], { description: 'Cursor to page backwards from this page; null at the start' }),
  after: Type.Union([CursorSchema, Type.Null()], { description: 'Cursor to page forwards from this page; null at the end' }),
  total: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Number of items in the whole list' })
}, { additionalProperties: false })

/**
 * Schema of a list answer: `{ data: item[], paging: Paging }`.
 * @param item - the schema of one item (the entity schema).
 * @param maxLimit - the largest page (the plugin's `maxLimit`), the most items `data` holds. Default 1000.
 */
export function ListResponseSchema<T extends TSchema> (item: T, maxLimit: number = MAX_LIMIT) {
  return Type.Object({ data: Type.Array(item, { maxItems: maxLimit }), paging: PagingSchema })
}

/**
 * Querystring schema of a cursor-paged list route: `limit` (integer 1..maxLimit,
 * default defaultLimit: Fastify's Ajv coerces and fills it in), `before` and `after`
 * (1..MAX_CURSOR_LENGTH = 2048 characters). Compose it with a route's filters (e.g. `Type.Composite`).
 *
 * @throws `PAGINATION_INVALID_OPTION` unless 1 <= defaultLimit <= maxLimit (integers).
 */
export function CursorQuerySchema (options: LimitOptions = {}) {
  const { defaultLimit, maxLimit } = resolveLimits(options)
  return Type.Object({
    limit: Type.Optional(Type.Integer({
      minimum: 1,
      maximum: maxLimit,
      default: defaultLimit,
      description: 'Largest number of items to return'
    })),
    before: Type.Optional(Type.String({
      minLength: 1,
      maxLength: MAX_CURSOR_LENGTH,
      description: 'Cursor: return the items before this one (from paging.before)'
    })),
    after: Type.Optional(Type.String({
      minLength: 1,
      maxLength: MAX_CURSOR_LENGTH,
      description: 'Cursor: return the items after this one (from paging.after)'
    }))
  })
}

/** The type of a {@link CursorQuerySchema} result. */
export type TCursorQuery = ReturnType<typeof CursorQuerySchema>
