/**
 * @platform-api/resources: full CRUD resources from TypeBox declarations, over a `Store`.
 *
 * Register it once per API version (it is encapsulated: its JSON Patch content types and
 * routes stay in that version), after the envelope, the pagination and an authorization:
 *
 * ```ts
 * const registry = new ResourceRegistry(new MemoryStore(), [catalogs, databases])
 * await app.register(platformResources, { prefix: '/api/v1', registry, publicUrl: 'https://api.example.com' })
 * ```
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { InvalidResourceError } from './errors.js'
import { JSON_PATCH, MERGE_PATCH } from './lib/patch.js'
import type { PathScheme } from './lib/links.js'
import { createPresenter, registerResourceRoutes } from './lib/routes.js'
import { DEFAULT_ENTITY_CACHE_BYTES, EntityJsonCache } from './lib/entity-cache.js'
import { registerTaskRoutes } from './lib/task-routes.js'
import { TaskRunner } from './lib/tasks.js'
import { BASE_URL_MAX_LENGTH } from './lib/define.js'
import { ResourceRegistry, type DeleteMissingPolicy, type PutPolicy } from './lib/service.js'
import { keepsIdempotencyKeys, type IdempotencyMode, type IdempotencySettings } from './lib/idempotency.js'

export * from './errors.js'
export * from './lib/define.js'
export type { Store, StoredEntity, EntityBase, ListQuery, ListResult, IdempotencyRecord, IdempotencyAnswer } from './lib/store.js'
export { MAX_IDEMPOTENCY_KEY_LENGTH, REPLAYED_HEADER, parseIdempotencyKey, requestFingerprint, type IdempotencyMode } from './lib/idempotency.js'
export { MemoryStore } from './lib/memory-store.js'
export { ResourceRegistry, ResourceService, MAX_EMBEDDED, type PutPolicy, type DeleteMissingPolicy, type WriteOptions, type ListPage } from './lib/service.js'
export { ResourceValidator, type PatchKind } from './lib/validation.js'
export { EntityPresenter, entityPath, pathSegment, type LinkTarget, type PathScheme } from './lib/links.js'
export type { ActionContext, ActionResult, ResourceAction } from './lib/actions.js'
export { applyJsonPatch, applyMergePatch, JSON_PATCH, MERGE_PATCH, type JsonPatchOperation } from './lib/patch.js'
export { etagOf } from './lib/conditional.js'
export { EntityJsonCache, DEFAULT_ENTITY_CACHE_BYTES } from './lib/entity-cache.js'
export { TaskRunner, defineTaskType, tasks, TaskErrorSchema, withLiveProgress, type TaskContext, type TaskEntity, type TaskRunnerOptions, type TaskStatus, type TaskType } from './lib/tasks.js'

/** Options of the resources plugin (one registration = one API version). */
export interface ResourcesOptions {
  /** Required. The declared resources over their store (see `ResourceRegistry`); may be shared by several versions. */
  registry: ResourceRegistry
  /**
   * Required. The public origin clients reach the API at, e.g. `https://api.example.com`
   * (optionally with a path). `href` and `Location` are this plus the registration's prefix;
   * they never come from the request's `Host` header. A function is called once, on the
   * first request that needs a link (for a server whose port is known only once it listens);
   * it must return such a URL.
   */
  publicUrl: string | (() => string)
  /** Which of the registry's collections to serve here. Default: all. */
  collections?: string[]
  /** Longest JSON Patch document accepted, in operations. Default 100. */
  maxPatchOperations?: number
  /** PUT on an existing entity: `upsert` replaces it (OpenMetadata), `createIfAbsent` leaves it (StarRocks). Default `upsert`. */
  put?: PutPolicy
  /** DELETE of an absent entity: `notFound` (404, OpenMetadata/Atlas) or `ok` (200 with `null`, StarRocks "drop if exists"). Default `notFound`. */
  deleteMissing?: DeleteMissingPolicy
  /** Close the registry's store when the app closes (once, however many versions share it). Default `true`. */
  closeStore?: boolean
  /**
   * Path scheme: `flat` (OpenMetadata: `/tables/{id}`, `/tables/name/{fullyQualifiedName}`) or
   * `nested` (StarRocks: `/catalogs/{catalog}/databases/{database}/tables/{table}`, names in the
   * path, categories in snake_case). Default `flat`.
   */
  paths?: PathScheme
  /** List pagination: `cursor` (`limit`, `before`, `after` -> `{data, paging}`) or `page` (`pageNum`, `itemsPerPage` -> `{items, pageNum, itemsPerPage, totalCount}`). Default `cursor`. */
  pagination?: 'cursor' | 'page'
  /** Media types PATCH also takes as a JSON merge patch (RFC 7396) besides `application/merge-patch+json`, e.g. `['application/json']` (StarRocks: "PATCH ... partial information"). Default none. */
  mergePatchTypes?: string[]
  /**
   * The runner of the asynchronous tasks: serves `GET /tasks`, `GET /tasks/{id}` and
   * `DELETE /tasks/{id}` (cancel) here, over the registry's `tasks` collection (declare
   * `runner.resource` in the registry). Start it with `runner.start(registry)`; it is closed with the app.
   */
  tasks?: TaskRunner
  /** Prefix of the OpenAPI `operationId` of every route here (`v2` -> `v2ListTables`), so that several versions in one document stay unique. Default '' (none). */
  operationIdPrefix?: string
  /**
   * Budget of the cache of answered entity JSON, in bytes (each entry: its text's length in
   * characters plus a fixed overhead); least recently used entries go first. Lists, GET and
   * PATCH answers of the `plain` style are then made from each entity's JSON serialized once
   * per version (by the route's response schema), not once per request; an entry serves only
   * the version it was made from. Such answers reach `onSend` hooks as text, not
   * `preSerialization` hooks as objects. 0: no cache. Default 16 MiB (`DEFAULT_ENTITY_CACHE_BYTES`).
   */
  entityCacheBytes?: number
  /**
   * `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) on every POST that creates
   * (collection POST and POST actions): `optional`, `required` (400 `IDEMPOTENCY_KEY_MISSING`
   * without it) or `false` (the header is ignored). A resource's `idempotencyKey` overrides it.
   * Default `optional` when the store keeps idempotency keys (`MemoryStore`, `PostgresStore`),
   * else `false`. @throws RESOURCES_INVALID_OPTION when on and the store keeps none.
   */
  idempotencyKey?: IdempotencyMode
  /** How long a key and its answer are kept, in seconds (the draft leaves the expiry policy to the server, to be documented). Integer 1 .. 2592000 (30 days). Default 86400. */
  idempotencyKeyLifetimeSeconds?: number
  /**
   * How long a request in flight holds its key, in seconds: meanwhile a retry gets 409
   * `IDEMPOTENCY_KEY_IN_USE`; afterwards the holder is taken for gone (its process stopped) and
   * a retry with the same body performs the request (the write and its record commit together,
   * so nothing is done twice). Integer 1 .. `idempotencyKeyLifetimeSeconds`. Default 60.
   */
  idempotencyLockSeconds?: number
  /** Largest answer body kept for replay, in bytes of JSON; a larger one is replayed as 409 `IDEMPOTENT_ANSWER_NOT_KEPT` with its `Location`. Integer 1024 .. 16777216. Default 262144. */
  idempotencyMaxAnswerBytes?: number
  /** The clock of idempotency keys, in milliseconds since the epoch (tests pass a fake one). Default `Date.now`. */
  clock?: () => number
  /**
   * Largest answer of a GET, in bytes of JSON (items with their embedded children). A cursor-mode
   * list page that would be larger is cut: fewer items than `limit`, and `paging.after` continues
   * from the last one answered. A page-mode list page, or one entity with its embedded children,
   * that would be larger is refused: 400 `RESPONSE_TOO_LARGE` (ask for fewer items or fields).
   * Default 4194304 (4 MiB).
   */
  maxResponseBytes?: number
}

