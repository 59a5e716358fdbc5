/**
 * `ResourceRegistry` and `ResourceService`: the CRUD logic of every declared resource, used
 * by the HTTP routes and by code (seeding, imports). One implementation for all resources.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { FastifySchemaCompiler } from 'fastify'
import { attributeError, createValidatorCompiler, type AjvErrorLike } from '@platform-api/envelope'
import type { PageRequest } from '@platform-api/pagination'
import { DuplicateNameError, EntityNotEmptyError, EntityNotFoundError, InvalidResourceError, ParentNotFoundError } from '../errors.js'
import { deriveSchemas, type ResourceDefinition, type ResourceSchemas } from './define.js'
import { applyJsonPatch, applyMergePatch, type JsonPatchOperation } from './patch.js'
import type { ListResult, Store, StoredEntity } from './store.js'

/** Behaviour switches where the seeds disagree (DESIGN.md). */
export interface ServiceOptions {
  /** PUT on an existing entity: `upsert` replaces it (OpenMetadata), `createIfAbsent` leaves it (StarRocks). Default `upsert`. */
  put?: 'upsert' | 'createIfAbsent'
}

type Validate = ((data: unknown) => boolean) & { errors?: AjvErrorLike[] | null }

/** Children embedded or deleted with a parent are capped at this many per collection. */
export const MAX_EMBEDDED = 1000

/** The CRUD operations of one resource. */
export class ResourceService {
  readonly definition: ResourceDefinition
  readonly schemas: ResourceSchemas
  readonly entityName: string
  readonly #registry: ResourceRegistry
  readonly #validateCreate: Validate
  readonly #validatePatchable: Validate
  readonly #writable: ReadonlySet<string>
  readonly #readOnly: ReadonlySet<string>

  constructor (registry: ResourceRegistry, definition: ResourceDefinition) {
    this.#registry = registry
    this.definition = definition
    this.schemas = deriveSchemas(definition)
    this.entityName = definition.entityName ?? definition.collection.replace(/s$/, '')
    const compile = registry.compile
    this.#validateCreate = compile({ schema: this.schemas.create, httpPart: 'body', method: 'POST', url: '' }) as Validate
    this.#validatePatchable = compile({ schema: this.schemas.patchable, httpPart: 'body', method: 'PATCH', url: '' }) as Validate
    this.#writable = new Set(this.schemas.writable)
    this.#readOnly = new Set([...this.schemas.readOnly, 'name', ...(definition.parent !== undefined ? [definition.parent.field] : [])])
  }

  get collection (): string { return this.definition.collection }
  get store (): Store { return this.#registry.store }

  /** The resources whose parent is this one. */
  get children (): ResourceService[] { return this.#registry.childrenOf(this.collection) }

  /**
   * The entity as answered: its schema's properties in order, `href` and the parent
   * reference's `href` made from `root` (e.g. `https://host/api/v1`); hidden fields never appear.
   * @param fields keep only `id`, `name`, `href` and these (OpenMetadata `?fields`).
   * @param omitParent leave the parent reference out (for an entity embedded in its parent).
   */
  toEntity (entity: StoredEntity, root: string, fields?: ReadonlySet<string>, omitParent = false): Record<string, unknown> {
    const parent = this.definition.parent
    const out: Record<string, unknown> = {}
    for (const p of this.schemas.properties) {
      if (fields !== undefined && p !== 'id' && p !== 'name' && p !== 'href' && !fields.has(p)) continue
      if (p === 'href') {
        out.href = `${root}/${this.collection}/${entity.id}`
      } else if (parent !== undefined && p === parent.field) {
        const ref = entity[p] as { id: string } | undefined
        if (ref !== undefined && !omitParent) out[p] = { ...ref, href: `${root}/${parent.collection}/${ref.id}` }
      } else if (entity[p] !== undefined) {
        out[p] = entity[p]
      }
    }
    return out
  }

  /** @throws ENTITY_NOT_FOUND (404) */
  async get (id: string, store: Store = this.store): Promise<StoredEntity> {
    const found = await store.get(this.collection, id)
    if (found === undefined) throw new EntityNotFoundError(this.entityName, id)
    return found
  }

  /** @throws ENTITY_NOT_FOUND (404) */
  async getByName (fullyQualifiedName: string, store: Store = this.store): Promise<StoredEntity> {
    const found = await store.getByName(this.collection, fullyQualifiedName)
    if (found === undefined) throw new EntityNotFoundError(this.entityName, fullyQualifiedName)
    return found
  }

  /**
   * One page of the collection.
   * @param filter equality filters; the parent field (if any) is given as a fullyQualifiedName.
   * @throws ENTITY_NOT_FOUND (404) when the parent filter names no entity.
   */
  async list (page: PageRequest, filter: Record<string, string | number | boolean> = {}): Promise<ListResult> {
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
      ...(parentId !== undefined ? { parentId } : {}),
      ...(Object.keys(rest).length > 0 ? { filter: rest } : {})
    })
  }

