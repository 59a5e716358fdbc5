/**
 * `ResourceRegistry` and `ResourceService`: the store operations of every declared resource,
 * used by the HTTP routes of every API version and by code (seeding, imports). One
 * implementation for all resources; behaviour where the seeds disagree (PUT, DELETE of an
 * absent entity) is chosen per call, so each API version passes its own policy.
 */
import { randomUUID } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify'
import { createValidatorCompiler, withParameters } from '@platform-api/envelope'
import type { CursorKey } from '@platform-api/pagination'
import { DuplicateNameError, EntityNotEmptyError, EntityNotFoundError, InvalidResourceError, ParentNotFoundError } from '../errors.js'
import { deriveSchemas, type AnyResourceDefinition, type CreateInput, type Entity, type FieldsOf, type ResourceHooks, type ResourceSchemas } from './define.js'
import type { ListResult, Store, StoredEntity } from './store.js'
import { ResourceValidator, type PatchKind } from './validation.js'

/** PUT on an existing entity: `upsert` replaces it (OpenMetadata), `createIfAbsent` leaves it unchanged (StarRocks). */
export type PutPolicy = 'upsert' | 'createIfAbsent'
/** DELETE of an absent entity: `notFound` answers 404 (OpenMetadata, Atlas), `ok` succeeds (StarRocks "drop if exists"). */
export type DeleteMissingPolicy = 'notFound' | 'ok'

/** What every write may be given. */
export interface WriteOptions<E = StoredEntity> {
  /** The HTTP request the write came through (handed to the hooks). */
  request?: FastifyRequest
  /** Called with the current entity before it is changed (e.g. `If-Match`); throw to refuse. */
  check?: (existing: E) => void
  /** Handed to the hooks as `ctx.context`: data a caller from code gives them (never from a client). */
  context?: Readonly<Record<string, unknown>>
  /** Write within this store (e.g. an open transaction, so that several writes happen or none do). Default: the registry's store. */
  store?: Store
}

/** One page of a list: keyset cursor or page offset (see `ListQuery`). */
export interface ListPage { limit: number, after?: CursorKey, before?: CursorKey, offset?: number }

/** The `request` and `context` of a write, as the hooks receive them (absent ones left out). */
function hookOptions (options: WriteOptions<never>): { request?: FastifyRequest, context?: Readonly<Record<string, unknown>> } {
  return {
    ...(options.request !== undefined ? { request: options.request } : {}),
    ...(options.context !== undefined ? { context: options.context } : {})
  }
}

/**
 * `isDeepStrictEqual(a, b)` with its answer for primitives (`Object.is`) taken without the call:
 * most fields a PATCH compares are strings and numbers.
 */
function sameValue (a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  return typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && isDeepStrictEqual(a, b)
}

/** Children embedded or deleted with a parent are capped at this many per collection. */
export const MAX_EMBEDDED = 1000

/** The store operations of one resource; `D` is its declaration, so entities are typed. */
export class ResourceService<D extends AnyResourceDefinition = AnyResourceDefinition> {
  readonly definition: D
  readonly schemas: ResourceSchemas
  readonly entityName: string
  readonly validator: ResourceValidator
  readonly #registry: ResourceRegistry

  constructor (registry: ResourceRegistry, definition: D, parentSchemas?: ResourceSchemas) {
    this.#registry = registry
    this.definition = definition
    this.schemas = deriveSchemas(definition, parentSchemas)
    this.entityName = definition.entityName ?? definition.collection.replace(/s$/, '')
    this.validator = new ResourceValidator(this.schemas, registry.compile, definition.parent?.field)
  }

  get collection (): string { return this.definition.collection }

