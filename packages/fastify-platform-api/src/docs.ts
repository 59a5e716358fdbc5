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
    transformObject: (object) => openApiForPrefix((object as { openapiObject: OpenApiDocument }).openapiObject) as never
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
