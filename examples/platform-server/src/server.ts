/**
 * Build the example Platform API server: Fastify with TLS, the suite, `/health`, the seeded
 * catalog and integrations, and the bootstrap ORG_OWNER key.
 */
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { methodOverride } from '@platform-api/auth'
import fastifyPlatformApi, { platformServerOptions, type PlatformServerOptions, MemoryStore, platformApiDocs, ResourceRegistry, TaskRunner, type AuthOptions, type EnvelopeOptions, type NonceCountStore, type Store } from 'fastify-platform-api'
import type { AccessListEntryInput } from './config.js'
import { ResourceKeyStore } from './key-store.js'
import { REALM, RESOURCES, apiKeys, keyHA1 } from './resources.js'
import { ddlImport } from './import-task.js'
import { normalizeAccessList, registerAccessListRoutes, sweepExpiredEntries } from './access-list.js'
import { UsageRecorder } from './usage.js'
import { registerRateLimits, type RateLimitSettings } from './rate-limit.js'
import { loadCatalogSeed, loadIntegrationsSeed, type CatalogSeed, type IntegrationsSeed } from './seed-data.js'

/** Options of `buildServer`. */
export interface BuildServerOptions {
  /** PEM key and certificate; without them the server speaks plain HTTP (tests with `inject` only). */
  https?: { key: string, cert: string }
  /** Fastify logger option. Default: off. */
  logger?: FastifyServerOptions['logger']
  /** The store. Default: a new MemoryStore. */
  store?: Store
  /** The key to ensure at start, with the ORG_OWNER role. */
  adminKey?: { publicKey: string, privateKey: string, accessList: readonly AccessListEntryInput[] }
  /** Time and size bounds of the HTTP server (`platformServerOptions` of the envelope). Default: its defaults. */
  server?: PlatformServerOptions
  /** Rate limits (per address before authentication, per API key after); `false`: none. Default: `RateLimitSettings` defaults, counters in process. */
  rateLimit?: RateLimitSettings | false
  /** Envelope options (e.g. `httpsOnly: false` for `inject` tests). */
  envelope?: EnvelopeOptions
  /** How often access list usage sums are written, in milliseconds. Default 2000. */
  usageFlushIntervalMs?: number
  /** How often expired access list entries are removed, in milliseconds. Default 60000. */
  accessListSweepIntervalMs?: number
  /** Seed the catalog and integrations when the store has no catalog. Default true. */
  seed?: boolean
  /** HMAC key of Digest nonces (auth `nonceSecret`), at least 32 bytes. Default: random per process. */
  nonceSecret?: string
  /** Where the Digest replay state lives (auth `nonceCountStore`); a `RedisNonceCountStore` for several instances. Default: in memory. */
  nonceCountStore?: NonceCountStore
  /** HMAC key of list cursors (pagination `cursorSecret`), at least 16 bytes. Default: random per process. */
  cursorSecret?: string
  /**
   * The origin clients reach the server at, the base of `href` links (`PUBLIC_URL`).
   * Default: `https://<listening address>:<port>` once it listens (`http://` without TLS).
   */
  publicUrl?: string
  /** Digest settings of @platform-api/auth (e.g. `algorithms: ['SHA-512-256']` for a test). Default: the auth plugin's. */
  digest?: Pick<AuthOptions, 'algorithms' | 'nonceLifetimeSeconds'>
}

/** Request bodies are bounded (API-CONTRACT.md: over 1 MiB is 413). */
export const BODY_LIMIT_BYTES = 1024 * 1024

/**
 * Longest path parameter, in characters: a fullyQualifiedName the API accepts must reach
 * `/name/{fullyQualifiedName}` URL-encoded (the resources plugin checks it at boot).
 */
export const MAX_PARAM_LENGTH = 4096

/** `https://host:port` of a listening server (IPv6 in brackets; a wildcard address as `localhost`). */
function listeningOrigin (app: FastifyInstance, https: boolean): string {
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the server is not listening on a TCP port')
  const host = address.address === '0.0.0.0' || address.address === '::' ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `${https ? 'https' : 'http'}://${host}:${address.port}`
}

