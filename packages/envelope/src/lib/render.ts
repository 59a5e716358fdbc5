/**
 * Map any thrown error to the suite's error format. Seeds: YugabyteDB "Errors handling
 * requirements" (`error`, `reason`, `detail`) + Atlas (`errorCode`, `parameters`);
 * StarRocks "HTTP Response Format" for the `status` style.
 */
import { codeForStatus, reasonPhrase } from './status.js'
import { attributeError, type AjvErrorLike } from './validation-error.js'
import { MalformedJsonError } from '../errors.js'
import { DETAIL_MAX_LENGTH, PARAMETERS_MAX_ITEMS, type ErrorBody } from './schemas.js'

export type { ErrorBody }

/** What the error handler needs from a thrown value. */
interface ThrownLike {
  statusCode?: number
  status?: number
  code?: string
  message?: string
  parameters?: unknown[]
  headers?: Record<string, string | string[]>
  validation?: AjvErrorLike[]
  validationContext?: string
}

/** Fastify's own error codes with the code a client sees instead. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'NOT_FOUND'
}

const GENERIC_5XX = 'The server could not complete the request; try again later. Quote the requestId when reporting this.'

/** The result of rendering: status, headers to set, and the plain body. */
export interface RenderedError {
  statusCode: number
  headers: Record<string, string | string[]> | undefined
  body: ErrorBody
  /** True for server faults, which the caller logs at error level. */
  fault: boolean
}

/**
 * Render a thrown value as the suite's error.
 * @param thrown anything a hook or handler threw, or Fastify passed to the error handler.
 * @param requestId the request's id.
 */
export function renderError (thrown: unknown, requestId: string): RenderedError {
  let err = (thrown ?? {}) as ThrownLike
  if (Array.isArray(err.validation) && err.validation.length > 0) {
    err = attributeError(err.validation, err.validationContext ?? 'body') as ThrownLike
  } else if (thrown instanceof SyntaxError && (err.statusCode === 400 || err.status === 400)) {
    // Fastify's JSON parser (and secure-json-parse) throw SyntaxErrors tagged with 400.
    err = new MalformedJsonError(thrown.message) as ThrownLike
  }
  let statusCode = err.statusCode ?? err.status ?? 500
  if (!Number.isInteger(statusCode) || statusCode < 400 || statusCode > 599) statusCode = 500
  const fault = statusCode >= 500
  let errorCode: string
  if (typeof err.code === 'string' && !fault) {
    errorCode = FASTIFY_CODES[err.code] ?? (err.code.startsWith('FST_') || err.code.startsWith('ERR_') ? codeForStatus(statusCode) : err.code)
  } else if (typeof err.code === 'string' && fault && /^[A-Z][A-Z0-9_]*$/.test(err.code) && !err.code.startsWith('FST_')) {
    // Our own catalogued 5xx codes (e.g. STORE_UNAVAILABLE) are safe to show; a driver's are not.
    errorCode = err.code
  } else {
    errorCode = codeForStatus(statusCode)
  }
  const body: ErrorBody = {
    error: statusCode,
    reason: reasonPhrase(statusCode),
    detail: fault ? GENERIC_5XX : (typeof err.message === 'string' && err.message !== '' ? err.message.slice(0, DETAIL_MAX_LENGTH) : reasonPhrase(statusCode)),
    errorCode,
    requestId
  }
  if (!fault && Array.isArray(err.parameters)) body.parameters = err.parameters.slice(0, PARAMETERS_MAX_ITEMS)
  // A 5xx keeps none of the thrower's headers except a 503's Retry-After (RFC 9110 §10.2.3).
  const retryAfter = statusCode === 503 ? err.headers?.['retry-after'] : undefined
  const headers = fault ? (retryAfter !== undefined ? { 'retry-after': retryAfter } : undefined) : err.headers
  return { statusCode, headers, body, fault }
}