/** Default `maxResponseBytes`: 4 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024

const PUBLIC_URL = /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/
const PUBLIC_URL_REQUIRED = 'publicUrl is required: the absolute http(s) URL clients reach the API at, e.g. https://api.example.com (links never come from the Host header)'

/** The base of links: `publicUrl` (checked) plus the prefix; a function's result is checked when first called. */
function linkBase (publicUrl: string | (() => string), prefix: string): string | (() => string) {
  const check = (url: unknown): string => {
    if (typeof url !== 'string' || !PUBLIC_URL.test(url)) throw new InvalidResourceError(PUBLIC_URL_REQUIRED)
    const base = url.replace(/\/$/, '') + prefix
    if (base.length > BASE_URL_MAX_LENGTH) throw new InvalidResourceError(`publicUrl plus the prefix must be at most ${BASE_URL_MAX_LENGTH} characters`)
    return base
  }
  return typeof publicUrl === 'function' ? () => check(publicUrl()) : check(publicUrl)
}

const MODES: readonly unknown[] = ['optional', 'required', false]

function checkIdempotency (options: ResourcesOptions): IdempotencySettings {
  const keeps = options.registry instanceof ResourceRegistry && keepsIdempotencyKeys(options.registry.store)
  const mode = options.idempotencyKey ?? (keeps ? 'optional' : false)
  if (!MODES.includes(mode)) throw new InvalidResourceError("idempotencyKey must be 'optional', 'required' or false")
  const integer = (name: string, value: unknown, min: number, max: number): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new InvalidResourceError(`${name} must be an integer from ${min} to ${max}`)
    return value
  }
  const lifetimeSeconds = integer('idempotencyKeyLifetimeSeconds', options.idempotencyKeyLifetimeSeconds ?? 86_400, 1, 2_592_000)
  const lockSeconds = integer('idempotencyLockSeconds', options.idempotencyLockSeconds ?? Math.min(60, lifetimeSeconds), 1, lifetimeSeconds)
  const maxAnswerBytes = integer('idempotencyMaxAnswerBytes', options.idempotencyMaxAnswerBytes ?? 262_144, 1024, 16_777_216)
  const now = options.clock ?? Date.now
  if (typeof now !== 'function') throw new InvalidResourceError('clock must be a function returning milliseconds since the epoch')
  if (!keeps) {
    const wanted = options.registry instanceof ResourceRegistry ? options.registry.all().some((s) => s.definition.idempotencyKey !== undefined && s.definition.idempotencyKey !== false) : false
    if (mode !== false || wanted) throw new InvalidResourceError('idempotencyKey needs a store that keeps idempotency keys (claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey), e.g. MemoryStore or PostgresStore; or set it to false')
  }
  if (options.registry instanceof ResourceRegistry) {
    for (const s of options.registry.all()) {
      if (s.definition.idempotencyKey !== undefined && !MODES.includes(s.definition.idempotencyKey)) throw new InvalidResourceError(`${s.collection}: idempotencyKey must be 'optional', 'required' or false`)
    }
  }
  return { mode, lifetimeSeconds, lockSeconds, maxAnswerBytes, now }
}

