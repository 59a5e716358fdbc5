/**
 * The `Store` interface every resource reads and writes through (DESIGN.md, "Stores").
 * Implementations: `MemoryStore` (this package) and `PostgresStore` (`@platform-api/store-postgres`).
 */
import type { CursorKey } from '@platform-api/pagination'

/**
 * An entity as stored. `fullyQualifiedName` is unique per collection (for a resource without
 * hierarchy it equals `name`); entities sort by it. Fields beyond these are the resource's
 * own, including hidden ones (e.g. an API key's HA1) that never reach a response.
 */
export interface StoredEntity {
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
  [field: string]: unknown
}

/** One page request to `Store.list` (keyset pagination on `[fullyQualifiedName]`). */
export interface ListQuery {
  /** Maximum items, >= 1. */
  limit: number
  /** Items strictly after this key, ascending. */
  after?: CursorKey
  /** Items strictly before this key (the page ends just before it). */
  before?: CursorKey
  /** Only children of this parent. */
  parentId?: string
  /** Equality filters on top-level fields. */
  filter?: Readonly<Record<string, string | number | boolean>>
}

/** One page of a list, in ascending `fullyQualifiedName` order. */
export interface ListResult {
  items: StoredEntity[]
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
  get (collection: string, id: string): Promise<StoredEntity | undefined>
  /** The entity with this fullyQualifiedName, or undefined. */
  getByName (collection: string, fullyQualifiedName: string): Promise<StoredEntity | undefined>
  /** One page; see `ListQuery`. */
  list (collection: string, query: ListQuery): Promise<ListResult>
  /** Insert. @throws DUPLICATE_NAME (409) when the fullyQualifiedName exists in the collection. */
  create (collection: string, entity: StoredEntity): Promise<StoredEntity>
  /**
   * Replace the entity with `entity.id` if its stored version is `expectedVersion`.
   * @throws ENTITY_NOT_FOUND (404) when absent; VERSION_CONFLICT (409) when the version moved on.
   */
  replace (collection: string, entity: StoredEntity, expectedVersion: number): Promise<StoredEntity>
  /** Remove and return the entity, or undefined when absent. */
  delete (collection: string, id: string): Promise<StoredEntity | undefined>
  /** Run `fn` so that all its writes happen or none do. */
  transaction<T> (fn: (store: Store) => Promise<T>): Promise<T>
  /** Release connections. */
  close? (): Promise<void>
}
