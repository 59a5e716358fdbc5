/**
 * The envelope's error catalogue. Every `code` here is what clients see as `errorCode`.
 * Errors are made with `@fastify/error`, so each has `code`, `statusCode` and a
 * `message` built from the format string.
 */
import createError from '@fastify/error'

/** 400: a field is unknown, read-only or has an invalid value. `parameters`: JSON Pointers of the fields. */
export const InvalidAttributeError = createError('INVALID_ATTRIBUTE', '%s', 400)
/** 400: a required field is missing. `parameters`: JSON Pointers of the fields. */
export const MissingAttributeError = createError('MISSING_ATTRIBUTE', '%s', 400)
/** 400: the body is not valid JSON. */
export const MalformedJsonError = createError('MALFORMED_JSON', 'The request body is not valid JSON: %s', 400)
/** 404: no route and no entity at this path. */
export const NotFoundError = createError('NOT_FOUND', 'No resource at %s %s', 404)
/** 405: the path exists but not for this method; the reply carries `Allow`. */
export const MethodNotAllowedError = createError('METHOD_NOT_ALLOWED', 'Method %s is not allowed on %s; allowed: %s', 405)
/** 406: the `Accept` header excludes JSON. */
export const NotAcceptableError = createError('NOT_ACCEPTABLE', 'This API answers application/json; the Accept header "%s" excludes it', 406)
/** 415: the request body has a media type the route does not take. */
export const UnsupportedMediaTypeError = createError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type "%s"; use %s', 415)
/** 403: plain HTTP was used where HTTPS is required (YugabyteDB seed: "HTTPS-only"). */
export const HttpsRequiredError = createError('HTTPS_REQUIRED', 'This API is served over HTTPS only', 403)
/** Startup: an option given to the envelope plugin is invalid. */
export const InvalidOptionError = createError('ENVELOPE_INVALID_OPTION', 'Invalid @platform-api/envelope option: %s')
/**
 * Startup: a route declares `config.permission` but no authorization that enforces it
 * (a `checkPermission` decorator, e.g. from `@platform-api/auth`) is registered in its
 * context. The suite never serves such a route open.
 */
export const PermissionWithoutAuthorizationError = createError(
  'PERMISSION_WITHOUT_AUTHORIZATION',
  'Route %s %s declares config.permission "%s" but no authorization enforces it: register @platform-api/auth (or a plugin decorating checkPermission) before the route'
)

/**
 * What the suite's errors may carry besides `code`, `statusCode` and `message`, rendered by
 * the envelope: `parameters` (Atlas: the values the detail names) and `headers` (set on the
 * reply; an array value sends the header once per element).
 */
export interface ErrorExtras {
  parameters?: unknown[]
  headers?: Record<string, string | string[]>
}

/** Set Atlas-style `error.parameters` (rendered by the envelope) and return the error. */
export function withParameters<E extends Error, P extends unknown[]> (error: E, parameters: P): E & { parameters: P } {
  return Object.assign(error, { parameters })
}

/** Set `error.headers` (sent with the error answer, e.g. `WWW-Authenticate`, `Retry-After`) and return the error. */
export function withHeaders<E extends Error, H extends Record<string, string | string[]>> (error: E, headers: H): E & { headers: H } {
  return Object.assign(error, { headers })
}
