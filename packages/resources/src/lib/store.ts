/**
 * The `Store` interface every resource reads and writes through (DESIGN.md, "Stores").
 * Implementations: `MemoryStore` (this package) and `PostgresStore` (`@platform-api/store-postgres`).
 *
 * A store holds documents of many collections. It does not know their shapes: each method
 * takes the document type `T` as a type parameter (the resource service passes the
 * `Static<>` of its declaration), so implementations store and return whatever they are
 * given and cast at their boundary.
 */
import type { CursorKey } from '@platform-api/pagination'

/**
 * The key fields every stored entity has. `fullyQualifiedName` is unique per collection
 * (for a resource without hierarchy it equals `name`); entities sort by it.
 */
export interface EntityBase {
  /** UUID. */
  id: string
  name: string
  fullyQualifiedName: string
  /** The parent entity's id, or null for a top-level entity. */
  parentId: string | null
  /** 1 on create, +1 on every change (optimistic concurrency, ETag). */
  version: number
  /** ISO-8601 UTC with `Z`. */
  createdAt: string
  /** ISO-8601 UTC with `Z`. */
  updatedAt: string
}

/**
 * An entity as stored: the key fields plus the resource's own fields `T`, including hidden
 * ones (e.g. an API key's HA1) that never reach a response. Without `T`, any fields.
 */
export type StoredEntity<T extends object = Record<string, unknown>> = EntityBase & T

/**
 * One page request to `Store.list`: keyset pagination on `[fullyQualifiedName]` (`after` /
 * `before`), or page mode (`offset`). At most one of `after`, `before`, `offset`.
 */
export interface ListQuery {
  /** Maximum items, >= 1. */
  limit: number
  /** Items strictly after this key, ascending. */
  after?: CursorKey
  /** Items strictly before this key (the page ends just before it). */
  before?: CursorKey
  /** Page mode: skip this many matching items first (>= 0). */
  offset?: number
  /** Only children of this parent. */
  parentId?: string
  /** Equality filters on top-level fields. */
  filter?: Readonly<Record<string, string | number | boolean>>
}

/** One page of a list, in ascending `fullyQualifiedName` order. */
export interface ListResult<T extends object = Record<string, unknown>> {
  items: Array<StoredEntity<T>>
  /** Whether matching items exist before the first item. */
  hasBefore: boolean
  /** Whether matching items exist after the last item. */
  hasAfter: boolean
  /** Matching items in all pages. */
  total: number
}

/** Storage for entities of many collections. Every method may throw `STORE_UNAVAILABLE` (503). */
export interface Store {
  /** The entity with this id, or undefined. */
  get<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined>
  /** The entity with this fullyQualifiedName, or undefined. */
  getByName<T extends object = Record<string, unknown>> (collection: string, fullyQualifiedName: string): Promise<StoredEntity<T> | undefined>
  /** One page; see `ListQuery`. */
  list<T extends object = Record<string, unknown>> (collection: string, query: ListQuery): Promise<ListResult<T>>
  /** Insert. @throws DUPLICATE_NAME (409) when the fullyQualifiedName exists in the collection. */
  create<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>): Promise<StoredEntity<T>>
  /**
   * Replace the entity with `entity.id` if its stored version is `expectedVersion`.
   * @throws ENTITY_NOT_FOUND (404) when absent; VERSION_CONFLICT (409) when the version moved on.
   */
  replace<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>, expectedVersion: number): Promise<StoredEntity<T>>
  /** Remove and return the entity, or undefined when absent. */
  delete<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined>
  /** Run `fn` so that all its writes happen or none do; `fn` reads and writes through the store it is given. */
  transaction<R> (fn: (store: Store) => Promise<R>): Promise<R>
  /** Release connections (called from the app's `onClose`). */
  close? (): Promise<void>
}
