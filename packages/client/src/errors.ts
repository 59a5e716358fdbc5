/**
 * The client's errors: `ApiError` for an error answer of the API (any body style), coded
 * errors for bad options and for challenges the client cannot answer.
 */

/** A bad option of `createClient` (thrown at once, not on the first request). */
export class ClientInvalidOptionError extends Error {
  readonly code = 'CLIENT_INVALID_OPTION'
  constructor (message: string) { super(message); this.name = 'ClientInvalidOptionError' }
}

/** The server asked for authentication the client cannot give (no Digest challenge with qop "auth" and an allowed algorithm). */
export class ClientDigestError extends Error {
  readonly code = 'CLIENT_DIGEST_UNSUPPORTED'
  constructor (message: string) { super(message); this.name = 'ClientDigestError' }
}

/** A task ended `failed` or `cancelled`, or did not end in time (`waitForTask`). */
export class TaskFailedError extends Error {
  readonly code = 'CLIENT_TASK_FAILED'
  constructor (message: string, readonly task: Record<string, unknown>) { super(message); this.name = 'TaskFailedError' }
}

/**
 * An error answer (HTTP status >= 400) of the API. Read from every error body the suite sends:
 * plain `{error, reason, detail, errorCode, parameters, requestId}`, the StarRocks style
 * `{status, message, result: {…}}` and RFC 9457 problem details.
 */
export class ApiError extends Error {
  readonly code = 'CLIENT_API_ERROR'
  /** The HTTP status code. */
  readonly status: number
  /** The catalogue code, e.g. `ENTITY_NOT_FOUND`, `INVALID_ATTRIBUTE`; `undefined` when the body had none. */
  readonly errorCode: string | undefined
  /** The human-readable explanation the server gave. */
  readonly detail: string
  /** The values the error is about (e.g. the offending field), when given. */
  readonly parameters: unknown[] | undefined
  /** The server's request id (`X-Request-Id`), for support. */
  readonly requestId: string | undefined
  /** The parsed body (or the text when it was not JSON). */
  readonly body: unknown

  constructor (status: number, body: unknown, requestId: string | undefined) {
    const inner = errorFields(body)
    const detail = typeof inner.detail === 'string' ? inner.detail : typeof inner.message === 'string' ? inner.message : typeof body === 'string' && body !== '' ? body.slice(0, 500) : `HTTP ${status}`
    super(`${status}${typeof inner.errorCode === 'string' ? ` ${inner.errorCode}` : ''}: ${detail}`)
    this.name = 'ApiError'
    this.status = status
    this.errorCode = typeof inner.errorCode === 'string' ? inner.errorCode : undefined
    this.detail = detail
    this.parameters = Array.isArray(inner.parameters) ? inner.parameters : undefined
    this.requestId = typeof inner.requestId === 'string' ? inner.requestId : requestId
    this.body = body
  }
}

function errorFields (body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object') return {}
  const record = body as Record<string, unknown>
  // StarRocks style: {status: "<non-zero>", message, result: {error, reason, detail, errorCode}}
  if ('status' in record && 'result' in record && record.result !== null && typeof record.result === 'object') {
    return { message: record.message, ...(record.result as Record<string, unknown>) }
  }
  return record
}
