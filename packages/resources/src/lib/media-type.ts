/**
 * Route-level `preParsing` check that a body comes in one of the route's media types, so a
 * client gets 415 before the body is read (YugabyteDB seed: "Content-Type: application/json").
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { UnsupportedMediaTypeError } from '@platform-api/envelope'

/** The media type of a Content-Type header value, lowercased, without parameters. */
export function mediaType (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  return header.split(';', 1)[0]?.trim().toLowerCase()
}

/** A `preParsing` hook refusing bodies outside `types` with 415 `UNSUPPORTED_MEDIA_TYPE`. */
export function requireMediaType (types: readonly string[]) {
  const list = types.join(' or ')
  return async function checkMediaType (request: FastifyRequest, _reply: FastifyReply, payload: unknown): Promise<unknown> {
    const type = mediaType(request.headers['content-type'])
    if (type === undefined || !types.includes(type)) throw new UnsupportedMediaTypeError(type ?? '(none)', list)
    return payload
  }
}
