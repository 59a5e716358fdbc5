/**
 * RFC 9457 "Problem Details for HTTP APIs": the error body a client gets when it asks for
 * `application/problem+json`. The members carry what the suite's own error body carries.
 */
import { Type, type Static } from '@sinclair/typebox'
import { DETAIL_MAX_LENGTH, ERROR_CODE_PATTERN, PARAMETERS_MAX_ITEMS, REQUEST_ID_PATTERN, type ErrorBody } from './schemas.js'

/** Longest `instance` (the request path), in characters: a longer path is cut there. */
export const INSTANCE_MAX_LENGTH = 2048

/** The problem details body (RFC 9457 §3.1), with the suite's extension members (§3.2). */
export const ProblemDetailsSchema = Type.Object({
  type: Type.Literal('about:blank', { description: 'RFC 9457 §3.1.1: "about:blank", the title being the HTTP status phrase' }),
  title: Type.String({ maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9 ()\'-]*$', description: 'The HTTP status phrase' }),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String({ maxLength: DETAIL_MAX_LENGTH }),
  instance: Type.String({ maxLength: INSTANCE_MAX_LENGTH, pattern: '^\\S*$', description: 'The request path (cut at 2048 characters)' }),
  errorCode: Type.String({ maxLength: 64, pattern: ERROR_CODE_PATTERN, description: 'Extension: the error catalogue code (docs/errors.md)' }),
  requestId: Type.String({ maxLength: 128, pattern: REQUEST_ID_PATTERN, description: 'Extension: the request id, also sent as X-Request-Id' }),
  parameters: Type.Optional(Type.Array(Type.Unknown(), { maxItems: PARAMETERS_MAX_ITEMS, description: 'Extension: the values the detail names' }))
}, { additionalProperties: false, title: 'ProblemDetails' })

/** A problem details body. */
export type ProblemDetails = Static<typeof ProblemDetailsSchema>

/** The media type of problem details (RFC 9457 §3). */
export const PROBLEM_JSON = 'application/problem+json'

/** The suite's error as problem details; `instance` is the request path (no query string). */
export function toProblemDetails (body: ErrorBody, path: string): ProblemDetails {
  const problem: ProblemDetails = {
    type: 'about:blank',
    title: body.reason,
    status: body.error,
    detail: body.detail,
    instance: path.slice(0, INSTANCE_MAX_LENGTH),
    errorCode: body.errorCode,
    requestId: body.requestId
  }
  if (body.parameters !== undefined) problem.parameters = body.parameters
  return problem
}
