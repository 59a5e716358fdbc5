/**
 * `config.deprecation` of a route: the operation answers as before, and every answer (errors
 * too) says it is deprecated, with the `Deprecation` header (RFC 9745 §2), when it stops
 * answering, with the `Sunset` header (RFC 8594 §3), and where to read about it, with a `Link`
 * of relation `deprecation` (RFC 9745 §3). The OpenAPI document marks the operation
 * `deprecated: true`.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { InvalidOptionError } from '../errors.js'

/** `config.deprecation` of a route. */
export interface RouteDeprecation {
  /**
   * When the operation is (or was) deprecated: a `Date` or an ISO-8601 date-time string. Sent as
   * `Deprecation: @<epoch seconds>` (RFC 9745 §2.1, a Structured Field Date, RFC 9651 §3.3.7).
   */
  date: Date | string
  /**
   * When the operation is expected to stop answering: a `Date` or an ISO-8601 date-time string,
   * not before `date` (RFC 9745 §4). Sent as `Sunset: <IMF-fixdate>` (RFC 8594 §3). Default: none.
   */
  sunset?: Date | string
  /**
   * A page about the deprecation (what to use instead): an absolute `http(s)` URL or a path
   * starting with `/`. Sent as `Link: <link>; rel="deprecation"; type="text/html"` (RFC 9745 §3).
   * Default: none.
   */
  link?: string
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Announce this operation as deprecated (RFC 9745 / RFC 8594 headers, `deprecated` in OpenAPI). */
    deprecation?: RouteDeprecation
  }
}

function instant (value: unknown, what: string): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
  if (date === undefined || Number.isNaN(date.getTime())) throw new InvalidOptionError(`${what} must be a Date or an ISO-8601 date-time`)
  return date
}

/**
 * The headers a deprecated operation sends, checked once.
 * @throws ENVELOPE_INVALID_OPTION for a date that is not one, a sunset before the date, or a link
 * that is neither an http(s) URL nor a path.
 */
export function deprecationHeaders (deprecation: RouteDeprecation, route: string): Record<string, string> {
  if (deprecation === null || typeof deprecation !== 'object') throw new InvalidOptionError(`${route}: config.deprecation must be { date, sunset?, link? }`)
  const date = instant(deprecation.date, `${route}: config.deprecation.date`)
  const headers: Record<string, string> = { deprecation: `@${Math.floor(date.getTime() / 1000)}` }
  if (deprecation.sunset !== undefined) {
    const sunset = instant(deprecation.sunset, `${route}: config.deprecation.sunset`)
    if (sunset.getTime() < date.getTime()) throw new InvalidOptionError(`${route}: config.deprecation.sunset must not be before its date (RFC 9745 §4)`)
    headers.sunset = sunset.toUTCString()
  }
  if (deprecation.link !== undefined) {
    const link = deprecation.link
    const ok = typeof link === 'string' && (/^\/[^\s<>"]*$/.test(link) || (/^https?:\/\/[^\s<>"]+$/.test(link) && URL.canParse(link)))
    if (!ok) throw new InvalidOptionError(`${route}: config.deprecation.link must be an http(s) URL or a path starting with /`)
    headers.link = `<${link}>; rel="deprecation"; type="text/html"`
  }
  return headers
}

/**
 * For the envelope's `onRoute` hook: a route with `config.deprecation` gets an `onSend` hook
 * that sets the headers on every answer, and `deprecated: true` in its schema (OpenAPI).
 */
export function applyDeprecation (route: RouteOptions): void {
  const deprecation = route.config?.deprecation
  if (deprecation === undefined) return
  const headers = deprecationHeaders(deprecation, `${String(route.method)} ${route.url}`)
  const announce = async (_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    for (const [name, value] of Object.entries(headers)) {
      const existing = name === 'link' ? reply.getHeader('link') : undefined
      reply.header(name, existing === undefined ? value : [...(Array.isArray(existing) ? existing : [String(existing)]), value])
    }
    return payload
  }
  const onSend = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend]
  route.onSend = [...onSend, announce] as RouteOptions['onSend']
  route.schema = { ...(route.schema ?? {}), deprecated: true } as RouteOptions['schema']
}
