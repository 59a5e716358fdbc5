/**
 * The answered JSON of entities, kept per (collection, id, version): presenting an entity
 * (its `href` links) and serializing it (fast-json-stringify, from the route's response
 * schema) happen once per write of the entity, not once per read. A list of 100 is then
 * 100 cache lookups and one join.
 *
 * An entry is used only for the very version it was made from (`version` and `updatedAt`
 * both equal, the same test as the entity's ETag), so a write is visible at once and stale
 * text is never answered. Only what every reader of the entity sees is kept: the declared
 * properties as presented (hidden fields never, one-time fields of a create's answer never,
 * `?fields` selections and embedded children never). Bounded: least recently used entries
 * go first once the entries' sizes exceed the budget (`lru-cache`).
 */
import { LRUCache } from 'lru-cache'
import type { StoredEntity } from './store.js'

/** Default budget of a cache: 16 MiB of JSON text (roughly 40,000 entities of 400 characters). */
export const DEFAULT_ENTITY_CACHE_BYTES = 16 * 1024 * 1024

/** Counted per entry besides its text (key, version, the entry object), in bytes. */
const ENTRY_OVERHEAD_BYTES = 96

interface Entry { collection: string, version: number, updatedAt: string, json: string }

/**
 * `text`, flat: a serializer builds its output by concatenation, a tree of pieces (a V8 "cons
 * string") that every join would walk again; converting it to a number once makes V8 flatten
 * it in place (the `flatstr` technique of pino).
 */
function flat (text: string): string {
  // eslint-disable-next-line no-void
  void Number(text)
  return text
}

/** Serialized entities of one API version, all collections, in one bounded LRU. */
export class EntityJsonCache {
  readonly #lru: LRUCache<string, Entry> | undefined

  /**
   * @param maxBytes budget in bytes: the entries' JSON length in characters plus a fixed
   *   overhead each; 0 keeps nothing (every answer is presented and serialized anew).
   */
  constructor (maxBytes: number) {
    this.#lru = maxBytes > 0
      ? new LRUCache<string, Entry>({ maxSize: maxBytes, sizeCalculation: (e) => e.json.length + ENTRY_OVERHEAD_BYTES })
      : undefined
  }

  /** Whether entries are kept (a budget above 0). */
  get enabled (): boolean { return this.#lru !== undefined }

  /** Entries held now. */
  get size (): number { return this.#lru?.size ?? 0 }

  /**
   * The JSON of `entity` as `render` makes it: from the cache when this very version's text
   * is there, else rendered now and kept (unless a newer version's text is already kept).
   * @param render presents and serializes the entity; must depend on nothing but the entity.
   */
  json (collection: string, entity: StoredEntity, render: (entity: StoredEntity) => string): string {
    const lru = this.#lru
    if (lru === undefined) return render(entity)
    // Keyed by the id alone (the entity's own string, its hash already computed), the collection checked.
    const hit = lru.get(entity.id)
    if (hit !== undefined && hit.version === entity.version && hit.updatedAt === entity.updatedAt && hit.collection === collection) return hit.json
    const json = flat(render(entity))
    // A reader holding an older version (read before a write) does not push out the newer text.
    if (hit === undefined || hit.collection !== collection || hit.version <= entity.version) lru.set(entity.id, { collection, version: entity.version, updatedAt: entity.updatedAt, json })
    return json
  }
}
