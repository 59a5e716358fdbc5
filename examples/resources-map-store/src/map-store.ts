/**
 * A `Store` an app writes itself, on plain `Map`s: what `@platform-api/resources` needs from
 * storage, in about a hundred lines. Lists sort on every call (fine for small data; the
 * suite's `MemoryStore` keeps B+ tree indexes instead). Writes are serialized; a transaction
 * works on copies and puts them in place only when it succeeds.
 */
import { DuplicateNameError, EntityNotFoundError, VersionConflictError, type ListQuery, type ListResult, type Store, type StoredEntity } from '@platform-api/resources'

type Tables = Map<string, Map<string, StoredEntity>>

function copyTables (tables: Tables): Tables {
  return new Map([...tables].map(([name, rows]) => [name, new Map(rows)]))
}

/** Reads and writes one snapshot of the tables. */
class MapView implements Store {
  constructor (readonly tables: Tables) {}

  #rows (collection: string): Map<string, StoredEntity> {
    let rows = this.tables.get(collection)
    if (rows === undefined) this.tables.set(collection, rows = new Map())
    return rows
  }

  async get<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return structuredClone(this.tables.get(collection)?.get(id)) as StoredEntity<T> | undefined
  }

  async getByName<T extends object = Record<string, unknown>> (collection: string, fullyQualifiedName: string): Promise<StoredEntity<T> | undefined> {
    for (const row of this.tables.get(collection)?.values() ?? []) {
      if (row.fullyQualifiedName === fullyQualifiedName) return structuredClone(row) as StoredEntity<T>
    }
    return undefined
  }

  async list<T extends object = Record<string, unknown>> (collection: string, query: ListQuery): Promise<ListResult<T>> {
    const matching = [...(this.tables.get(collection)?.values() ?? [])]
      .filter((e) => query.parentId === undefined || e.parentId === query.parentId)
      .filter((e) => Object.entries(query.filter ?? {}).every(([k, v]) => e[k] === v))
      .sort((a, b) => (a.fullyQualifiedName < b.fullyQualifiedName ? -1 : a.fullyQualifiedName > b.fullyQualifiedName ? 1 : 0))
    let start = query.offset ?? 0
    let end = start + query.limit
    if (query.after !== undefined) {
      const key = String(query.after[0])
      start = matching.findIndex((e) => e.fullyQualifiedName > key)
      if (start === -1) start = matching.length
      end = start + query.limit
    } else if (query.before !== undefined) {
      const key = String(query.before[0])
      end = matching.findIndex((e) => e.fullyQualifiedName >= key)
      if (end === -1) end = matching.length
      start = Math.max(0, end - query.limit)
    }
    const items = matching.slice(start, end).map((e) => structuredClone(e) as StoredEntity<T>)
    return { items, hasBefore: start > 0 && matching.length > 0, hasAfter: end < matching.length, total: matching.length }
  }

  async create<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>): Promise<StoredEntity<T>> {
    const rows = this.#rows(collection)
    if (await this.getByName(collection, entity.fullyQualifiedName) !== undefined) throw new DuplicateNameError(collection, entity.fullyQualifiedName)
    rows.set(entity.id, structuredClone(entity) as StoredEntity)
    return entity
  }

  async replace<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>, expectedVersion: number): Promise<StoredEntity<T>> {
    const current = this.tables.get(collection)?.get(entity.id)
    if (current === undefined) throw new EntityNotFoundError(collection, entity.id)
    if (current.version !== expectedVersion) throw new VersionConflictError(collection, entity.id)
    this.#rows(collection).set(entity.id, structuredClone(entity) as StoredEntity)
    return entity
  }

  async delete<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    const current = this.tables.get(collection)?.get(id)
    this.tables.get(collection)?.delete(id)
    return current as StoredEntity<T> | undefined
  }

  async transaction<R> (fn: (store: Store) => Promise<R>): Promise<R> {
    return await fn(this)
  }
}

/** The app's own `Store` on `Map`s. */
export class MapStore implements Store {
  #view = new MapView(new Map())
  #queue: Promise<unknown> = Promise.resolve()

  /** Run `fn` after every earlier write. */
  #serial<R> (fn: () => Promise<R>): Promise<R> {
    const run = this.#queue.then(fn)
    this.#queue = run.catch(() => undefined)
    return run
  }

  get: Store['get'] = async (collection, id) => await this.#view.get(collection, id)
  getByName: Store['getByName'] = async (collection, name) => await this.#view.getByName(collection, name)
  list: Store['list'] = async (collection, query) => await this.#view.list(collection, query)
  create: Store['create'] = async (collection, entity) => await this.transaction(async (tx) => await tx.create(collection, entity))
  replace: Store['replace'] = async (collection, entity, version) => await this.transaction(async (tx) => await tx.replace(collection, entity, version))
  delete: Store['delete'] = async (collection, id) => await this.transaction(async (tx) => await tx.delete(collection, id))

  /** Works on a copy of the tables; the copy replaces them only when `fn` succeeds. */
  async transaction<R> (fn: (store: Store) => Promise<R>): Promise<R> {
    return await this.#serial(async () => {
      const draft = new MapView(copyTables(this.#view.tables))
      const result = await fn(draft)
      this.#view = draft
      return result
    })
  }
}
