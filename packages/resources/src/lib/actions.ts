/**
 * Action routes: `/api/{version}/{target-object-access-path}/{action}` (StarRocks "API
 * Format"): for what no HTTP method on the object says, e.g. creating a table from SQL
 * (`tables/create`) or importing a DDL script into a database (`databases/{id}/import`).
 * An action is declared on a resource and served by every API version that serves the
 * resource, with the resource's permission group, the version's path scheme and style.
 */
import type { TSchema } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { LinkTarget, PathScheme } from './links.js'
import type { DeleteMissingPolicy, PutPolicy, ResourceRegistry, ResourceService } from './service.js'
import type { Store, StoredEntity } from './store.js'
import type { TaskRunner } from './tasks.js'

/** What an action handler is given. */
export interface ActionContext {
  /** The HTTP method the action was called with. */
  method: 'POST' | 'PUT'
  /** The parsed body: a string for text media types (e.g. `application/sql`), the validated JSON otherwise. */
  body: unknown
  /** The request. */
  request: FastifyRequest
  /** The reply (for headers; return the answer rather than sending it). */
  reply: FastifyReply
  /** The resource the action is declared on. */
  service: ResourceService
  /** All resources of the registry. */
  registry: ResourceRegistry
  /** For an `item` action: the entity in the path. */
  entity?: StoredEntity
  /** For a `collection` action of a resource with a parent, in the nested scheme: the parent in the path. */
  parent?: StoredEntity
  /** The policies of this API version. */
  policies: { put: PutPolicy, deleteMissing: DeleteMissingPolicy, scheme: PathScheme }
  /** An entity of `collection` as this API version answers it (links in its scheme); `omitParent` for one embedded in its parent. */
  present: (collection: string, entity: StoredEntity, options?: { omitParent?: boolean }) => Record<string, unknown>
  /** The absolute URL of an entity of `collection` in this API version. */
  href: (collection: string, entity: LinkTarget) => string
  /** The task runner of this API version (`tasks` option), for actions that answer 202 with a task. */
  tasks?: TaskRunner
  /**
   * The store to write through. For a POST with an `Idempotency-Key` it is the transaction
   * that also keeps the answer, so the write and its idempotency record commit together (and
   * `registry.store` would wait for it on a `MemoryStore`); otherwise the registry's store.
   */
  store: Store
}

/** What an action handler answers: the status, the body (wrapped by the version's style) and headers. */
export interface ActionResult {
  statusCode: number
  body: unknown
  headers?: Record<string, string>
}

/** One declared action. */
export interface ResourceAction {
  /** The URL segment after the path, e.g. `create`, `import`. */
  name: string
  /** `collection`: `/{collection path}/{name}`; `item`: `/{item path}/{name}`. */
  target: 'collection' | 'item'
  /** HTTP methods; POST and PUT differ by the handler (PUT: create if absent). */
  methods: ReadonlyArray<'POST' | 'PUT'>
  /** The permission action: `<group>:read` or `<group>:write` of the resource's permission group. */
  access: 'read' | 'write'
  /** Media types of the body, e.g. `['application/sql']`; text types arrive as a string. Other types: 415. */
  mediaTypes: readonly string[]
  /** The JSON body schema, when the media type is JSON. */
  body?: TSchema
  /**
   * The answers by status code, unwrapped (the version's style wraps them); `null`: no body;
   * `'entity'`: the resource's entity as answered (with the children `?fields` can embed).
   */
  responses: Record<number, TSchema | null | 'entity'>
  /** One line for the API documentation. */
  summary?: string
  /** The rule it follows, for the API documentation. */
  description?: string
  /** The OpenAPI operationId (the version's prefix is added; with two methods, the method is appended). Default `<name><Entity>`. */
  operationId?: string
  /** The path schemes the action is served in. Default: both. */
  schemes?: readonly PathScheme[]
  /** Does the work; throw a catalogued error for a refusal. */
  handler: (ctx: ActionContext) => Promise<ActionResult>
}
