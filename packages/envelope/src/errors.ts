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

/** 400: the JSON body nests objects or arrays deeper than the server allows (`maxJsonDepth`). */
export const JsonTooDeepError = createError('JSON_TOO_DEEP', 'The request body nests objects or arrays deeper than %s levels', 400)

/** 400: the request target is not a valid URL (e.g. a bad percent-encoding such as `/%zz`). */
export const InvalidUrlError = createError('INVALID_URL', 'The request URL is not valid: %s', 400)
/** 414: a path parameter is longer than the server accepts. */
export const UriTooLongError = createError('URI_TOO_LONG', 'A path segment of the request URL is longer than the server accepts', 414)
/** 400: the request could not be read as HTTP (framing, `Content-Length`, `Host`, ...). */
export const MalformedRequestError = createError('MALFORMED_REQUEST', 'The request is not well-formed HTTP: %s', 400)
/** 408: the client did not send the whole request (headers or body) in time. */
export const RequestTimeoutError = createError('REQUEST_TIMEOUT', 'The request was not received in time (%s)', 408)
/** 431: the request headers are larger than the server accepts. */
export const HeadersTooLargeError = createError('REQUEST_HEADER_FIELDS_TOO_LARGE', 'The request headers exceed %s bytes', 431)
/** 413: the request body is larger than the route accepts. */
export const PayloadTooLargeError = createError('PAYLOAD_TOO_LARGE', 'The request body exceeds %s bytes', 413)
/** 415: the request body has a `Content-Encoding` the server does not decode. */
export const UnsupportedContentEncodingError = createError('UNSUPPORTED_CONTENT_ENCODING', 'Unsupported Content-Encoding "%s"; send the body without one (identity)', 415)
/** 503: the server is shutting down; retry (on another instance). The reply carries `Retry-After`. */
export const ServiceClosingError = createError('SERVICE_UNAVAILABLE', 'The server is shutting down; retry the request', 503)
