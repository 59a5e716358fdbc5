/**
 * Response schemas of the envelope's bodies, so every route can declare what it answers
 * (serialization by fast-json-stringify, and the OpenAPI document) in the style of its
 * context: YugabyteDB/Atlas `plain` errors, StarRocks `status` bodies.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** The `plain` error body (DESIGN.md, "Where the seeds disagree"); see `renderError`. */
export const ErrorBodySchema = Type.Object({
  error: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code' }),
  reason: Type.String({ description: 'The HTTP status phrase' }),
  detail: Type.String({ description: 'What went wrong, for a person; never internals for a 5xx' }),
  errorCode: Type.String({ description: 'Stable machine-readable code from an error catalogue (docs/errors.md)' }),
  parameters: Type.Optional(Type.Array(Type.Unknown(), { description: 'The values the detail names (fields as JSON Pointers, addresses, ...)' })),
  requestId: Type.String({ description: 'The request id, also sent as X-Request-Id' })
}, { additionalProperties: false, title: 'ErrorBody' })

/** The `plain` error body. */
export type ErrorBody = Static<typeof ErrorBodySchema>

/** StarRocks "HTTP Response Format": `{status: "0", message: "OK", result}`. */
export function StatusBodySchema<T extends TSchema> (result: T) {
  return Type.Object({
    status: Type.String({ description: '"0" on success; the HTTP status code otherwise' }),
    message: Type.String({ description: '"OK" on success; the HTTP status phrase otherwise' }),
    result
  }, { additionalProperties: false })
}

/** The StarRocks-style error body: `{status: "<http status>", message: <reason>, result: <plain error>}`. */
export const StatusErrorBodySchema = StatusBodySchema(ErrorBodySchema)