type CheckedOptions = Required<Omit<ResourcesOptions, 'collections' | 'idempotencyKey' | 'idempotencyKeyLifetimeSeconds' | 'idempotencyLockSeconds' | 'idempotencyMaxAnswerBytes' | 'clock'>> & { collections: string[] | undefined, idempotency: IdempotencySettings }

function checkOptions (options: ResourcesOptions): CheckedOptions {
  const paths = options.paths ?? 'flat'
  if (paths !== 'flat' && paths !== 'nested') throw new InvalidResourceError("paths must be 'flat' or 'nested'")
  const pagination = options.pagination ?? 'cursor'
  if (pagination !== 'cursor' && pagination !== 'page') throw new InvalidResourceError("pagination must be 'cursor' or 'page'")
  const mergePatchTypes = options.mergePatchTypes ?? []
  if (!Array.isArray(mergePatchTypes) || mergePatchTypes.some((t) => typeof t !== 'string' || !/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(t))) throw new InvalidResourceError('mergePatchTypes must be an array of media types, e.g. ["application/json"]')
  if (!(options.registry instanceof ResourceRegistry)) throw new InvalidResourceError('registry must be a ResourceRegistry')
  if (typeof options.publicUrl !== 'function' && (typeof options.publicUrl !== 'string' || !PUBLIC_URL.test(options.publicUrl))) {
    throw new InvalidResourceError(PUBLIC_URL_REQUIRED)
  }
  const maxPatchOperations = options.maxPatchOperations ?? 100
  if (!Number.isInteger(maxPatchOperations) || maxPatchOperations < 1) throw new InvalidResourceError('maxPatchOperations must be an integer >= 1')
  const put = options.put ?? 'upsert'
  if (put !== 'upsert' && put !== 'createIfAbsent') throw new InvalidResourceError("put must be 'upsert' or 'createIfAbsent'")
  const deleteMissing = options.deleteMissing ?? 'notFound'
  if (deleteMissing !== 'notFound' && deleteMissing !== 'ok') throw new InvalidResourceError("deleteMissing must be 'notFound' or 'ok'")
  const operationIdPrefix = options.operationIdPrefix ?? ''
  if (typeof operationIdPrefix !== 'string' || !/^[A-Za-z0-9_]*$/.test(operationIdPrefix)) throw new InvalidResourceError('operationIdPrefix must be letters, digits or "_"')
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes < 65_536) throw new InvalidResourceError('maxResponseBytes must be an integer >= 65536')
  const closeStore = options.closeStore ?? true
  if (typeof closeStore !== 'boolean') throw new InvalidResourceError('closeStore must be a boolean')
  if (options.collections !== undefined && !Array.isArray(options.collections)) throw new InvalidResourceError('collections must be an array of collection names')
  if (options.tasks !== undefined && !(options.tasks instanceof TaskRunner)) throw new InvalidResourceError('tasks must be a TaskRunner')
  const entityCacheBytes = options.entityCacheBytes ?? DEFAULT_ENTITY_CACHE_BYTES
  if (!Number.isSafeInteger(entityCacheBytes) || entityCacheBytes < 0) throw new InvalidResourceError('entityCacheBytes must be an integer >= 0 (0: no cache)')
  const idempotency = checkIdempotency(options)
  return { tasks: options.tasks as TaskRunner, registry: options.registry, publicUrl: options.publicUrl, collections: options.collections, maxPatchOperations, put, deleteMissing, closeStore, paths, pagination, mergePatchTypes, operationIdPrefix, maxResponseBytes, entityCacheBytes, idempotency }
}

