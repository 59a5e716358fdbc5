/**
 * `X-HTTP-Method-Override` for clients that cannot send PATCH (Java's
 * `HttpURLConnection`) or PUT / DELETE: a `POST` carrying the header is routed as the
 * method it names.
 *
 * Fastify picks the route from `req.method` before any hook runs, so the override is a
 * `rewriteUrl` function (the one server option called before routing). It records the
 * method of the request line, which the Digest check must use: the client hashed `POST`
 * (RFC 7616 §3.4.3, HA2 = H(method ":" uri)). Routing, `config.permission` and the
 * route's preconditions then follow the overriding method.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'

/** Where the method of the request line is kept on `request.raw` when an override changed it. */
export const kRequestLineMethod = Symbol.for('platform-api.auth.requestLineMethod')

/** Set on `request.raw` to the header's value when a POST named a method that may not override it. */
export const kRefusedMethodOverride = Symbol.for('platform-api.auth.refusedMethodOverride')

/** Options of {@link methodOverride}. */
export interface MethodOverrideOptions {
  /**
   * Methods a POST may become (upper case).
   * @defaultValue `['PATCH', 'PUT', 'DELETE']`
   */
  methods?: readonly string[]
  /**
   * The request header naming the method (any case).
   * @defaultValue `'x-http-method-override'`
   */
  header?: string
}

type RawRequest = IncomingMessage & { [kRequestLineMethod]?: string, [kRefusedMethodOverride]?: string }

/**
 * Builds the `rewriteUrl` server option that applies `X-HTTP-Method-Override`:
 *
 * ```ts
 * const app = Fastify({ rewriteUrl: methodOverride() })
 * ```
 *
 * Only a `POST` is overridden, only to one of `methods`. A `POST` whose header names any
 * other method is answered 400 `INVALID_METHOD_OVERRIDE` by the auth plugin's hook
 * (never run as a plain POST: the client meant something else). The URL is returned
 * unchanged.
 *
 * @throws TypeError when `methods` holds something other than PATCH, PUT or DELETE, or `header` is empty.
 */
export function methodOverride (options: MethodOverrideOptions = {}): (req: IncomingMessage) => string {
  const methods = new Set(options.methods ?? ['PATCH', 'PUT', 'DELETE'])
  for (const method of methods) {
    if (method !== 'PATCH' && method !== 'PUT' && method !== 'DELETE') {
      throw new TypeError(`methodOverride: a POST may only become PATCH, PUT or DELETE, not ${JSON.stringify(method)}`)
    }
  }
  const header = (options.header ?? 'x-http-method-override').toLowerCase()
  if (header.length === 0) throw new TypeError('methodOverride: header must be a non-empty header name')

  return function rewriteUrl (req: IncomingMessage): string {
    const url = req.url as string
    if (req.method !== 'POST') return url
    const value = req.headers[header]
    if (value === undefined) return url
    const method = (Array.isArray(value) ? value.join(',') : value).trim().toUpperCase()
    const raw = req as RawRequest
    if (methods.has(method)) {
      raw[kRequestLineMethod] = 'POST'
      req.method = method
    } else {
      raw[kRefusedMethodOverride] = Array.isArray(value) ? value.join(',') : value
    }
    return url
  }
}

/** The method the client put on the request line (what it hashed): the overridden POST, or `request.raw.method`. */
export function requestLineMethod (raw: IncomingMessage, method: string): string {
  return (raw as RawRequest)[kRequestLineMethod] ?? method
}

/** The refused `X-HTTP-Method-Override` value of this request, if any. */
export function refusedMethodOverride (raw: IncomingMessage): string | undefined {
  return (raw as RawRequest)[kRefusedMethodOverride]
}