  /** Validate a create request (HTTP bodies are already validated; programmatic callers are not). */
  validateCreate (input: unknown): Record<string, unknown> {
    const copy = structuredClone(input)
    if (!this.#validateCreate(copy)) throw attributeError(this.#validateCreate.errors ?? [], 'body')
    return copy as Record<string, unknown>
  }

  async #resolveParent (input: Record<string, unknown>, store: Store): Promise<StoredEntity | undefined> {
    const parent = this.definition.parent
    if (parent === undefined) return undefined
    const name = String(input[parent.field])
    const found = await store.getByName(parent.collection, name)
    if (found === undefined) {
      const err = new ParentNotFoundError(this.#registry.get(parent.collection).entityName, name, `/${parent.field}`) as Error & { parameters?: unknown[] }
      err.parameters = [`/${parent.field}`, name]
      throw err
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

  /**
   * Create an entity from a create request.
   * @returns the stored entity and the fields shown once in the answer (from `hooks.beforeCreate`).
   * @throws PARENT_NOT_FOUND (404), DUPLICATE_NAME (409), INVALID_ATTRIBUTE (400, programmatic input).
   */
  async create (input: Record<string, unknown>, request?: FastifyRequest, store: Store = this.store): Promise<{ entity: StoredEntity, extra: Record<string, unknown> | undefined }> {
    return await store.transaction(async (tx) => {
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
      const extra = await this.definition.hooks?.beforeCreate?.({ entity, input, parent, store: tx, ...(request !== undefined ? { request } : {}) }) ?? undefined
      if (this.definition.name === false) {
        if (typeof entity.name !== 'string' || entity.name === '') throw new InvalidResourceError(`${this.collection}: hooks.beforeCreate must set entity.name`)
        entity.fullyQualifiedName = this.#fullyQualifiedName(entity.name, parent)
      }
      await this.definition.hooks?.beforeWrite?.({ entity, store: tx, ...(request !== undefined ? { request } : {}) })
      if (await tx.getByName(this.collection, entity.fullyQualifiedName) !== undefined) {
        throw this.#duplicate(entity.fullyQualifiedName)
      }
      return { entity: await tx.create(this.collection, entity), extra: extra === null ? undefined : extra }
    })
  }

  #duplicate (fullyQualifiedName: string): Error {
    const err = new DuplicateNameError(this.entityName, fullyQualifiedName) as Error & { parameters?: unknown[] }
    err.parameters = [fullyQualifiedName]
    return err
  }

  /**
   * PUT: create, or (per `options.put`) replace the entity with the same parent and name.
   * @param check called with the existing entity before it is replaced (If-Match).
   */
  async put (input: Record<string, unknown>, request?: FastifyRequest, check?: (existing: StoredEntity) => void): Promise<{ entity: StoredEntity, created: boolean, extra: Record<string, unknown> | undefined }> {
    const parent = await this.#resolveParent(input, this.store)
    const existing = await this.store.getByName(this.collection, this.#fullyQualifiedName(String(input.name), parent))
    if (existing === undefined) {
      try {
        return { ...(await this.create(input, request)), created: true }
      } catch (err) {
        // Lost a race with another create of the same name: answer as if it existed.
        if ((err as { code?: string }).code !== 'DUPLICATE_NAME') throw err
        return await this.put(input, request, check)
      }
    }
    check?.(existing)
    if (this.#registry.options.put === 'createIfAbsent') return { entity: existing, created: false, extra: undefined }
    const next: StoredEntity = { ...existing, version: existing.version + 1, updatedAt: new Date().toISOString() }
    this.#applyFields(next, input)
    await this.definition.hooks?.beforeWrite?.({ entity: next, store: this.store, ...(request !== undefined ? { request } : {}) })
    return { entity: await this.store.replace(this.collection, next, existing.version), created: false, extra: undefined }
  }

  /**
   * PATCH with a JSON Patch (RFC 6902) or merge patch (RFC 7396) on the writable fields.
   * @throws INVALID_PATCH, INVALID_ATTRIBUTE (400) for read-only paths or a result that breaks the schema.
   */
  async patch (id: string, kind: 'json-patch' | 'merge-patch', document: unknown, check?: (existing: StoredEntity) => void, request?: FastifyRequest): Promise<StoredEntity> {
    const current = await this.get(id)
    check?.(current)
    const view: Record<string, unknown> = {}
    for (const f of this.schemas.writable) if (current[f] !== undefined) view[f] = current[f]
    let patched: unknown
    if (kind === 'json-patch') {
      patched = applyJsonPatch(view, document as JsonPatchOperation[], this.#writable, this.#readOnly)
    } else {
      if (document !== null && typeof document === 'object' && !Array.isArray(document)) {
        for (const key of Object.keys(document)) {
          if (!this.#writable.has(key) && this.#readOnly.has(key)) {
            const err = attributeError([{ keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: key }, parentSchema: { 'x-read-only': [key] } }], 'body')
            throw err
          }
        }
      }
      patched = applyMergePatch(view, document)
    }
    if (!this.#validatePatchable(patched)) throw attributeError(this.#validatePatchable.errors ?? [], 'body')
    const next: StoredEntity = { ...current, version: current.version + 1, updatedAt: new Date().toISOString() }
    this.#applyFields(next, patched as Record<string, unknown>)
    await this.definition.hooks?.beforeWrite?.({ entity: next, store: this.store, ...(request !== undefined ? { request } : {}) })
    return await this.store.replace(this.collection, next, current.version)
  }

  /**
   * Delete an entity; with `recursive`, its descendants too, in one transaction.
   * @throws ENTITY_NOT_FOUND (404); ENTITY_NOT_EMPTY (409) when it has children and not `recursive`.
   */
  async delete (id: string, recursive: boolean, check?: (existing: StoredEntity) => void): Promise<StoredEntity> {
    return await this.store.transaction(async (tx) => {
      const current = await this.get(id, tx)
      check?.(current)
      for (const child of this.children) {
        const { total } = await tx.list(child.collection, { parentId: id, limit: 1 })
        if (total === 0) continue
        if (!recursive) {
          const err = new EntityNotEmptyError(this.entityName, current.fullyQualifiedName, `${total} ${child.collection}`) as Error & { parameters?: unknown[] }
          err.parameters = [child.collection, total]
          throw err
        }
        await child.#deleteChildrenOf(id, tx)
      }
      const deleted = await tx.delete(this.collection, id)
      if (deleted === undefined) throw new EntityNotFoundError(this.entityName, id)
      return deleted
    })
  }

  async #deleteChildrenOf (parentId: string, tx: Store): Promise<void> {
    for (;;) {
      const page = await tx.list(this.collection, { parentId, limit: 500 })
      if (page.items.length === 0) return
      for (const item of page.items) {
        for (const child of this.children) await child.#deleteChildrenOf(item.id, tx)
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

/** All declared resources over one store. */
export class ResourceRegistry {
  readonly store: Store
  readonly options: Required<ServiceOptions>
  /** One validator compiler for every service's programmatic checks. */
  readonly compile: FastifySchemaCompiler<unknown> = createValidatorCompiler()
  readonly #services = new Map<string, ResourceService>()

  /**
   * @throws RESOURCES_INVALID_OPTION when a collection repeats or a parent is not declared.
   */
  constructor (store: Store, definitions: readonly ResourceDefinition[], options: ServiceOptions = {}) {
    if (store == null || typeof store.get !== 'function') throw new InvalidResourceError('store must implement Store')
    this.store = store
    this.options = { put: options.put ?? 'upsert' }
    if (this.options.put !== 'upsert' && this.options.put !== 'createIfAbsent') throw new InvalidResourceError("put must be 'upsert' or 'createIfAbsent'")
    for (const def of definitions) {
      if (typeof def.collection !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(def.collection)) throw new InvalidResourceError(`collection must be camelCase letters and digits, got ${String(def.collection)}`)
      if (this.#services.has(def.collection)) throw new InvalidResourceError(`collection ${def.collection} is declared twice`)
      if (def.fields?.type !== 'object') throw new InvalidResourceError(`${def.collection}: fields must be a TypeBox Type.Object`)
      this.#services.set(def.collection, new ResourceService(this, def))
    }
    for (const def of definitions) {
      if (def.parent !== undefined && !this.#services.has(def.parent.collection)) {
        throw new InvalidResourceError(`${def.collection}: parent collection ${def.parent.collection} is not declared`)
      }
    }
  }

  /** The service of a collection. @throws RESOURCES_INVALID_OPTION when not declared. */
  get (collection: string): ResourceService {
    const s = this.#services.get(collection)
    if (s === undefined) throw new InvalidResourceError(`collection ${collection} is not declared`)
    return s
  }

  /** Every service, in declaration order. */
  all (): ResourceService[] { return [...this.#services.values()] }

  /** The services whose parent is `collection`. */
  childrenOf (collection: string): ResourceService[] {
    return this.all().filter((s) => s.definition.parent?.collection === collection)
  }
}
