/**
 * `MemoryStore`: an in-process `Store` with sorted indexes (B+ trees from `sorted-btree`),
 * so a page deep in a list costs as much as the first (keyset pagination, DESIGN.md "Stores").
 *
 * Entities are deep-frozen copies: what a caller gets back cannot change the store.
 * Writes are serialized; a `transaction` holds the write lock for its whole run and undoes
 * its writes if it throws. Reads do not wait for the lock.
 */
import BTreeModule from 'sorted-btree'
import { DuplicateNameError, EntityNotFoundError, VersionConflictError } from '../errors.js'
import { frozenCopy } from './json-copy.js'
import type { IdempotencyAnswer, IdempotencyRecord, ListQuery, ListResult, Store, StoredEntity } from './store.js'

type Tree = import('sorted-btree').default<string, StoredEntity>
// sorted-btree is CommonJS with `exports.default`; unwrap it under NodeNext.
const BTree = ((BTreeModule as unknown as { default?: unknown }).default ?? BTreeModule) as unknown as new () => Tree

class Collection {
  readonly byId = new Map<string, StoredEntity>()
  readonly all: Tree = new BTree()
  readonly byParent = new Map<string, Tree>()

  parentTree (parentId: string | null, create: boolean): Tree | undefined {
    if (parentId === null) return undefined
    let tree = this.byParent.get(parentId)
    if (tree === undefined && create) {
      tree = new BTree()
      this.byParent.set(parentId, tree)
    }
    return tree
  }

  insert (e: StoredEntity): void {
    this.byId.set(e.id, e)
    this.all.set(e.fullyQualifiedName, e)
    this.parentTree(e.parentId, true)?.set(e.fullyQualifiedName, e)
  }

  remove (e: StoredEntity): void {
    this.byId.delete(e.id)
    this.all.delete(e.fullyQualifiedName)
    const tree = this.parentTree(e.parentId, false)
    if (tree !== undefined) {
      tree.delete(e.fullyQualifiedName)
      if (tree.size === 0 && e.parentId !== null) this.byParent.delete(e.parentId)
    }
  }
}

type Matcher = ((e: StoredEntity) => boolean) | undefined

function matcher (filter: ListQuery['filter']): Matcher {
  if (filter === undefined) return undefined
  const entries = Object.entries(filter)
  if (entries.length === 0) return undefined
  return (e) => entries.every(([k, v]) => e[k] === v)
}

/** Take up to `n` matching entities from `iter`, skipping the key `exclusive`. */
function take (iter: Iterable<[string, StoredEntity]>, exclusive: string | undefined, n: number, match: Matcher): StoredEntity[] {
  const out: StoredEntity[] = []
  if (n <= 0) return out
  for (const [k, e] of iter) {
    if (k === exclusive) continue
    if (match !== undefined && !match(e)) continue
    out.push(e)
    if (out.length >= n) break
  }
  return out
}

const EMPTY: Tree = new BTree()

/** Expired idempotency records removed per claim (a bounded sweep). */
const PURGE_PER_CLAIM = 100

/** An in-memory `Store`. The default for tests and for trying the example server. */
export class MemoryStore implements Store {
  readonly #collections = new Map<string, Collection>()
  /** Idempotency records by `[scope, key]`, in insertion order (roughly expiry order: one lifetime per app). */
  readonly #idempotency = new Map<string, IdempotencyRecord>()
  #lock: Promise<unknown> = Promise.resolve()