async function resources (fastify: FastifyInstance, opts: ResourcesOptions): Promise<void> {
  const options = checkOptions(opts)
  const services = options.collections === undefined ? options.registry.all() : options.collections.map((c) => options.registry.get(c))
  // A name the API accepts must be reachable by /name/{fullyQualifiedName}: Fastify's router
  // refuses longer path parameters (414) before any hook runs.
  const needed = Math.max(...services.map((s) => s.schemas.maxEncodedFullyQualifiedNameLength))
  const config = fastify.initialConfig as { routerOptions?: { maxParamLength?: number }, maxParamLength?: number }
  const maxParamLength = config.routerOptions?.maxParamLength ?? config.maxParamLength ?? 100
  if (services.some((s) => s.definition.operations === undefined || s.definition.operations.includes('get')) && maxParamLength < needed) {
    throw new InvalidResourceError(`Fastify's maxParamLength is ${maxParamLength}, but a fullyQualifiedName of these resources can be ${needed} characters in a URL: create the app with Fastify({ routerOptions: { maxParamLength: ${needed} } }) or more`)
  }
  const jsonParser = fastify.getDefaultJsonParser('error', 'error')
  fastify.addContentTypeParser([JSON_PATCH, MERGE_PATCH], { parseAs: 'string' }, jsonParser)
  for (const type of options.mergePatchTypes) {
    if (!fastify.hasContentTypeParser(type)) fastify.addContentTypeParser(type, { parseAs: 'string' }, jsonParser)
  }
  // Text bodies of declared actions (e.g. application/sql) arrive as strings.
  for (const type of new Set(services.flatMap((s) => s.definition.actions ?? []).flatMap((a) => a.mediaTypes))) {
    if (!fastify.hasContentTypeParser(type)) fastify.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
  }
  const baseUrl = linkBase(options.publicUrl, fastify.prefix)
  const presenters = new Map(services.map((s) => [s.collection, createPresenter(options.registry, s, baseUrl, options.paths)]))
  // One per registration: entities are presented under this version's base URL and path scheme.
  const cache = new EntityJsonCache(options.entityCacheBytes)
  for (const service of services) {
    registerResourceRoutes(fastify, service, {
      registry: options.registry,
      baseUrl,
      presenters,
      maxPatchOperations: options.maxPatchOperations,
      put: options.put,
      deleteMissing: options.deleteMissing,
      scheme: options.paths,
      pagination: options.pagination,
      mergePatchTypes: options.mergePatchTypes,
      operationIdPrefix: options.operationIdPrefix,
      tasks: options.tasks,
      maxResponseBytes: options.maxResponseBytes,
      cache,
      idempotency: options.idempotency
    })
  }
  if (options.tasks !== undefined) {
    const runner = options.tasks
    const service = options.registry.service(runner.resource)
    registerTaskRoutes(fastify, runner, service, presenters.get('tasks') ?? createPresenter(options.registry, service, baseUrl, options.paths), options.operationIdPrefix)
    fastify.addHook('onClose', async () => { await runner.close() })
  }
  if (options.closeStore) fastify.addHook('onClose', async () => { await options.registry.close() })
}

/**
 * The resources plugin, encapsulated: register it in the context (prefix) of an API version.
 * Needs `@platform-api/envelope` (error format, validation, response styles) and
 * `@platform-api/pagination`; a resource that declares a `permission` also needs an
 * authorization (`@platform-api/auth`): without one, `ready()` fails.
 * @throws RESOURCES_INVALID_OPTION at registration for a bad option.
 */
export const platformResources = fp(resources, {
  fastify: '5.x',
  name: '@platform-api/resources',
  dependencies: ['@platform-api/envelope', '@platform-api/pagination'],
  encapsulate: true
})
export default platformResources