  /** The declared hooks, seen untyped: the service stores any declaration's entities alike. */
  get #hooks (): ResourceHooks<StoredEntity, Record<string, unknown>, Record<string, unknown>> | undefined {
    return this.definition.hooks as ResourceHooks<StoredEntity, Record<string, unknown>, Record<string, unknown>> | undefined
  }
  get store (): Store { return this.#registry.store }

  /** The resources whose parent is this one. */
  get children (): ResourceService[] { return this.#registry.childrenOf(this.collection) }

  /** @throws ENTITY_NOT_FOUND (404) */
  async get (id: string, store: Store = this.store): Promise<Entity<D>> {
    const found = await store.get(this.collection, id)
    if (found === undefined) throw new EntityNotFoundError(this.entityName, id)
    return found as Entity<D>
  }

  /** @throws ENTITY_NOT_FOUND (404) */
  async getByName (fullyQualifiedName: string, store: Store = this.store): Promise<Entity<D>> {
    const found = await store.getByName(this.collection, fullyQualifiedName)
    if (found === undefined) throw new EntityNotFoundError(this.entityName, fullyQualifiedName)
    return found as Entity<D>
  }

  /**
   * One page of the collection.
   * @param filter equality filters; the parent field (if any) is given as a fullyQualifiedName.
   * @throws ENTITY_NOT_FOUND (404) when the parent filter names no entity.
   */
  async list (page: ListPage, filter: Record<string, string | number | boolean> = {}): Promise<ListResult<FieldsOf<D>>> {
    const rest = { ...filter }
    let parentId: string | undefined
    const parent = this.definition.parent
    if (parent !== undefined && typeof rest[parent.field] === 'string') {
      const name = rest[parent.field] as string
      delete rest[parent.field]
      parentId = (await this.#registry.get(parent.collection).getByName(name)).id
    }
    return await this.store.list(this.collection, {
      limit: page.limit,
      ...(page.after !== undefined ? { after: page.after } : {}),
      ...(page.before !== undefined ? { before: page.before } : {}),
      ...(page.offset !== undefined ? { offset: page.offset } : {}),
      ...(parentId !== undefined ? { parentId } : {}),
      ...(Object.keys(rest).length > 0 ? { filter: rest } : {})
    })
  }

  /**
   * Validate a create request made from code (HTTP bodies are already validated by their route).
   * @throws INVALID_ATTRIBUTE / MISSING_ATTRIBUTE (400).
   */
  validateCreate (input: unknown): CreateInput<D> {
    return this.validator.create<CreateInput<D>>(input)
  }

  async #resolveParent (input: Record<string, unknown>, store: Store): Promise<StoredEntity | undefined> {
    const parent = this.definition.parent
    if (parent === undefined) return undefined
    const name = String(input[parent.field])
    const found = await store.getByName(parent.collection, name)
    if (found === undefined) {
      throw withParameters(new ParentNotFoundError(this.#registry.get(parent.collection).entityName, name, `/${parent.field}`), [`/${parent.field}`, name])
    }
    return found
  }

  #fullyQualifiedName (name: string, parent: StoredEntity | undefined): string {
    return parent !== undefined ? `${parent.fullyQualifiedName}.${name}` : name
  }

  #applyFields (target: StoredEntity, source: Record<string, unknown>): void {
    for (const f of this.schemas.writable) {
      if (source[f] !== undefined) target[f] = source[f]
      else delete target[f]
    }
  }

  #duplicate (fullyQualifiedName: string): Error {
    return withParameters(new DuplicateNameError(this.entityName, fullyQualifiedName), [fullyQualifiedName])
  }

  /**
   * Create an entity from a validated create request, in one transaction with its hooks.
   * @returns the stored entity and the one-time fields shown in the answer (from `hooks.beforeCreate`).
   * @throws PARENT_NOT_FOUND (404), DUPLICATE_NAME (409).
   */
  async create (input: CreateInput<D>, options: WriteOptions<Entity<D>> = {}): Promise<{ entity: Entity<D>, extra: Record<string, unknown> | undefined }> {
    return await (options.store ?? this.store).transaction((tx) => this.#create(input as Record<string, unknown>, options, tx))
  }

  async #create (input: Record<string, unknown>, options: WriteOptions<Entity<D>>, tx: Store): Promise<{ entity: Entity<D>, extra: Record<string, unknown> | undefined }> {
    const parent = await this.#resolveParent(input, tx)
    const now = new Date().toISOString()
    const name = typeof input.name === 'string' ? input.name : ''
    const entity: StoredEntity = {
      id: randomUUID(),
      name,
      fullyQualifiedName: this.#fullyQualifiedName(name, parent),
      parentId: parent?.id ?? null,
      version: 1,
      createdAt: now,
      updatedAt: now
    }
    if (parent !== undefined && this.definition.parent !== undefined) {
      entity[this.definition.parent.field] = { id: parent.id, name: parent.name, fullyQualifiedName: parent.fullyQualifiedName }
    }
    this.#applyFields(entity, input)
    const hooks = this.#hooks
    const extra = await hooks?.beforeCreate?.({ entity, input, parent, store: tx, ...hookOptions(options) }) ?? undefined
    if (this.definition.name === false) {
      if (typeof entity.name !== 'string' || entity.name === '') throw new InvalidResourceError(`${this.collection}: hooks.beforeCreate must set entity.name`)
      entity.fullyQualifiedName = this.#fullyQualifiedName(entity.name, parent)
    }
    await hooks?.beforeWrite?.({ entity, store: tx, ...hookOptions(options) })
    if (await tx.getByName(this.collection, entity.fullyQualifiedName) !== undefined) throw this.#duplicate(entity.fullyQualifiedName)
    return { entity: await tx.create(this.collection, entity) as Entity<D>, extra: extra ?? undefined }
  }

  /**
   * PUT: create, or per `policy` replace (`upsert`) or leave (`createIfAbsent`) the entity
   * with the same parent and name. Runs in one transaction with the hooks.
   * @param options.check called with the existing entity before it is replaced (If-Match).
   * @param options.checkAbsent called before creating, when no entity has the name (If-Match on an absent entity is 412).
   */
  async put (input: CreateInput<D>, options: WriteOptions<Entity<D>> & { policy?: PutPolicy, checkAbsent?: () => void } = {}): Promise<{ entity: Entity<D>, created: boolean, extra: Record<string, unknown> | undefined }> {
    const { check, policy = 'upsert' } = options
    const attempt = async (): Promise<{ entity: Entity<D>, created: boolean, extra: Record<string, unknown> | undefined }> => await (options.store ?? this.store).transaction(async (tx) => {
      const fields = input as Record<string, unknown>
      const parent = await this.#resolveParent(fields, tx)
      const existing = await tx.getByName(this.collection, this.#fullyQualifiedName(String(fields.name), parent)) as Entity<D> | undefined
      if (existing === undefined) {
        // RFC 9110 §13.1.1: If-Match on an absent entity is false (412), never a create.
        options.checkAbsent?.()
        return { ...(await this.#create(fields, options, tx)), created: true }
      }
      check?.(existing)
      if (policy === 'createIfAbsent') return { entity: existing, created: false, extra: undefined }
      const next: StoredEntity = { ...existing, version: existing.version + 1, updatedAt: new Date().toISOString() }
      this.#applyFields(next, fields)
      await this.#hooks?.beforeWrite?.({ entity: next, previous: existing, store: tx, ...hookOptions(options) })
      return { entity: await tx.replace(this.collection, next, existing.version) as Entity<D>, created: false, extra: undefined }
    })
    try {
      return await attempt()
    } catch (err) {
      // Lost a race with a concurrent create of the same name: now it exists, so PUT it again.
      if ((err as { code?: string }).code !== 'DUPLICATE_NAME') throw err
      return await attempt()
    }
  }

  /**
   * PATCH with a JSON Patch (RFC 6902) or merge patch (RFC 7396) on the writable fields, in one
   * transaction with the hooks.
   * @throws ENTITY_NOT_FOUND (404); INVALID_PATCH, INVALID_ATTRIBUTE (400) for read-only paths or a result that breaks the schema.
   */
  async patch (id: string, kind: PatchKind, document: unknown, options: WriteOptions<Entity<D>> = {}): Promise<Entity<D>> {
    const { check } = options
    return await (options.store ?? this.store).transaction(async (tx) => {
      const current = await this.get(id, tx)
      check?.(current)
      const patched = this.validator.patch(current, kind, document)
      // A patch that changes nothing is no new version (RFC 9110: the representation is unchanged).
      if (this.schemas.writable.every((f) => sameValue(patched[f], current[f]))) return current
      const next: StoredEntity = { ...current, version: current.version + 1, updatedAt: new Date().toISOString() }
      this.#applyFields(next, patched)
      const hooks = this.#hooks
      if (hooks?.beforeWrite !== undefined) await hooks.beforeWrite({ entity: next, previous: current, store: tx, ...hookOptions(options) })
      return await tx.replace(this.collection, next, current.version) as Entity<D>
    })
  }

  /**
   * Delete an entity; with `recursive`, its descendants too, in one transaction.
   * @returns the deleted entity, or `undefined` when it was absent and `missing` is `ok`.
   * @throws ENTITY_NOT_FOUND (404) when absent (policy `notFound`, the default); ENTITY_NOT_EMPTY (409) when it has children and not `recursive`.
   */
  async delete (id: string, options: { recursive?: boolean, check?: (existing: Entity<D>) => void, missing?: DeleteMissingPolicy, store?: Store, request?: FastifyRequest } = {}): Promise<Entity<D> | undefined> {
    const { recursive = false, check, missing = 'notFound' } = options
    return await (options.store ?? this.store).transaction(async (tx) => {
      const current = await tx.get(this.collection, id) as Entity<D> | undefined
      if (current === undefined) {
        if (missing === 'ok') return undefined
        throw new EntityNotFoundError(this.entityName, id)
      }
      check?.(current)
      for (const child of this.children) {
        const { total } = await tx.list(child.collection, { parentId: id, limit: 1 })
        if (total === 0) continue
        if (!recursive) throw withParameters(new EntityNotEmptyError(this.entityName, current.fullyQualifiedName, `${total} ${child.collection}`), [child.collection, total])
        await child.#deleteChildrenOf(id, tx, options.request)
      }
      await this.#hooks?.beforeDelete?.({ entity: current, store: tx, ...(options.request !== undefined ? { request: options.request } : {}) })
      const deleted = await tx.delete(this.collection, id)
      if (deleted === undefined) throw new EntityNotFoundError(this.entityName, id)
      return deleted as Entity<D>
    })
  }

  async #deleteChildrenOf (parentId: string, tx: Store, request: FastifyRequest | undefined): Promise<void> {
    for (;;) {
      const page = await tx.list(this.collection, { parentId, limit: 500 })
      if (page.items.length === 0) return
      for (const item of page.items) {
        for (const child of this.children) await child.#deleteChildrenOf(item.id, tx, request)
        await this.#hooks?.beforeDelete?.({ entity: item, store: tx, ...(request !== undefined ? { request } : {}) })
        await tx.delete(this.collection, item.id)
      }
    }
  }

  /** The children of `parentId` in this collection, for embedding (at most MAX_EMBEDDED). */
  async childrenOfParent (parentId: string): Promise<StoredEntity[]> {
    const { items } = await this.store.list(this.collection, { parentId, limit: MAX_EMBEDDED })
    const order = this.definition.embedOrder
    if (order !== undefined) items.sort((a, b) => Number(a[order] ?? 0) - Number(b[order] ?? 0))
    return items
  }
}

/** All declared resources over one store; shared by every API version that serves them. */
export class ResourceRegistry {
  readonly store: Store
  /** One validator compiler (the suite's rules) for every service's writes made from code and patch results. */
  readonly compile: FastifySchemaCompiler<unknown> = createValidatorCompiler()
  readonly #services = new Map<string, ResourceService>()
  #closed: Promise<void> | undefined

  /**
   * @param definitions parents before children.
   * @throws RESOURCES_INVALID_OPTION when a collection repeats, is not camelCase, or a parent is not declared before it.
   */
  constructor (store: Store, definitions: readonly AnyResourceDefinition[]) {
    if (store == null || typeof store.get !== 'function') throw new InvalidResourceError('store must implement Store')
    this.store = store
    for (const def of definitions) {
      if (typeof def.collection !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(def.collection)) throw new InvalidResourceError(`collection must be camelCase letters and digits, got ${String(def.collection)}`)
      if (this.#services.has(def.collection)) throw new InvalidResourceError(`collection ${def.collection} is declared twice`)
      if (def.fields?.type !== 'object') throw new InvalidResourceError(`${def.collection}: fields must be a TypeBox Type.Object`)
      let parentSchemas: ResourceSchemas | undefined
      if (def.parent !== undefined) {
        const parent = this.#services.get(def.parent.collection)
        if (parent === undefined) throw new InvalidResourceError(`${def.collection}: parent collection ${String(def.parent.collection)} is not declared before it`)
        parentSchemas = parent.schemas
      }
      this.#services.set(def.collection, new ResourceService(this, def, parentSchemas))
    }
  }

  /** The service of a collection. @throws RESOURCES_INVALID_OPTION when not declared. */
  get (collection: string): ResourceService {
    const s = this.#services.get(collection)
    if (s === undefined) throw new InvalidResourceError(`collection ${collection} is not declared`)
    return s
  }

  /** The typed service of a declaration registered here. @throws RESOURCES_INVALID_OPTION when not declared. */
  service<D extends AnyResourceDefinition> (definition: D): ResourceService<D> {
    const s = this.get(definition.collection)
    if (s.definition !== definition) throw new InvalidResourceError(`collection ${definition.collection} is declared here by another definition`)
    return s as unknown as ResourceService<D>
  }

  /** Every service, in declaration order. */
  all (): ResourceService[] { return [...this.#services.values()] }

  /** The services from the root ancestor of `collection` down to its own, e.g. catalogs, databases, tables. */
  ancestry (collection: string): ResourceService[] {
    const chain: ResourceService[] = []
    for (let s: ResourceService | undefined = this.get(collection); s !== undefined; s = s.definition.parent !== undefined ? this.get(s.definition.parent.collection) : undefined) chain.unshift(s)
    return chain
  }

  /** The services whose parent is `collection`. */
  childrenOf (collection: string): ResourceService[] {
    return this.all().filter((s) => s.definition.parent?.collection === collection)
  }

  /** Close the store once, however many API versions share this registry (called from `onClose`). */
  async close (): Promise<void> {
    this.#closed ??= this.store.close?.() ?? Promise.resolve()
    await this.#closed
  }
}
