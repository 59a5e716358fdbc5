/**
 * The error catalogue of `@platform-api/auth`, built with `@fastify/error`.
 *
 * Request errors carry what `@platform-api/envelope` renders: `statusCode`, `code`
 * (the `errorCode` of the envelope), optional `parameters` and optional `headers`
 * (set on the reply by the envelope, and by Fastify's default error handler).
 *
 * | code | status | when |
 * |---|---|---|
 * | `UNAUTHORIZED` | 401 | missing, malformed, unknown or wrong HTTP Digest credentials |
 * | `INSUFFICIENT_ROLE` | 403 | none of the principal's roles grants the route's permission |
 * | `INVALID_METHOD_OVERRIDE` | 400 | a POST's `X-HTTP-Method-Override` names a method it may not become |
 * | `AUTH_INVALID_OPTION` | - | a plugin option or a route's `config.permission` is invalid (startup) |
 * | `INVALID_DIGEST_CHALLENGE` | - | {@link digestAuthorization} cannot answer the challenge (client side) |
 *
 * @module
 */
import createError from '@fastify/error'

/**
 * 401: the request carries no acceptable HTTP Digest credentials (RFC 7616 §3.3, §3.4).
 * One message for every cause (missing header, malformed header, unknown key, wrong
 * key, bad nonce), so a client cannot tell which it was.
 */
export const UnauthorizedError = createError(
  'UNAUTHORIZED',
  'Authentication required: send valid HTTP Digest credentials (RFC 7616)',
  401
)

/** 403: the API key lacks the route's permission. Argument: the permission, e.g. `catalog:write`. */
export const InsufficientRoleError = createError<'INSUFFICIENT_ROLE', 403, [string]>(
  'INSUFFICIENT_ROLE',
  'The API key lacks permission %s',
  403
)

/**
 * 400: a `POST` carries `X-HTTP-Method-Override` naming a method it may not become
 * (see `methodOverride`). Argument: the header's value.
 */
export const InvalidMethodOverrideError = createError<'INVALID_METHOD_OVERRIDE', 400, [string]>(
  'INVALID_METHOD_OVERRIDE',
  'X-HTTP-Method-Override may turn a POST into PATCH, PUT or DELETE only, not %s',
  400
)

/** Startup error (no HTTP status): a plugin option or a route config is invalid. Argument: what is wrong. */
export const InvalidOptionError = createError<'AUTH_INVALID_OPTION', [string]>(
  'AUTH_INVALID_OPTION',
  'Invalid @platform-api/auth option: %s'
)

/** Client-side error (no HTTP status): a `WWW-Authenticate` value has no Digest challenge this package can answer. */
export const InvalidChallengeError = createError<'INVALID_DIGEST_CHALLENGE', [string]>(
  'INVALID_DIGEST_CHALLENGE',
  'Cannot answer the WWW-Authenticate challenge: %s'
)

/** Shape of the 401 error thrown by the plugin: `headers` holds the `WWW-Authenticate` challenge(s). */
export type UnauthorizedErrorWithHeaders = InstanceType<typeof UnauthorizedError> & {
  headers: { 'www-authenticate': string | string[] }
}

/** Shape of the 403 error thrown by the permission check: `parameters` is `[permission]`. */
export type InsufficientRoleErrorWithParameters = InstanceType<typeof InsufficientRoleError> & {
  parameters: [string]
}

/**
 * Builds the 401 error with its challenge header(s) attached on `error.headers`.
 *
 * @param wwwAuthenticate - one challenge (a string) or several (one header line each).
 */
export function unauthorized (wwwAuthenticate: string | string[]): UnauthorizedErrorWithHeaders {
  const error = new UnauthorizedError() as UnauthorizedErrorWithHeaders
  error.headers = { 'www-authenticate': wwwAuthenticate }
  return error
}

/** Builds the 403 error for `permission`, with `parameters: [permission]`. */
export function insufficientRole (permission: string): InsufficientRoleErrorWithParameters {
  const error = new InsufficientRoleError(permission) as InsufficientRoleErrorWithParameters
  error.parameters = [permission]
  return error
}

/** Builds the 400 error for a refused `X-HTTP-Method-Override` value, with `parameters: [value]`. */
export function invalidMethodOverride (value: string): InstanceType<typeof InvalidMethodOverrideError> & { parameters: [string] } {
  const shown = JSON.stringify(value.slice(0, 32))
  const error = new InvalidMethodOverrideError(shown) as InstanceType<typeof InvalidMethodOverrideError> & { parameters: [string] }
  error.parameters = [shown]
  return error
}
