/**
 * The example server's own error catalogue: SQL DDL that cannot be taken. Codes are what
 * clients see as `errorCode`; `parameters` are `[line, column]` of the problem (1-based).
 */
import createError from '@fastify/error'

/** 400: the SQL does not parse. Arguments: line, column, the parser's message. */
export const InvalidSqlError = createError('INVALID_SQL', 'SQL syntax error at line %s, column %s: %s', 400)

/** 400: the SQL parses but asks for something this server does not do (another statement than CREATE TABLE, AS SELECT, LIKE, an unknown key column, a bad name). Arguments: line, column, what. */
export const UnsupportedSqlError = createError('UNSUPPORTED_SQL', 'Unsupported SQL at line %s, column %s: %s', 400)

/** 429: too many requests from this address (before authentication) or with this API key; the reply carries `Retry-After` and `RateLimit-*`. Arguments: the limit, the wait. */
export const RateLimitedError = createError('RATE_LIMITED', 'Rate limit exceeded: at most %s requests per window; retry in %s', 429)

/** 409: the change would leave the organisation without an ORG_OWNER (key or user). Argument: what was refused. */
export const LastOrgOwnerError = createError('LAST_ORG_OWNER', '%s: it would leave no ORG_OWNER; give another key or user ORG_OWNER first', 409)

/** 400: an API key names a user that does not exist, or roles its user does not have. Argument: the reason. */
export const InvalidKeyUserError = createError('INVALID_KEY_USER', '%s', 400)

/** 409: another column of the table holds this `ordinalPosition` (positions are unique per table). Arguments: the position, the column holding it. */
export const OrdinalPositionTakenError = createError('ORDINAL_POSITION_TAKEN', 'ordinalPosition %s is taken by column "%s" of this table; choose a free position or leave ordinalPosition out (after the last column)', 409)

/** 409: the table has no position left (the last column is at the largest ordinalPosition). Argument: the largest ordinalPosition. */
export const NoOrdinalPositionLeftError = createError('NO_ORDINAL_POSITION_LEFT', 'the table has a column at ordinalPosition %s, the largest allowed: no position is left after it', 409)
