/**
 * @platform-api/envelope: the response and error format and the HTTP semantics every
 * Platform API answer shares.
 *
 * - every error, ours or Fastify's or a dependency's, becomes
 *   `{error, reason, detail, errorCode, parameters?, requestId}` (YugabyteDB seed "Errors
 *   handling requirements", Atlas `errorCode`/`parameters`), or StarRocks'
 *   `{status, message, result}` with `style: 'status'`; 5xx never leak internals;
 * - `X-Request-Id` on every answer; HTTPS-only with HSTS; 404, 405 + `Allow`, 406;
 * - a validator compiler that rejects unknown fields instead of dropping them.
 */
/// <reference types="@fastify/sensible" preserve="true" />
import { drainUnreadBody } from './lib/drain.js'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifySensible from '@fastify/sensible'
import type { TSchema } from '@sinclair/typebox'
import fp from 'fastify-plugin'
import { HttpsRequiredError, InvalidAttributeError, JsonTooDeepError, MalformedRequestError, ServiceClosingError, UnsupportedContentEncodingError, InvalidOptionError, MethodNotAllowedError, NotAcceptableError, NotFoundError, PermissionWithoutAuthorizationError, withHeaders, withParameters } from './errors.js'
import { acceptsJson, prefersProblemJson } from './lib/accept.js'
import { PROBLEM_JSON, ProblemDetailsSchema, toProblemDetails } from './lib/problem.js'
import { AllowRegistry } from './lib/allow.js'
import { renderError } from './lib/render.js'
import { ErrorBodySchema, StatusBodySchema, StatusErrorBodySchema, type ErrorBody } from './lib/schemas.js'
import { createValidatorBuilder } from './lib/validator.js'
import { createSerializerBuilder } from './lib/serializer.js'
import { DEFAULT_MAX_JSON_DEPTH, exceedsJsonDepth } from './lib/depth.js'
import './lib/principal.js'
import { applyDeprecation } from './lib/deprecation.js'

export * from './errors.js'
export { acceptsJson, prefersProblemJson } from './lib/accept.js'
export { ProblemDetailsSchema, toProblemDetails, PROBLEM_JSON, type ProblemDetails } from './lib/problem.js'
export { attributeError, escapePointer, type AjvErrorLike, type AttributeError } from './lib/validation-error.js'
export { renderError, type RenderedError } from './lib/render.js'
export { createValidatorBuilder, createValidatorCompiler, normalizeName, NAME_FORBIDDEN, platformKeywords, PLATFORM_KEYWORDS, SUITE_AJV_OPTIONS } from './lib/validator.js'
export { exceedsJsonDepth, DEFAULT_MAX_JSON_DEPTH } from './lib/depth.js'
export { platformServerOptions, type PlatformServerOptions, type FastifyHardeningOptions, type NodeServerOptions } from './lib/server-options.js'
export { ErrorBodySchema, StatusBodySchema, StatusErrorBodySchema, type ErrorBody } from './lib/schemas.js'
export type { AccessListEntry, Principal } from './lib/principal.js'
export { deprecationHeaders, type RouteDeprecation } from './lib/deprecation.js'
export { reasonPhrase, codeForStatus } from './lib/status.js'

/** Options of the envelope plugin. */
export interface EnvelopeOptions {
  /**
   * Body style. `plain` (default): bare entities, errors as `{error, reason, detail, errorCode, ...}`.
   * `status` (StarRocks): `{status: "0", message: "OK", result}` and errors as
   * `{status: "<http status>", message, result: {error, reason, detail, errorCode}}`.
   */
  style?: 'plain' | 'status'
  /** Refuse requests that did not arrive over TLS with 403 `HTTPS_REQUIRED` (YugabyteDB seed "HTTPS-only"). Default `true`. */
  httpsOnly?: boolean
  /** `Strict-Transport-Security` max-age on HTTPS answers, in seconds; 0 sends none. Default 31536000 (one year). */
  hstsMaxAgeSeconds?: number
  /** Header carrying the request id, both ways. Default `x-request-id`. */
  requestIdHeader?: string
  /** Reuse a client's well-formed request id (1-128 of `A-Za-z0-9._:-`) instead of making a UUID. Default `true`. */
  trustRequestId?: boolean
  /** Answer 405 with `Allow` for a known path with another method (instead of 404). Default `true`. */
  methodNotAllowed?: boolean
  /** Answer 406 when `Accept` excludes JSON. Default `true`. */
  notAcceptable?: boolean
  /**
   * Deepest nesting of objects and arrays a parsed request body may have, in levels; deeper
   * bodies are 400 `JSON_TOO_DEEP`, checked (without recursion) before validation and before
   * any handler. Default 64.
   */
  maxJsonDepth?: number
  /**
   * The one web origin (`scheme://host[:port]`, e.g. `https://console.example.com`, or the API's
   * own origin) whose scripts may read the answers: sent as `Access-Control-Allow-Origin` on
   * every answer (the Fetch standard's CORS protocol; OWASP API8:2023 asks for an explicit
   * origin). Preflight requests are not answered, so a script of another origin can read only
   * answers to simple requests; a script cannot answer a Digest challenge anyway. `false`
   * (default) sends no header: browsers then refuse every other origin's script the answer.
   * A function (e.g. when the origin is known only once the server listens) is called on the
   * first request, once.
   * @throws ENVELOPE_INVALID_OPTION when it is not a serialized origin (`new URL(o).origin === o`, http or https):
   *   at registration, or for a function on the first request (answered 500, logged).
   */
  allowOrigin?: string | false | (() => string)
}

