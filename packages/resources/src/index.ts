/**
 * @platform-api/resources: full CRUD resources from TypeBox declarations, over a `Store`.
 *
 * Register it inside an API version prefix (it is encapsulated on purpose: its JSON Patch
 * content types stay in that version):
 *
 * ```ts
 * const registry = new ResourceRegistry(new MemoryStore(), [catalogs, databases])
 * app.register(async (v1) => { await v1.register(platformResources, { registry }) }, { prefix: '/api/v1' })
 * ```
 */
import type { FastifyInstance } from 'fastify'
import platformPagination from '@platform-api/pagination'
import { InvalidResourceError } from './errors.js'
import { JSON_PATCH, MERGE_PATCH } from './lib/patch.js'
import { registerResourceRoutes } from './lib/routes.js'
import { ResourceRegistry } from './lib/service.js'

export * from './errors.js'
export * from './lib/define.js'
export type { Store, StoredEntity, ListQuery, ListResult } from './lib/store.js'
export { MemoryStore } from './lib/memory-store.js'
export { ResourceRegistry, ResourceService, MAX_EMBEDDED, type ServiceOptions } from './lib/service.js'
export { applyJsonPatch, applyMergePatch, JSON_PATCH, MERGE_PATCH, type JsonPatchOperation } from './lib/patch.js'
export { etagOf } from './lib/routes.js'

/** Options of the resources plugin. */
export interface ResourcesOptions {
  /** The declared resources over their store (see `ResourceRegistry`). */
  registry: ResourceRegistry
  /** Which of the registry's collections to serve here. Default: all. */
  collections?: string[]
  /** Absolute base URL of `href` links, e.g. `https://api.example.com/api/v1`. Default: from the request's protocol, Host and the prefix. */
  baseUrl?: string
  /** Longest JSON Patch document accepted, in operations. Default 100. */
  maxPatchOperations?: number
}

async function resources (fastify: FastifyInstance, options: ResourcesOptions): Promise<void> {
  if (!(options.registry instanceof ResourceRegistry)) throw new InvalidResourceError('registry must be a ResourceRegistry')
  const maxPatchOperations = options.maxPatchOperations ?? 100
  if (!Number.isInteger(maxPatchOperations) || maxPatchOperations < 1) throw new InvalidResourceError('maxPatchOperations must be an integer >= 1')
  if (options.baseUrl !== undefined && !/^https?:\/\/[^/]+(\/.*)?$/.test(options.baseUrl)) throw new InvalidResourceError('baseUrl must be an absolute http(s) URL')
  if (!fastify.hasDecorator('pagination')) await fastify.register(platformPagination)
  fastify.addContentTypeParser([JSON_PATCH, MERGE_PATCH], { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'))
  const services = options.collections === undefined ? options.registry.all() : options.collections.map((c) => options.registry.get(c))
  const baseUrl = options.baseUrl?.replace(/\/$/, '')
  for (const service of services) registerResourceRoutes(fastify, service, { baseUrl, maxPatchOperations })
}

/**
 * The resources plugin (encapsulated: register it in the context of an API version).
 * @throws RESOURCES_INVALID_OPTION at registration for a bad option.
 */
export const platformResources = resources
export default platformResources
