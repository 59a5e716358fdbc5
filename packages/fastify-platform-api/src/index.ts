/**
 * fastify-platform-api: the whole Platform API suite in one registration.
 *
 * Registers, in this order (DESIGN.md, "One encapsulation tree"): envelope (errors, request
 * ids, HTTPS-only, strict validation), auth (HTTP Digest, roles), access list (per-key IP
 * allow list), pagination, then one encapsulated context per API version serving the
 * declared resources.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { PlatformApiInvalidOptionError } from './errors.js'
import platformAccessList, { type AccessListOptions } from '@platform-api/access-list'
import platformAuth, { type AuthOptions } from '@platform-api/auth'
import platformEnvelope, { type EnvelopeOptions } from '@platform-api/envelope'
import platformPagination, { type PaginationOptions } from '@platform-api/pagination'
import platformResources, { type ResourcesOptions } from '@platform-api/resources'

export { platformAccessList, platformAuth, platformEnvelope, platformPagination, platformResources }
export { PlatformApiInvalidOptionError } from './errors.js'
export * from '@platform-api/resources'
export {
  computeHA1, computeAllHA1, digestAuthorization, hasPermission, methodOverride, DEFAULT_ROLES, DEFAULT_ALGORITHMS,
  MemoryKeyStore, MemoryNonceCountStore, RedisNonceCountStore,
  type ApiKeyCredentials, type AuthOptions, type DigestAlgorithm, type KeyStore, type NonceCountStore, type Principal
} from '@platform-api/auth'
export { compileAccessList, parseAccessListEntry, type AccessListOptions } from '@platform-api/access-list'
export { createValidatorCompiler, withParameters, withHeaders, platformServerOptions, deprecationHeaders, type PlatformServerOptions, type EnvelopeOptions, type ErrorBody, type RouteDeprecation } from '@platform-api/envelope'
export { encodeCursor, decodeCursor, ListResponseSchema, PageResponseSchema, type PaginationOptions, type Paging } from '@platform-api/pagination'
export { platformApiDocs, openApiForPrefix, DocsInvalidOptionError, DIGEST_SECURITY_SCHEME, type PlatformApiDocsOptions, type OpenApiDocument } from './docs.js'
export { compareApiDocuments, formatBreakingChanges, sortKeysDeep, resolveLocalRefs, pointerToken, type ApiChange, type ApiComparison } from './compat.js'

/**
 * One API version: a prefix and the resources it serves, with the options of
 * `@platform-api/resources` for this version (each documented there, once).
 */
export interface ApiVersionOptions extends Pick<ResourcesOptions,
'registry' | 'collections' | 'put' | 'deleteMissing' | 'maxPatchOperations' | 'paths' | 'pagination' | 'mergePatchTypes' |
'tasks' | 'operationIdPrefix' | 'entityCacheBytes' | 'idempotencyKey' | 'idempotencyKeyLifetimeSeconds' |
'idempotencyLockSeconds' | 'idempotencyMaxAnswerBytes' | 'clock' | 'maxResponseBytes'> {
  /** URL prefix, e.g. `/api/v1`. */
  prefix: string
  /** Body style of this version (see EnvelopeOptions.style). Default: the root envelope's. */
  style?: 'plain' | 'status'
}

/** Options of the umbrella plugin: each sub-plugin's options under its name. */
export interface PlatformApiOptions {
  /**
   * Required when `versions` are given. The public origin clients reach the API at, e.g.
   * `https://api.example.com`: `href` and `Location` are this plus each version's prefix.
   */
  publicUrl?: string | (() => string)
  /** @platform-api/envelope options. HTTPS-only is on by default. */
  envelope?: EnvelopeOptions
  /** @platform-api/auth options; `keyStore` is required. */
  auth: AuthOptions
  /** @platform-api/access-list options, or `false` to leave IP access lists out. */
  accessList?: AccessListOptions | false
  /** @platform-api/pagination options. */
  pagination?: PaginationOptions
  /** The API versions to serve. */
  versions?: ApiVersionOptions[]
}

