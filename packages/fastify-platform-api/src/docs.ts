/**
 * The OpenAPI 3.1 document of a Platform API, from the route schemas (`@fastify/swagger`), and
 * its page (`@fastify/swagger-ui`), with the suite's conventions: the HTTP Digest security
 * scheme (RFC 7616) on every operation, `security: []` on routes with `config.auth: false`,
 * the document and the page reachable without authentication, paths in a stable order, and
 * "Try it out" switched off (Swagger UI cannot answer a Digest challenge; see the README).
 */
import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import { DocsInvalidOptionError } from './errors.js'

/** The name of the security scheme in `components.securitySchemes`. */
export const DIGEST_SECURITY_SCHEME = 'digest'

/** Options of {@link platformApiDocs}. */
export interface PlatformApiDocsOptions {
  /** Where the page is served; the document is at `<routePrefix>/json` and `<routePrefix>/yaml`. Default `/documentation`. */
  routePrefix?: string
  /** The document's `info`. Default `{ title: 'Platform API', version: '1.0.0' }`. */
  info?: { title: string, version: string, description?: string }
  /** The document's `servers`, e.g. `[{ url: 'https://api.example.com' }]`. Default none (the page's origin). */
  servers?: Array<{ url: string, description?: string }>
  /** Serve the page with `@fastify/swagger-ui`. Default `true`; `false` serves no route (call `app.swagger()` yourself). */
  ui?: boolean
  /**
   * The API answers 429 when a client goes over a rate limit and sends the IETF
   * `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers on every answer
   * (e.g. `@fastify/rate-limit` with `enableDraftSpec: true` in `onRequest`): document the
   * 429 (with `Retry-After`) on every operation and the headers on every 2xx and 4xx answer. Default `false`.
   */
  rateLimit?: boolean
  /**
   * The API sends `Access-Control-Allow-Origin` on every answer (the envelope's `allowOrigin`):
   * document the header on every answer (OWASP API8:2023 "define CORS origin"). Default `false`.
   */
  allowOrigin?: boolean
}

export { DocsInvalidOptionError }

const DEFAULT_INFO = { title: 'Platform API', version: '1.0.0' }

/** An OpenAPI document as JSON (the shape `app.swagger()` returns). */
export interface OpenApiDocument {
  openapi: string
  info: Record<string, unknown>
  paths?: Record<string, Record<string, unknown>>
  components?: Record<string, unknown>
  tags?: Array<{ name: string }>
  [key: string]: unknown
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

const INT32 = 2 ** 31

/** The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers) `@fastify/rate-limit` sends with `enableDraftSpec`. */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'Requests allowed in the current window', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32 - 1 } },
  'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32 - 1 } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32 - 1 } }
}

type Responses = Record<string, { description?: string, headers?: Record<string, unknown>, content?: unknown } | { $ref: string }>

/**
 * `format` of an integer schema from its bounds (`int32` when both fit in 32 bits, else `int64`):
 * a fact the bounds already state, written where OpenAPI tools look for it. Changes `node` in place.
 */
function integerFormats (node: unknown): void {
  if (Array.isArray(node)) { for (const item of node) integerFormats(item); return }
  if (node === null || typeof node !== 'object') return
  const schema = node as Record<string, unknown>
  if (schema.type === 'integer' && schema.format === undefined && typeof schema.minimum === 'number' && typeof schema.maximum === 'number') {
    schema.format = schema.minimum >= -INT32 && schema.maximum < INT32 ? 'int32' : 'int64'
  }
  for (const value of Object.values(schema)) integerFormats(value)
}

/**
 * The answers every operation of a Platform API can give besides its own, written out (OWASP API
 * Security Top 10 2023, API4 and API8): 401 with the Digest challenge on every operation that
 * needs authentication, 500 (a fixed sentence and the request id), and with `rateLimit` the 429
 * and the RateLimit headers. Each takes the error schemas the operation's `4XX` / `5XX` declares,
 * kept once in `components.responses` (one per error style, named after the schema's title) and
 * referenced; the headers are in `components.headers`. Changes `document` in place; idempotent.
 */
