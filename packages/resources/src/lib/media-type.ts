/**
 * Route-level `preParsing` check that a body comes in one of the route's media types, so a
 * client gets 415 before the body is read (YugabyteDB seed: "Content-Type: application/json").
 * Media types are matched by `request.is()` (@fastify/sensible, `type-is`); its verdict on a
 * `Content-Type` value is remembered (clients send the same few values again and again).
 */
import type { FastifyRequest, preParsingHookHandler } from 'fastify'
import type {} from '@fastify/sensible'
import { UnsupportedMediaTypeError } from '@platform-api/envelope'

/** The media type of a Content-Type header value, lowercased, without parameters. */
export function mediaType (header: string | undefined): string | undefined {
  if (header === undefined) return undefined
  return header.split(';', 1)[0]?.trim().toLowerCase()
}

/** Distinct Content-Type values whose verdict a route remembers; then it starts over. */
const REMEMBERED_VALUES = 256

/** Why a Content-Type value is refused: the 415's arguments; `null`: accepted. */
type Verdict = { given: string, expected: string } | null

/** Whether a request has a body, as `type-is` decides it (`request.is` answers null without one). */
function hasBody (request: FastifyRequest): boolean {
  return request.headers['transfer-encoding'] !== undefined || !isNaN(request.headers['content-length'] as unknown as number)
}

/**
 * A `preParsing` hook refusing bodies outside `types` with 415 `UNSUPPORTED_MEDIA_TYPE`.
 * Callback style: no promise per request (issue 12: CPU per request); the 415 is thrown, which
 * Fastify's hook runner answers as it would an async hook's rejection.
 */
export function requireMediaType (types: readonly string[]): preParsingHookHandler {
  const list = types.join(' or ')
  const accepted = [...types]
  const verdicts = new Map<string, Verdict>()
  const judge = (request: FastifyRequest, header: string | undefined): Verdict => {
    // `request.is` answers null for a request without a body; an empty body of the right type then reaches the parser.
    const matched = request.is(accepted)
    if (header === undefined || matched === false || (matched === null && !accepted.includes(mediaType(header) ?? ''))) {
      return { given: mediaType(header) ?? '(none)', expected: list }
    }
    // JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be misread.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(header)?.[1]?.toLowerCase()
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      return { given: `${mediaType(header) ?? ''}; charset=${charset.slice(0, 40)}`, expected: `${list} in UTF-8` }
    }
    return null
  }
  return function checkMediaType (request, _reply, payload, done) {
    const header = request.headers['content-type']
    let verdict: Verdict | undefined
    if (header !== undefined && hasBody(request)) {
      verdict = verdicts.get(header)
      if (verdict === undefined) {
        verdict = judge(request, header)
        if (verdicts.size >= REMEMBERED_VALUES) verdicts.clear()
        verdicts.set(header, verdict)
      }
    } else {
      verdict = judge(request, header)
    }
    if (verdict !== null) throw new UnsupportedMediaTypeError(verdict.given, verdict.expected)
    done(null, payload)
  }
}