const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Check the umbrella's own options (each sub-plugin checks its own). @throws PLATFORM_API_INVALID_OPTION */
function checkOptions (options: PlatformApiOptions): void {
  if (!isObject(options)) throw new PlatformApiInvalidOptionError('options must be an object')
  if (!isObject(options.auth)) throw new PlatformApiInvalidOptionError('auth is required: the @platform-api/auth options (keyStore, …)')
  for (const name of ['envelope', 'pagination'] as const) {
    if (options[name] !== undefined && !isObject(options[name])) throw new PlatformApiInvalidOptionError(`${name} must be an object of @platform-api/${name} options`)
  }
  if (options.accessList !== undefined && options.accessList !== false && !isObject(options.accessList)) throw new PlatformApiInvalidOptionError('accessList must be an object of @platform-api/access-list options, or false')
  if (options.versions !== undefined && !Array.isArray(options.versions)) throw new PlatformApiInvalidOptionError('versions must be an array of { prefix, registry, … }')
  for (const [i, version] of (options.versions ?? []).entries()) {
    if (!isObject(version) || typeof version.prefix !== 'string' || !version.prefix.startsWith('/')) throw new PlatformApiInvalidOptionError(`versions[${i}].prefix must be a path such as /api/v1`)
  }
  if ((options.versions ?? []).length > 0 && options.publicUrl === undefined) throw new PlatformApiInvalidOptionError('publicUrl is required with versions: the origin clients reach the API at (links never come from the Host header)')
  if (options.publicUrl !== undefined && typeof options.publicUrl !== 'string' && typeof options.publicUrl !== 'function') throw new PlatformApiInvalidOptionError('publicUrl must be a URL string or a function answering one')
}

async function platformApi (fastify: FastifyInstance, options: PlatformApiOptions): Promise<void> {
  checkOptions(options)
  await fastify.register(platformEnvelope, options.envelope ?? {})
  await fastify.register(platformAuth, options.auth)
  if (options.accessList !== false) await fastify.register(platformAccessList, options.accessList ?? {})
  await fastify.register(platformPagination, options.pagination ?? {})
  for (const version of options.versions ?? []) {
    await fastify.register(async (scope) => {
      if (version.style !== undefined && version.style !== (options.envelope?.style ?? 'plain')) {
        await scope.register(platformEnvelope, { ...options.envelope, style: version.style })
      }
      await scope.register(platformResources, {
        registry: version.registry,
        publicUrl: options.publicUrl as string | (() => string),
        ...(version.collections !== undefined ? { collections: version.collections } : {}),
        ...(version.put !== undefined ? { put: version.put } : {}),
        ...(version.deleteMissing !== undefined ? { deleteMissing: version.deleteMissing } : {}),
        ...(version.maxPatchOperations !== undefined ? { maxPatchOperations: version.maxPatchOperations } : {}),
        ...(version.paths !== undefined ? { paths: version.paths } : {}),
        ...(version.pagination !== undefined ? { pagination: version.pagination } : {}),
        ...(version.mergePatchTypes !== undefined ? { mergePatchTypes: version.mergePatchTypes } : {}),
        ...(version.tasks !== undefined ? { tasks: version.tasks } : {}),
        ...(version.operationIdPrefix !== undefined ? { operationIdPrefix: version.operationIdPrefix } : {}),
        ...(version.entityCacheBytes !== undefined ? { entityCacheBytes: version.entityCacheBytes } : {}),
        ...(version.idempotencyKey !== undefined ? { idempotencyKey: version.idempotencyKey } : {}),
        ...(version.idempotencyKeyLifetimeSeconds !== undefined ? { idempotencyKeyLifetimeSeconds: version.idempotencyKeyLifetimeSeconds } : {}),
        ...(version.idempotencyLockSeconds !== undefined ? { idempotencyLockSeconds: version.idempotencyLockSeconds } : {}),
        ...(version.idempotencyMaxAnswerBytes !== undefined ? { idempotencyMaxAnswerBytes: version.idempotencyMaxAnswerBytes } : {}),
        ...(version.clock !== undefined ? { clock: version.clock } : {}),
        ...(version.maxResponseBytes !== undefined ? { maxResponseBytes: version.maxResponseBytes } : {})
      })
    }, { prefix: version.prefix })
  }
}

/**
 * Register the suite. Options: {@link PlatformApiOptions}.
 * @throws the sub-plugins' `*_INVALID_OPTION` errors at startup for bad options.
 */
export const fastifyPlatformApi = fp(platformApi, { fastify: '5.x', name: 'fastify-platform-api' })
export default fastifyPlatformApi