const DEFAULTS: Required<EnvelopeOptions> = {
  style: 'plain',
  httpsOnly: true,
  hstsMaxAgeSeconds: 31_536_000,
  requestIdHeader: 'x-request-id',
  trustRequestId: true,
  methodNotAllowed: true,
  notAcceptable: true,
  maxJsonDepth: DEFAULT_MAX_JSON_DEPTH,
  allowOrigin: false
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

function checkOptions (options: Required<EnvelopeOptions>): void {
  if (options.style !== 'plain' && options.style !== 'status') throw new InvalidOptionError(`style must be 'plain' or 'status', got ${String(options.style)}`)
  if (!Number.isInteger(options.hstsMaxAgeSeconds) || options.hstsMaxAgeSeconds < 0) throw new InvalidOptionError('hstsMaxAgeSeconds must be an integer >= 0')
  if (typeof options.requestIdHeader !== 'string' || !/^[a-z0-9-]+$/i.test(options.requestIdHeader)) throw new InvalidOptionError('requestIdHeader must be a header name')
  if (!Number.isInteger(options.maxJsonDepth) || options.maxJsonDepth < 1 || options.maxJsonDepth > 10_000) throw new InvalidOptionError('maxJsonDepth must be an integer from 1 to 10000')
  if (options.allowOrigin !== false && typeof options.allowOrigin !== 'function') checkOrigin(options.allowOrigin)
  for (const k of ['httpsOnly', 'trustRequestId', 'methodNotAllowed', 'notAcceptable'] as const) {
    if (typeof options[k] !== 'boolean') throw new InvalidOptionError(`${k} must be a boolean`)
  }
}

/** `value` as a serialized http(s) origin (WHATWG URL: `new URL(value).origin === value`); else ENVELOPE_INVALID_OPTION. */
function checkOrigin (value: unknown): string {
  let ok = false
  if (typeof value === 'string' && value.length <= 2048) {
    try {
      const url = new URL(value)
      ok = (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value
    } catch {}
  }
  if (!ok) throw new InvalidOptionError(`allowOrigin must be false or an origin such as "https://console.example.com" (scheme, host, optional port; no path), got ${JSON.stringify(value)}`)
  return value as string
}

/** The StarRocks-style body (`style: 'status'`). */
export interface StatusBody<T = unknown> { status: string; message: string; result: T }

/** Wrap a rendered error in the `status` style. */
export function toStatusError (body: ErrorBody): StatusBody<ErrorBody> {
  return { status: String(body.error), message: body.reason, result: body }
}

/**
 * `fastify.envelope`: the body style of this context and the response schemas that go with
 * it, so a route declares its answers once (serialization, OpenAPI) in the right style.
 */
export interface EnvelopeDecorator {
  /** The body style of this context. */
  readonly style: 'plain' | 'status'
  /**
   * The `response` schemas of a route: each success schema wrapped for the style (a `null`
   * schema means no body, e.g. 304), and the error body for `4xx` and `5xx`.
   * @param success status code to the schema of the (unwrapped) body, e.g. `{ 200: Entity }`.
   */
  responses (success: Record<number, TSchema | null>): Record<string, TSchema>
  /** The error body schema of this style (`ErrorBodySchema` or `StatusErrorBodySchema`). */
  readonly errorSchema: TSchema
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The envelope's style and response schemas for this context (`@platform-api/envelope`). */
    envelope: EnvelopeDecorator
  }
}

const NO_BODY: TSchema = { type: 'null', description: 'No body' } as unknown as TSchema

/** The response descriptions of the OpenAPI document (RFC 9110 §15). */
const DESCRIPTIONS: Record<string, string> = {
  200: 'OK', 201: 'Created: the body is the new entity, Location its URL', 202: 'Accepted: the task, Location its URL', 204: 'No Content', 304: 'Not Modified (If-None-Match)',
  '4xx': 'Client error, in the error format (application/problem+json on request, RFC 9457)',
  '5xx': 'Server error: a fixed sentence and the requestId, nothing of the fault'
}

function envelopeDecorator (style: 'plain' | 'status'): EnvelopeDecorator {
  const errorSchema = style === 'status' ? StatusErrorBodySchema : ErrorBodySchema
  return Object.freeze({
    style,
    errorSchema,
    responses (success: Record<number, TSchema | null>): Record<string, TSchema> {
      const out: Record<string, TSchema> = {}
      for (const [code, schema] of Object.entries(success)) {
        const body = schema === null ? NO_BODY : style === 'status' ? StatusBodySchema(schema) : schema
        out[code] = { ...body, description: DESCRIPTIONS[code] ?? body.description ?? 'Success' } as TSchema
      }
      for (const range of ['4xx', '5xx']) {
        out[range] = {
          description: DESCRIPTIONS[range],
          content: { 'application/json': { schema: errorSchema }, [PROBLEM_JSON]: { schema: ProblemDetailsSchema } }
        } as unknown as TSchema
      }
      return out
    }
  })
}

/** Set on the context where the envelope is first registered; nested registrations inherit it. */
const kRoot = Symbol('platform-api.envelope.root')
interface EnvelopeRoot {
  registry: AllowRegistry
  methodNotAllowed: boolean
  /** `Access-Control-Allow-Origin` of every answer, `false` for none; a function until the first request resolves it. */
  allowOrigin: string | false | (() => string)
}

async function envelope (fastify: FastifyInstance, opts: EnvelopeOptions): Promise<void> {
  const options: Required<EnvelopeOptions> = { ...DEFAULTS, ...opts }
  checkOptions(options)

  // A nested registration (e.g. `style: 'status'` for one API version) inherits the request
  // id, HTTPS, Accept and validation set up at the root, so every request runs them once;
  // it only sets what differs per context: the style and the error and not-found handlers.
  let root = (fastify as unknown as Record<symbol, EnvelopeRoot | undefined>)[kRoot]
  if (root === undefined) {
    root = { registry: new AllowRegistry(), methodNotAllowed: options.methodNotAllowed, allowOrigin: options.allowOrigin }
    fastify.decorate(kRoot as unknown as string, root)
    fastify.decorate('envelope', envelopeDecorator(options.style))
    if (!fastify.hasDecorator('httpErrors')) await fastify.register(fastifySensible)
    installPerRequest(fastify, options, root)
  } else {
    // This context's own style: shadows the root's decorator for this context and its children.
    (fastify as unknown as { envelope: EnvelopeDecorator }).envelope = envelopeDecorator(options.style)
  }

  if (options.style === 'status') {
    fastify.addHook('preSerialization', async (_request, reply, payload) => {
      if (reply.statusCode >= 400) return payload
      return { status: '0', message: 'OK', result: payload }
    })
  }

  const rootState = root
  fastify.setErrorHandler(function envelopeErrorHandler (error, request, reply) {
    const rendered = renderError(error, request.id)
    // Also for an error thrown before the envelope's onRequest hook ran (e.g. an app's earlier hook).
    reply.header(options.requestIdHeader.toLowerCase(), request.id).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
    if (typeof rootState.allowOrigin === 'string') reply.header('access-control-allow-origin', rootState.allowOrigin)
    if (rendered.fault) request.log.error({ err: error }, 'request failed')
    else request.log.info({ errorCode: rendered.body.errorCode, statusCode: rendered.statusCode }, rendered.body.detail)
    if (rendered.headers !== undefined) reply.headers(rendered.headers)
    reply.code(rendered.statusCode)
    if (prefersProblemJson(request.headers.accept)) {
      // RFC 9457, whatever the style: the client asked for it. Not the route's error schema.
      return reply.type(`${PROBLEM_JSON}; charset=utf-8`).serializer(JSON.stringify).send(toProblemDetails(rendered.body, request.url.split('?', 1)[0] ?? '/'))
    }
    reply.type('application/json; charset=utf-8')
    return options.style === 'status' ? toStatusError(rendered.body) : rendered.body
  })

  const { registry, methodNotAllowed } = root
  fastify.setNotFoundHandler(async (request) => {
    const path = request.url.split('?', 1)[0] ?? '/'
    const allowed = methodNotAllowed ? registry.allowed(path) : []
    if (allowed.length > 0) {
      throw withHeaders(new MethodNotAllowedError(request.method, path.slice(0, 256), allowed.join(', ')), { allow: allowed.join(', ') })
    }
    throw new NotFoundError(request.method, path.slice(0, 256))
  })
}

/** The per-request work, installed once at the root: request id, HTTPS-only + HSTS, 406, validation, the route registry for 405. */
function installPerRequest (fastify: FastifyInstance, options: Required<EnvelopeOptions>, root: EnvelopeRoot): void {
  const header = options.requestIdHeader.toLowerCase()
  const hsts = options.hstsMaxAgeSeconds > 0 ? `max-age=${options.hstsMaxAgeSeconds}; includeSubDomains` : undefined

  fastify.setGenReqId((req) => {
    const given = req.headers[header]
    return options.trustRequestId && typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
  })
  // Fastify's own compiler (@fastify/ajv-compiler), keeping addSchema/$ref and the app's ajv options.
  // (Fastify types buildValidator as @fastify/ajv-compiler's pool function; ours has the same runtime contract.)
  // Both compile each distinct schema once (issue 12: startup).
  fastify.setSchemaController({ compilersFactory: { buildValidator: createValidatorBuilder() as never, buildSerializer: createSerializerBuilder() } })

  // Never serve a permission-guarded route without an authorization that enforces it.
  fastify.addHook('onRoute', function guardPermission (this: FastifyInstance, route) {
    const permission: unknown = route.config?.permission
    if (permission !== undefined && !this.hasDecorator('checkPermission')) {
      throw new PermissionWithoutAuthorizationError(String(route.method), route.url, String(permission))
    }
  })

  // `config.deprecation`: Deprecation / Sunset / Link headers on every answer, `deprecated` in OpenAPI.
  fastify.addHook('onRoute', applyDeprecation)

  // Set when the server starts closing (with the server option `return503OnClosing: false`
  // of `platformServerOptions`, the 503 is answered here, in the error format).
  let closing = false
  fastify.addHook('preClose', (done) => { closing = true; done() })

  // Callback-style hooks (here and below): no promise per hook per request (issue 12: CPU per
  // request); a throw is answered by Fastify's hook runner as an async hook's rejection would be.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    checkRequest(request, reply)
    done()
  })
  function checkRequest (request: FastifyRequest, reply: FastifyReply): void {
    reply.header(header, request.id)
    reply.cacheControl('no-store')
    reply.header('x-content-type-options', 'nosniff')
    if (root.allowOrigin !== false) {
      if (typeof root.allowOrigin === 'function') root.allowOrigin = checkOrigin(root.allowOrigin())
      reply.header('access-control-allow-origin', root.allowOrigin)
    }
    if (closing) {
      reply.header('connection', 'close')
      throw withHeaders(new ServiceClosingError(), { 'retry-after': '1' })
    }
    // HTTP/1.1 requires Host (RFC 9112 §3.2); Node's own check answers without a body, so the
    // server is built with `requireHostHeader: false` and it is answered here.
    const host = request.headers.host
    if (request.raw.httpVersion === '1.1' && (typeof host !== 'string' || host === '')) {
      throw new MalformedRequestError('HTTP/1.1 requires a Host header')
    }
    if (typeof host === 'string' && host !== '' && !HOST.test(host)) throw new MalformedRequestError('the Host header is not host[:port] (RFC 9110 §7.2)')
    const encoding = request.headers['content-encoding']
    if (encoding !== undefined && String(encoding).trim().toLowerCase() !== 'identity') {
      throw new UnsupportedContentEncodingError(String(encoding).slice(0, 100))
    }
    readResponseOptions(request)
    if (request.protocol === 'https') {
      if (hsts !== undefined) reply.header('strict-transport-security', hsts)
    } else if (options.httpsOnly) {
      throw new HttpsRequiredError()
    }
    if (options.notAcceptable && !acceptsJson(request.headers.accept)) {
      throw new NotAcceptableError(String(request.headers.accept).slice(0, 200))
    }
  }

  // Before validation and every handler: no recursive code sees a body nested too deep.
  const maxDepth = options.maxJsonDepth
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (exceedsJsonDepth(request.body, maxDepth)) throw new JsonTooDeepError(String(maxDepth))
    checkDecimalQuery(request)
    done()
  })

  if (options.methodNotAllowed) {
    fastify.addHook('onRoute', (route) => { root.registry.add(route.method, route.url) })
  }

  fastify.addHook('onSend', (request, reply, payload, done) => {
    done(null, rewriteAnswer(request, reply, payload))
  })
  function rewriteAnswer (request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
    // Answered before the body was read (413, 401 to a POST): let the client finish sending, within bounds.
    drainUnreadBody(request, reply)
    const wanted = (request as unknown as Record<symbol, ResponseOptions | undefined>)[kResponseOptions]
    if (wanted === undefined || (typeof payload !== 'string' && payload !== undefined && payload !== null)) return payload
    let text = typeof payload === 'string' && payload !== '' ? payload : 'null'
    if (wanted.envelope) {
      // Atlas `?envelope=true`: for clients that cannot read status codes.
      text = `{"status":${reply.statusCode},"content":${text}}`
      reply.code(200).type('application/json; charset=utf-8')
    }
    if (wanted.pretty) text = JSON.stringify(JSON.parse(text), null, 2)
    return text
  }
}