/**
 * Build (not start) the server.
 * @returns the Fastify instance and the resource registry over its store.
 */
export async function buildServer (options: BuildServerOptions = {}): Promise<{ app: FastifyInstance, registry: ResourceRegistry, usage: UsageRecorder, runner: TaskRunner }> {
  // Every answer in the error format, even to a request that reaches no route; time and header size bounded (issue 11).
  const { node, connectHandler, maxConnections, ...hardening } = platformServerOptions(options.server)
  const app = Fastify({
    ...hardening,
    ...(options.https !== undefined ? { https: { key: options.https.key, cert: options.https.cert, ...node } } : {}),
    logger: options.logger ?? false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    trustProxy: false,
    // X-HTTP-Method-Override on POST (to PATCH, PUT or DELETE) for clients that cannot send
    // PATCH (Java's HttpURLConnection); Digest still checks the POST the client hashed.
    rewriteUrl: methodOverride()
  })
  app.server.on('connect', connectHandler)
  // Connections over the bound are closed when accepted (before TLS); the open ones are served.
  app.server.maxConnections = maxConnections
  const store = options.store ?? new MemoryStore()
  const registry = new ResourceRegistry(store, RESOURCES)
  // Per address before authentication (failed Digest attempts count), per API key after it.
  if (options.rateLimit !== false) await registerRateLimits(app, options.rateLimit)
  const publicUrl = options.publicUrl ?? (() => listeningOrigin(app, options.https !== undefined))
  const runner = new TaskRunner({ types: [ddlImport], concurrency: 2 })
  const usage = new UsageRecorder(store, options.usageFlushIntervalMs ?? 2000)
  // Before the routes: @fastify/swagger collects them as they are added.
  await app.register(platformApiDocs, {
    rateLimit: options.rateLimit !== false,
    allowOrigin: true,
    info: { title: 'Platform API (example server)', version: '1.0.0', description: 'Catalogs, databases, tables, columns, integrations and API keys; /api/v1 (OpenMetadata and Atlas conventions) and /api/v2 (StarRocks conventions). Every /api route needs HTTP Digest (RFC 7616).' }
  })
  await app.register(fastifyPlatformApi, {
    // Count the use of each access list entry, off the request path (batched writes).
    accessList: { onMatch: (request, entry, address) => { if (request.principal !== null) usage.record(request.principal.id, entry, address) } },
    // The CORS policy made explicit: only the server's own origin (its documentation page) may
    // read the answers from a browser (OWASP API8:2023); an app's envelope options may change it.
    envelope: { allowOrigin: () => new URL(typeof publicUrl === 'string' ? publicUrl : publicUrl()).origin, ...(options.envelope ?? {}) },
    auth: {
      ...(options.digest ?? {}),
      keyStore: new ResourceKeyStore(store),
      realm: REALM,
      ...(options.nonceSecret !== undefined ? { nonceSecret: options.nonceSecret } : {}),
      ...(options.nonceCountStore !== undefined ? { nonceCountStore: options.nonceCountStore } : {})
    },
    ...(options.cursorSecret !== undefined ? { pagination: { cursorSecret: options.cursorSecret } } : {}),
    publicUrl,
    versions: [
      { prefix: '/api/v1', registry, tasks: runner },
      // StarRocks conventions over the same store (API-CONTRACT.md "/api/v2").
      {
        prefix: '/api/v2',
        registry,
        collections: ['catalogs', 'databases', 'tables', 'columns'],
        style: 'status',
        paths: 'nested',
        pagination: 'page',
        put: 'createIfAbsent',
        deleteMissing: 'ok',
        mergePatchTypes: ['application/json'],
        operationIdPrefix: 'v2'
      }
    ]
  })
  await app.register(async (v1) => { registerAccessListRoutes(v1, registry) }, { prefix: '/api/v1' })
  // Tasks run once the app is ready (the store is open); the runner closes with the app.
  // Usage sums are written every few seconds; expired access list entries are swept every minute.
  let sweeper: NodeJS.Timeout | undefined
  app.addHook('onReady', async () => {
    await runner.start(registry)
    usage.start()
    sweeper = setInterval(() => { void sweepExpiredEntries(registry).catch(() => undefined) }, options.accessListSweepIntervalMs ?? 60_000)
    sweeper.unref()
  })
  app.addHook('onClose', async () => {
    if (sweeper !== undefined) clearInterval(sweeper)
    await usage.close().catch(() => undefined)
  })
  app.get('/health', {
    config: { auth: false, accessList: false },
    schema: {
      operationId: 'health',
      summary: 'Liveness',
      description: 'Answers 200 without authentication while the server runs (API-CONTRACT.md "Starting it").',
      tags: ['health'], response: app.envelope.responses({ 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }) }) }
  }, async () => ({ status: 'ok' as const }))

  if (options.seed !== false && (await store.list('catalogs', { limit: 1 })).total === 0) {
    await seedCatalog(registry, await loadCatalogSeed())
    await seedIntegrations(registry, await loadIntegrationsSeed())
  }
  if (options.adminKey !== undefined) await ensureAdminKey(registry, options.adminKey)
  return { app, registry, usage, runner }
}

