/**
 * Response schemas of the envelope's bodies, so every route can declare what it answers
 * (serialization by fast-json-stringify, and the OpenAPI document) in the style of its
 * context: YugabyteDB/Atlas `plain` errors, StarRocks `status` bodies.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** Longest `detail` of an error body, in characters: a longer message is cut there (see `renderError`). */
export const DETAIL_MAX_LENGTH = 2048

/** Most `parameters` an error body carries: further ones are left out (see `renderError`). */
export const PARAMETERS_MAX_ITEMS = 32

/** An error catalogue code (`INVALID_ATTRIBUTE`): upper-case letters, digits and `_`. */
export const ERROR_CODE_PATTERN = '^[A-Z][A-Z0-9_]*$'

/** A request id: what the envelope generates (a UUID) or accepts from a trusted `X-Request-Id`. */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$'

/** An HTTP status phrase (RFC 9110 §15), e.g. "Not Found". */
const ReasonSchema = Type.String({ maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9 ()\'-]*$', description: 'The HTTP status phrase' })

/** The `plain` error body (DESIGN.md, "Where the seeds disagree"); see `renderError`. */
export const ErrorBodySchema = Type.Object({
  error: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code' }),
  reason: ReasonSchema,
  detail: Type.String({ maxLength: DETAIL_MAX_LENGTH, description: 'What went wrong, for a person; never internals for a 5xx' }),
  errorCode: Type.String({ maxLength: 64, pattern: ERROR_CODE_PATTERN, description: 'Stable machine-readable code from an error catalogue (docs/errors.md)' }),
  parameters: Type.Optional(Type.Array(Type.Unknown(), { maxItems: PARAMETERS_MAX_ITEMS, description: 'The values the detail names (fields as JSON Pointers, addresses, ...)' })),
  requestId: Type.String({ maxLength: 128, pattern: REQUEST_ID_PATTERN, description: 'The request id, also sent as X-Request-Id' })
}, { additionalProperties: false, title: 'ErrorBody' })

/** The `plain` error body. */
export type ErrorBody = Static<typeof ErrorBodySchema>

/** StarRocks "HTTP Response Format": `{status: "0", message: "OK", result}`. */
export function StatusBodySchema<T extends TSchema> (result: T) {
  return Type.Object({
    status: Type.String({ maxLength: 3, pattern: '^(0|[1-5][0-9][0-9])$', description: '"0" on success; the HTTP status code otherwise' }),
    message: Type.String({ maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9 ()\'-]*$', description: '"OK" on success; the HTTP status phrase otherwise' }),
    result
  }, { additionalProperties: false })
}

/** The StarRocks-style error body: `{status: "<http status>", message: <reason>, result: <plain error>}`. */
export const StatusErrorBodySchema = Type.Object(StatusBodySchema(ErrorBodySchema).properties, { additionalProperties: false, title: 'StatusErrorBody' })