function documentCommonAnswers (document: OpenApiDocument, rateLimit: boolean, allowOrigin: boolean): void {
  const components = (document.components ??= {}) as { responses?: Record<string, unknown>, headers?: Record<string, unknown> }
  const shared = (components.responses ??= {})
  const named = new Map<string, string>()
  /** A `$ref` to the shared answer `name` + the error style of `content`, made on first use. */
  const refTo = (name: string, content: unknown, extra: Record<string, unknown>): { $ref: string } => {
    const json = JSON.stringify(content)
    const style = (content as Record<string, { schema?: { title?: string } }>)['application/json']?.schema?.title ?? 'Error'
    let key = named.get(`${name} ${json}`)
    if (key === undefined) {
      key = `${name}${style}`
      for (let n = 2; key in shared && JSON.stringify((shared[key] as { content?: unknown }).content) !== json; n++) key = `${name}${style}${n}`
      // A copy: the YAML document would otherwise carry anchors for objects shared with the operations.
      shared[key] = { ...extra, content: structuredClone(content) }
      named.set(`${name} ${json}`, key)
    }
    return { $ref: `#/components/responses/${key}` }
  }
  if (rateLimit) {
    const headers = (components.headers ??= {})
    Object.assign(headers, structuredClone(RATE_LIMIT_HEADERS), { 'Retry-After': { description: 'Seconds to wait before trying again (RFC 9110 §10.2.3)', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32 - 1 } } })
  }
  if (allowOrigin) {
    const headers = (components.headers ??= {})
    headers[ALLOW_ORIGIN] = { description: 'The one web origin whose scripts may read the answer (CORS; envelope option allowOrigin)', schema: { type: 'string', format: 'uri', maxLength: 2048 } }
  }
  // New objects at each use: shared ones would become YAML anchors and aliases.
  const rateLimitRefs = (): Record<string, { $ref: string }> => Object.fromEntries(Object.keys(RATE_LIMIT_HEADERS).map((h) => [h, { $ref: `#/components/headers/${h}` }]))
  for (const item of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue
      const op = operation as { responses?: Responses, security?: unknown[] }
      const responses = op.responses ?? {}
      const clientError = responses['4XX'] as { content?: unknown } | undefined
      const serverError = responses['5XX'] as { content?: unknown } | undefined
      const secured = op.security === undefined || op.security.length > 0
      if (clientError?.content !== undefined && secured && responses['401'] === undefined) {
        responses['401'] = refTo('Unauthorized', clientError.content, {
          description: 'Unauthorized: no or a wrong HTTP Digest Authorization (RFC 7616); WWW-Authenticate carries one challenge per algorithm offered',
          headers: {
            'WWW-Authenticate': { description: 'Digest challenges (RFC 7616 §3.3)', schema: { type: 'string', maxLength: 4096, pattern: '^Digest ' } },
            ...(rateLimit ? rateLimitRefs() : {})
          }
        })
      }
      if (serverError?.content !== undefined && responses['500'] === undefined) {
        responses['500'] = refTo('InternalServerError', serverError.content, { description: 'Internal Server Error: a fixed sentence and the requestId, nothing of the fault' })
      }
      if (rateLimit && clientError?.content !== undefined && responses['429'] === undefined) {
        responses['429'] = refTo('TooManyRequests', clientError.content, {
          description: 'Too Many Requests (errorCode RATE_LIMITED): per client address before authentication, per API key after it',
          headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' }, ...rateLimitRefs() }
        })
      }
      if (rateLimit) {
        for (const [status, response] of Object.entries(responses)) {
          if (/^[24]/.test(status) && !('$ref' in response)) response.headers = { ...rateLimitRefs(), ...(response.headers ?? {}) }
        }
      }
      op.responses = responses
    }
  }
  if (allowOrigin) {
    const withOrigin = (response: { headers?: Record<string, unknown> }): void => {
      response.headers = { [ALLOW_ORIGIN]: { $ref: `#/components/headers/${ALLOW_ORIGIN}` }, ...(response.headers ?? {}) }
    }
    for (const response of Object.values(shared)) withOrigin(response as { headers?: Record<string, unknown> })
    for (const item of Object.values(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue
        for (const response of Object.values((operation as { responses?: Responses }).responses ?? {})) {
          if (!('$ref' in response)) withOrigin(response)
        }
      }
    }
  }
}

const ALLOW_ORIGIN = 'Access-Control-Allow-Origin'

