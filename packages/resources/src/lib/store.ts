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

/** The answer kept for an idempotency key, replayed to a retry of the same request. */
export interface IdempotencyAnswer {
  /** A 2xx status code. */
  statusCode: number
  /** The headers replayed (e.g. `location`, `etag`, `retry-after`), lower-case names. */
  headers: Record<string, string>
  /** The body as the handler answered it (before the API version's style wraps it); absent when not kept. */
  body?: unknown
  /** Why the body is not kept (a one-time secret, or larger than the bound): the retry is told so, with `Location`. */
  notKept?: string
}

/**
 * One idempotency key as kept in the store: per scope (the API key, `Principal.id`), the
 * fingerprint of the request that first used it and, once done, its answer. Times are
 * milliseconds since the epoch, from the plugin's clock.
 */
export interface IdempotencyRecord {
  /** Whose key it is: the principal's id ('' without authentication). */
  scope: string
  /** The key as sent (the sf-string's value), at most 255 characters. */
  key: string
  /** SHA-256 (hex) of the request: method, path and body. */
  fingerprint: string
  /** Random; identifies the request that holds the key while it is in flight. */
  token: string
  /** Until when an in-flight request holds the key. */
  lockedUntilMs: number
  /** When the record expires: a request with the key after this is a new request. */
  expiresAtMs: number
  /** The answer; absent while the request is in flight. */
  answer?: IdempotencyAnswer
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
  /**
   * Idempotency keys (draft-ietf-httpapi-idempotency-key-header), optional: a store without
   * these three methods serves no `Idempotency-Key`. Claim a key for a request: insert
   * `record` (in flight: no `answer`), or take over the record of the same scope and key when
   * it expired (`expiresAtMs <= nowMs`) or when it is in flight with the same fingerprint and
   * its lock lapsed (`lockedUntilMs <= nowMs`: its process is taken for gone). Also removes a
   * bounded number of expired records.
   * @returns `undefined` when claimed (the caller holds `record.token`), else the record that holds the key.
   */
  claimIdempotencyKey? (record: IdempotencyRecord, nowMs: number): Promise<IdempotencyRecord | undefined>
  /**
   * Store the answer of the request holding the key (call it inside the transaction of the
   * write, so that both commit or neither does).
   * @returns false when the key is no longer held with `token` (nothing is changed).
   */
  completeIdempotencyKey? (scope: string, key: string, token: string, answer: IdempotencyAnswer): Promise<boolean>
  /** Remove the in-flight record held with `token` (the request failed; a retry may do the write). */
  releaseIdempotencyKey? (scope: string, key: string, token: string): Promise<void>
  /** Run `fn` so that all its writes happen or none do; `fn` reads and writes through the store it is given. */
  transaction<R> (fn: (store: Store) => Promise<R>): Promise<R>
  /** Release connections (called from the app's `onClose`). */
  close? (): Promise<void>
}