/** `Host` = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): a reg-name of letters, digits, `-`, `.`, `_`, `~` or an IP literal; at most 255 characters. */
const HOST = /^(?:[A-Za-z0-9._~-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/
const DECIMAL_INTEGER = /^-?\d{1,16}$/
const DECIMAL_NUMBER = /^-?\d{1,16}(?:\.\d{1,16})?$/

/**
 * Integers and numbers in the query string are decimal only: Ajv's coercion would read
 * `0x10`, `1e1`, `+5`, ` 5` or `0b11` as numbers. Checked against the route's querystring
 * schema before validation.
 * @throws INVALID_ATTRIBUTE (400) naming the parameter.
 */
function checkDecimalQuery (request: FastifyRequest): void {
  const schema = request.routeOptions.schema?.querystring as { properties?: Record<string, { type?: unknown }> } | undefined
  const query = request.query as Record<string, unknown> | undefined
  if (schema?.properties === undefined || query === undefined || query === null) return
  for (const [name, value] of Object.entries(query)) {
    const type = Object.hasOwn(schema.properties, name) ? schema.properties[name]?.type : undefined
    if (type !== 'integer' && type !== 'number') continue
    const pattern = type === 'integer' ? DECIMAL_INTEGER : DECIMAL_NUMBER
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && !pattern.test(v)) {
        throw withParameters(new InvalidAttributeError(`Query parameter "${name}" must be a decimal ${type === 'integer' ? 'integer' : 'number'}`), [name])
      }
    }
  }
}

