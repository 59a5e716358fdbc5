/**
 * Route-level `preParsing` check that a body comes in one of the route's media types, so a
 * client gets 415 before the body is read (YugabyteDB seed: "Content-Type: application/json").
 * Media types are matched by `request.is()` (@fastify/sensible, `type-is`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type {} from '@fastify/sensible'
import { UnsupportedMediaTypeError } from '@platform-api/envelope'

/** The media type of a Content-Type header value, lowercased, without parameters. */
export function mediaType (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  return header.split(';', 1)[0]?.trim().toLowerCase()
}

/** A `preParsing` hook refusing bodies outside `types` with 415 `UNSUPPORTED_MEDIA_TYPE`. */
export function requireMediaType (types: readonly string[]) {
  const list = types.join(' or ')
  const accepted = [...types]
  return async function checkMediaType (request: FastifyRequest, _reply: FastifyReply, payload: unknown): Promise<unknown> {
    const header = request.headers['content-type']
    // `request.is` answers null for a request without a body; an empty body of the right type then reaches the parser.
    const matched = request.is(accepted)
    if (header === undefined || matched === false || (matched === null && !accepted.includes(mediaType(header) ?? ''))) {
      throw new UnsupportedMediaTypeError(mediaType(header) ?? '(none)', list)
    }
    // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be misread.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(header)?.[1]?.toLowerCase()
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      throw new UnsupportedMediaTypeError(`${mediaType(header) ?? ''}; charset=${charset.slice(0, 40)}`, `${list} in UTF-8`)
    }
    return payload
  }
}