/** Create the seed's catalogs, databases, tables and columns through the resource services. */
export async function seedCatalog (registry: ResourceRegistry, seed: CatalogSeed): Promise<void> {
  const create = async (collection: string, input: Record<string, unknown>): Promise<void> => {
    const service = registry.get(collection)
    await service.create(service.validateCreate(input))
  }
  for (const catalog of seed.catalogs) {
    await create('catalogs', { name: catalog.name, type: catalog.type, ...(catalog.description !== undefined ? { description: catalog.description } : {}) })
    for (const database of catalog.databases) {
      const databaseFqn = `${catalog.name}.${database.name}`
      await create('databases', { name: database.name, catalog: catalog.name, ...(database.description !== undefined ? { description: database.description } : {}) })
      for (const table of database.tables) {
        const tableFqn = `${databaseFqn}.${table.name}`
        await create('tables', { name: table.name, database: databaseFqn, tableType: table.tableType, ...(table.description !== undefined ? { description: table.description } : {}) })
        for (const [index, column] of table.columns.entries()) {
          await create('columns', { ...column, table: tableFqn, ordinalPosition: index + 1 })
        }
      }
    }
  }
}

/** Create the integrations matrix of the YugabyteDB seed. */
export async function seedIntegrations (registry: ResourceRegistry, seed: IntegrationsSeed): Promise<void> {
  const service = registry.get('integrations')
  for (const integration of seed.integrations) await service.create(service.validateCreate(integration))
}

/**
 * Make sure the bootstrap key exists as ORG_OWNER with this private key and access list
 * (API-CONTRACT.md, `ADMIN_PUBLIC_KEY`).
 */
export async function ensureAdminKey (registry: ResourceRegistry, key: NonNullable<BuildServerOptions['adminKey']>): Promise<void> {
  const service = registry.service(apiKeys)
  const existing = await registry.store.getByName('apiKeys', key.publicKey)
  if (existing !== undefined) {
    // Replaced in place (never deleted first: it may be the last ORG_OWNER key).
    await registry.store.transaction(async (tx) => {
      const current = await service.get(existing.id, tx)
      const { accessList, createdAt } = normalizeAccessList(key.accessList, current.accessListCreatedAt ?? {})
      const { user: _user, ...rest } = current
      await tx.replace('apiKeys', {
        ...rest,
        description: 'Bootstrap ORG_OWNER key',
        roles: ['ORG_OWNER'],
        accessList,
        accessListCreatedAt: createdAt,
        ha1: keyHA1(key.publicKey, key.privateKey),
        version: current.version + 1,
        updatedAt: new Date().toISOString()
      }, current.version)
    })
    return
  }
  await service.create(service.validateCreate({
    description: 'Bootstrap ORG_OWNER key',
    roles: ['ORG_OWNER'],
    accessList: key.accessList.map((entry) => ({ ...entry }))
  }), { context: { publicKey: key.publicKey, privateKey: key.privateKey } })
}
