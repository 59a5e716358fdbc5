/**
 * The pagination error catalogue. Every `code` here is what clients see as `errorCode`.
 * Errors are made with `@fastify/error`; the thrower sets `parameters` to the query
 * parameter(s) at fault.
 */
import createError from '@fastify/error'

/**
 * 400: a `before` or `after` cursor is malformed, too long, not signed by this service or
 * does not hold a sort key. Argument: the reason. `parameters`: the query parameter
 * (`['after']`) when the cursor came through `parsePageRequest`.
 */
export const InvalidCursorError = createError('INVALID_CURSOR', 'Invalid cursor: %s', 400)

/**
 * 400: the paging parameters do not go together: `before` and `after` both given, or
 * `limit` outside 1..maxLimit. Argument: the reason. `parameters`: the query parameters.
 */
export const InvalidPaginationError = createError('INVALID_PAGINATION', 'Invalid pagination: %s', 400)

/** Startup: an option given to the pagination plugin (or a schema helper) is invalid. */
export const PaginationInvalidOptionError = createError('PAGINATION_INVALID_OPTION', 'Invalid @platform-api/pagination option: %s')