/** The response options a client may add to any request (`?envelope=true`, `?pretty=true`). */
interface ResponseOptions { envelope: boolean, pretty: boolean }
const kResponseOptions = Symbol('platform-api.envelope.responseOptions')
const RESPONSE_OPTIONS = ['envelope', 'pretty'] as const

/**
 * Takes `envelope` and `pretty` out of the query (so routes' query schemas never see them)
 * and remembers them on the request. Values: `true` or `false`.
 * @throws INVALID_ATTRIBUTE (400) for another value.
 */
function readResponseOptions (request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined
  if (query === undefined || query === null || (query.envelope === undefined && query.pretty === undefined)) return
  const wanted: ResponseOptions = { envelope: false, pretty: false }
  ;(request as unknown as Record<symbol, ResponseOptions>)[kResponseOptions] = wanted
  for (const name of RESPONSE_OPTIONS) {
    const value = query[name]
    if (value === undefined) continue
    delete query[name]
    if (value !== 'true' && value !== 'false') {
      throw withParameters(new InvalidAttributeError(`Query parameter "${name}" must be true or false`), [name])
    }
    wanted[name] = value === 'true'
  }
}

/**
 * The envelope plugin. Register it first, at the root (it is wrapped with `fastify-plugin`);
 * register it again inside a prefix with `style: 'status'` for a StarRocks-style API version:
 * that nested registration takes `style` and reuses everything else from the root (the
 * per-request options of the root apply).
 * @throws ENVELOPE_INVALID_OPTION at registration for a bad option.
 */
export const platformEnvelope = fp(envelope, { fastify: '5.x', name: '@platform-api/envelope' })
export default platformEnvelope
