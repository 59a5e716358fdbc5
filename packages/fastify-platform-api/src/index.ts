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
import platformAccessList, { type AccessListOptions } from '@platform-api/access-list'
import platformAuth, { type AuthOptions } from '@platform-api/auth'
import platformEnvelope, { type EnvelopeOptions } from '@platform-api/envelope'
import platformPagination, { type PaginationOptions } from '@platform-api/pagination'
import platformResources, { type DeleteMissingPolicy, type PathScheme, type PutPolicy, type ResourceRegistry } from '@platform-api/resources'

export { platformAccessList, platformAuth, platformEnvelope, platformPagination, platformResources }
export * from '@platform-api/resources'
export {
  computeHA1, computeAllHA1, digestAuthorization, hasPermission, methodOverride, DEFAULT_ROLES, DEFAULT_ALGORITHMS,
  MemoryKeyStore, MemoryNonceCountStore, RedisNonceCountStore,
  type ApiKeyCredentials, type AuthOptions, type DigestAlgorithm, type KeyStore, type NonceCountStore, type Principal
} from '@platform-api/auth'
export { compileAccessList, parseAccessListEntry, type AccessListOptions } from '@platform-api/access-list'
export { createValidatorCompiler, withParameters, withHeaders, platformServerOptions, type PlatformServerOptions, type EnvelopeOptions, type ErrorBody } from '@platform-api/envelope'
export { encodeCursor, decodeCursor, type PaginationOptions, type Paging } from '@platform-api/pagination'

/** One API version: a prefix and the resources it serves. */
export interface ApiVersionOptions {
  /** URL prefix, e.g. `/api/v1`. */
  prefix: string
  /** The declared resources and their store. */
  registry: ResourceRegistry
  /** Serve only these collections. Default: all of the registry's. */
  collections?: string[]
  /** Body style of this version (see EnvelopeOptions.style). Default: the root envelope's. */
  style?: 'plain' | 'status'
  /** PUT on an existing entity in this version. Default `upsert`. */
  put?: PutPolicy
  /** DELETE of an absent entity in this version. Default `notFound`. */
  deleteMissing?: DeleteMissingPolicy
  /** Longest JSON Patch document, in operations. Default 100. */
  maxPatchOperations?: number
  /** Path scheme: `flat` (OpenMetadata) or `nested` (StarRocks, names in the path). Default `flat`. */
  paths?: PathScheme
  /** List pagination: `cursor` or `page`. Default `cursor`. */
  pagination?: 'cursor' | 'page'
  /** Media types PATCH also takes as a merge patch, e.g. `['application/json']`. Default none. */
  mergePatchTypes?: string[]
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

async function platformApi (fastify: FastifyInstance, options: PlatformApiOptions): Promise<void> {
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
        ...(version.mergePatchTypes !== undefined ? { mergePatchTypes: version.mergePatchTypes } : {})
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