/**
 * The part of an OpenAPI document under one path prefix (e.g. `/api/v1`), for a document per API
 * version: only those paths, only the tags they use; components are kept whole. Paths are in
 * sorted order, so two calls give the same JSON. Pure: the input is not changed.
 * @param prefix a path prefix without a trailing slash; `''` keeps every path.
 */
export function openApiForPrefix (document: OpenApiDocument, prefix = ''): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const path of Object.keys(document.paths ?? {}).sort()) {
    if (prefix === '' || path === prefix || path.startsWith(`${prefix}/`)) paths[path] = (document.paths ?? {})[path] as Record<string, unknown>
  }
  const used = new Set<string>()
  for (const item of Object.values(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue
      for (const tag of (operation as { tags?: string[] }).tags ?? []) used.add(tag)
    }
  }
  const out: OpenApiDocument = { ...document, paths }
  if (document.tags !== undefined) out.tags = document.tags.filter((tag) => used.has(tag.name))
  return out
}

async function docs (fastify: FastifyInstance, options: PlatformApiDocsOptions): Promise<void> {
  const routePrefix = options.routePrefix ?? '/documentation'
  if (typeof routePrefix !== 'string' || !/^\/[A-Za-z0-9/_-]*[A-Za-z0-9_-]$/.test(routePrefix)) {
    throw new DocsInvalidOptionError('routePrefix must be a path such as "/documentation" (no trailing slash)')
  }
  const info = options.info ?? DEFAULT_INFO
  if (typeof info.title !== 'string' || typeof info.version !== 'string') throw new DocsInvalidOptionError('info needs a title and a version (strings)')
  if (options.servers !== undefined && (!Array.isArray(options.servers) || options.servers.some((s) => typeof s?.url !== 'string'))) {
    throw new DocsInvalidOptionError('servers must be an array of { url }')
  }
  if (options.rateLimit !== undefined && typeof options.rateLimit !== 'boolean') throw new DocsInvalidOptionError('rateLimit must be a boolean')
  if (options.allowOrigin !== undefined && typeof options.allowOrigin !== 'boolean') throw new DocsInvalidOptionError('allowOrigin must be a boolean')

  // The page and the documents are public: no Digest, no access list (they say nothing secret).
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.url === routePrefix || route.url.startsWith(`${routePrefix}/`)) {
      route.config = { ...(route.config ?? {}), auth: false, accessList: false } as RouteOptions['config']
    }
  })

  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info,
      ...(options.servers !== undefined ? { servers: options.servers } : {}),
      components: {
        securitySchemes: {
          [DIGEST_SECURITY_SCHEME]: {
            type: 'http',
            scheme: 'digest',
            description: 'HTTP Digest (RFC 7616): username = public key, password = private key; qop "auth"; algorithms SHA-256, MD5 and SHA-512-256 (and -sess) as the server offers them.'
          }
        }
      },
      security: [{ [DIGEST_SECURITY_SCHEME]: [] }]
    },
    transform: ({ schema, url, route }) => {
      if ((route.config as { auth?: unknown } | undefined)?.auth === false && schema !== undefined && schema !== null) {
        return { schema: { ...schema, security: [] } as typeof schema, url }
      }
      return { schema, url }
    },
    transformObject: (object) => {
      const document = openApiForPrefix((object as { openapiObject: OpenApiDocument }).openapiObject)
      documentCommonAnswers(document, options.rateLimit === true, options.allowOrigin === true)
      integerFormats(document)
      return document as never
    }
  })

  if (options.ui !== false) {
    await fastify.register(fastifySwaggerUi, {
      routePrefix,
      uiConfig: { docExpansion: 'list', deepLinking: true, supportedSubmitMethods: [], tryItOutEnabled: false }
    })
  }
}

/**
 * Register `@fastify/swagger` (OpenAPI 3.1) and `@fastify/swagger-ui` with the suite's conventions.
 * Register it **before** the routes it documents (before `fastifyPlatformApi`'s versions): swagger
 * collects routes as they are added. Serves `<routePrefix>` (page), `<routePrefix>/json` and
 * `<routePrefix>/yaml` without authentication; `app.swagger()` gives the document.
 * @throws DocsInvalidOptionError (`DOCS_INVALID_OPTION`) at registration for a bad option.
 */
export const platformApiDocs = fp(docs, { fastify: '5.x', name: 'platform-api-docs' })