  #collection (name: string): Collection {
    let c = this.#collections.get(name)
    if (c === undefined) {
      c = new Collection()
      this.#collections.set(name, c)
    }
    return c
  }

  /** Run `fn` after every earlier write; later writes wait for it. */
  #exclusive<T> (fn: () => T | Promise<T>): Promise<T> {
    const run = this.#lock.then(fn)
    this.#lock = run.catch(() => undefined)
    return run
  }

  async get<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return this.#collections.get(collection)?.byId.get(id) as StoredEntity<T> | undefined
  }

  async getByName<T extends object = Record<string, unknown>> (collection: string, fullyQualifiedName: string): Promise<StoredEntity<T> | undefined> {
    return this.#collections.get(collection)?.all.get(fullyQualifiedName) as StoredEntity<T> | undefined
  }

  async list<T extends object = Record<string, unknown>> (collection: string, query: ListQuery): Promise<ListResult<T>> {
    return this.#list(collection, query) as ListResult<T>
  }

  #list (collection: string, query: ListQuery): ListResult {
    const c = this.#collections.get(collection)
    const tree = c === undefined ? EMPTY : query.parentId !== undefined ? (c.byParent.get(query.parentId) ?? EMPTY) : c.all
    const match = matcher(query.filter)
    let total = tree.size
    if (match !== undefined) {
      total = 0
      for (const e of tree.values()) if (match(e)) total++
    }
    const limit = query.limit
    if (query.offset !== undefined) {
      // Page mode: O(offset) here; keyset cursors are the way to page deep. Past the end: empty at once.
      if (query.offset >= total) return { items: [], hasBefore: total > 0, hasAfter: false, total }
      const got = take(tree.entries(), undefined, query.offset + limit + 1, match)
      const items = got.slice(query.offset, query.offset + limit)
      return { items, hasBefore: query.offset > 0 && total > 0, hasAfter: got.length > query.offset + limit, total }
    }
    // One [key, entity] pair reused through each walk (sorted-btree's `reusedArray`), the extra item dropped in place.
    const pair: Array<string | StoredEntity> = []
    if (query.before !== undefined) {
      const key = String(query.before[0])
      const items = take(tree.entriesReversed(key, pair), key, limit + 1, match)
      const hasBefore = items.length > limit
      if (hasBefore) items.length = limit
      items.reverse()
      const last = items.at(-1)?.fullyQualifiedName ?? key
      const hasAfter = take(tree.entries(last, pair), last, 1, match).length > 0
      return { items, hasBefore, hasAfter, total }
    }
    const key = query.after !== undefined ? String(query.after[0]) : undefined
    const items = take(tree.entries(key, pair), key, limit + 1, match)
    const hasAfter = items.length > limit
    if (hasAfter) items.length = limit
    const first = items[0]?.fullyQualifiedName ?? key
    const hasBefore = first !== undefined && take(tree.entriesReversed(first, pair), first, 1, match).length > 0
    return { items, hasBefore, hasAfter, total }
  }

  async create<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>): Promise<StoredEntity<T>> {
    return await this.#exclusive(() => this.#create(collection, entity, undefined) as StoredEntity<T>)
  }

  async replace<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>, expectedVersion: number): Promise<StoredEntity<T>> {
    return await this.#exclusive(() => this.#replace(collection, entity, expectedVersion, undefined) as StoredEntity<T>)
  }

  async delete<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return await this.#exclusive(() => this.#delete(collection, id, undefined) as StoredEntity<T> | undefined)
  }

  async claimIdempotencyKey (record: IdempotencyRecord, nowMs: number): Promise<IdempotencyRecord | undefined> {
    // Synchronous from here: no other claim runs in between.
    let purged = 0
    for (const [k, r] of this.#idempotency) {
      if (purged >= PURGE_PER_CLAIM || r.expiresAtMs > nowMs) break
      if (r.answer !== undefined || r.lockedUntilMs <= nowMs) { this.#idempotency.delete(k); purged++ }
    }
    const id = JSON.stringify([record.scope, record.key])
    const found = this.#idempotency.get(id)
    const takeOver = found !== undefined && (found.expiresAtMs <= nowMs || (found.answer === undefined && found.lockedUntilMs <= nowMs && found.fingerprint === record.fingerprint))
    if (found !== undefined && !takeOver) return found
    this.#idempotency.delete(id)
    this.#idempotency.set(id, frozenCopy(record))
    return undefined
  }

  async completeIdempotencyKey (scope: string, key: string, token: string, answer: IdempotencyAnswer): Promise<boolean> {
    return this.#complete(scope, key, token, answer, undefined)
  }

  async releaseIdempotencyKey (scope: string, key: string, token: string): Promise<void> {
    const id = JSON.stringify([scope, key])
    const found = this.#idempotency.get(id)
    if (found !== undefined && found.token === token && found.answer === undefined) this.#idempotency.delete(id)
  }

  #complete (scope: string, key: string, token: string, answer: IdempotencyAnswer, undo: Array<() => void> | undefined): boolean {
    const id = JSON.stringify([scope, key])
    const found = this.#idempotency.get(id)
    if (found === undefined || found.token !== token || found.answer !== undefined) return false
    this.#idempotency.set(id, frozenCopy({ ...found, answer }))
    undo?.push(() => { if (this.#idempotency.has(id)) this.#idempotency.set(id, found) })
    return true
  }

  async transaction<R> (fn: (store: Store) => Promise<R>): Promise<R> {
    return await this.#exclusive(async () => {
      const tx = new MemoryStore.#Transaction(this)
      try {
        return await fn(tx)
      } catch (err) {
        tx.undo()
        throw err
      }
    })
  }

  /**
   * What a transaction's function reads and writes through: this store, its writes applied at
   * once and undone (in reverse order) if the function throws. One object per transaction, its
   * methods shared (issue 12: no set of closures made per write request).
   */
  static readonly #Transaction = class MemoryTransaction implements Store {
    readonly #store: MemoryStore
    readonly #undo: Array<() => void> = []

    constructor (store: MemoryStore) { this.#store = store }

    async get<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
      return this.#store.#collections.get(collection)?.byId.get(id) as StoredEntity<T> | undefined
    }

    async getByName<T extends object = Record<string, unknown>> (collection: string, fullyQualifiedName: string): Promise<StoredEntity<T> | undefined> {
      return this.#store.#collections.get(collection)?.all.get(fullyQualifiedName) as StoredEntity<T> | undefined
    }

    async list<T extends object = Record<string, unknown>> (collection: string, query: ListQuery): Promise<ListResult<T>> {
      return this.#store.#list(collection, query) as ListResult<T>
    }

    async create<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>): Promise<StoredEntity<T>> {
      return this.#store.#create(collection, entity, this.#undo) as StoredEntity<T>
    }

    async replace<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>, expectedVersion: number): Promise<StoredEntity<T>> {
      return this.#store.#replace(collection, entity, expectedVersion, this.#undo) as StoredEntity<T>
    }

    async delete<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
      return this.#store.#delete(collection, id, this.#undo) as StoredEntity<T> | undefined
    }

    async transaction<R> (fn: (store: Store) => Promise<R>): Promise<R> {
      return await fn(this)
    }

    async claimIdempotencyKey (record: IdempotencyRecord, nowMs: number): Promise<IdempotencyRecord | undefined> {
      return await this.#store.claimIdempotencyKey(record, nowMs)
    }

    async completeIdempotencyKey (scope: string, key: string, token: string, answer: IdempotencyAnswer): Promise<boolean> {
      return this.#store.#complete(scope, key, token, answer, this.#undo)
    }

    async releaseIdempotencyKey (scope: string, key: string, token: string): Promise<void> {
      await this.#store.releaseIdempotencyKey(scope, key, token)
    }

    /** Undo the writes made so far, the last first. */
    undo (): void {
      for (const step of this.#undo.reverse()) step()
    }
  }

  #create (collection: string, entity: StoredEntity<object>, undo: Array<() => void> | undefined): StoredEntity {
    const c = this.#collection(collection)
    if (c.all.has(entity.fullyQualifiedName) || c.byId.has(entity.id)) {
      throw new DuplicateNameError(collection, entity.fullyQualifiedName)
    }
    const stored = frozenCopy(entity as StoredEntity)
    c.insert(stored)
    undo?.push(() => c.remove(stored))
    return stored
  }

  #replace (collection: string, entity: StoredEntity<object>, expectedVersion: number, undo: Array<() => void> | undefined): StoredEntity {
    const c = this.#collection(collection)
    const current = c.byId.get(entity.id)
    if (current === undefined) throw new EntityNotFoundError(collection, entity.id)
    if (current.version !== expectedVersion) throw new VersionConflictError(collection, entity.id)
    if (entity.fullyQualifiedName !== current.fullyQualifiedName && c.all.has(entity.fullyQualifiedName)) {
      throw new DuplicateNameError(collection, entity.fullyQualifiedName)
    }
    const stored = frozenCopy(entity as StoredEntity)
    // Same name and parent (a PATCH of other fields): the index entries are overwritten in place.
    if (stored.fullyQualifiedName !== current.fullyQualifiedName || stored.parentId !== current.parentId) c.remove(current)
    c.insert(stored)
    undo?.push(() => { c.remove(stored); c.insert(current) })
    return stored
  }

  #delete (collection: string, id: string, undo: Array<() => void> | undefined): StoredEntity | undefined {
    const c = this.#collections.get(collection)
    const current = c?.byId.get(id)
    if (c === undefined || current === undefined) return undefined
    c.remove(current)
    undo?.push(() => c.insert(current))
    return current
  }
}
