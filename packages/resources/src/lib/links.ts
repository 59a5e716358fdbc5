/**
 * Rendering entities as answered: the declared properties in order, `href` links and the
 * parent reference's `href` (OpenMetadata "Resource representation": every entity and every
 * reference carries the absolute `href` of what it names). Links come from the configured
 * public base URL of the API version, never from the client's `Host` header.
 */
import type { ResourceSchemas } from './define.js'
import type { StoredEntity } from './store.js'

/** Renders the entities of one resource under one base URL (`https://api.example.com/api/v1`). */
export class EntityPresenter {
  readonly #collection: string
  readonly #properties: readonly string[]
  readonly #parent: { field: string, collection: string } | undefined
  readonly #baseUrl: () => string
  #base: string | undefined
  #parentBase: string | undefined

  /**
   * @param baseUrl absolute URL of the API version, without a trailing slash; a function is
   *   called once, on first use (for a server whose port is known only once it listens).
   * @param parent the parent field and collection, for a resource with a parent.
   */
  constructor (collection: string, schemas: ResourceSchemas, baseUrl: string | (() => string), parent?: { field: string, collection: string }) {
    this.#collection = collection
    this.#properties = schemas.properties
    this.#parent = parent
    this.#baseUrl = typeof baseUrl === 'string' ? () => baseUrl : baseUrl
  }

  #resolve (): string {
    if (this.#base === undefined) {
      const baseUrl = this.#baseUrl()
      this.#base = `${baseUrl}/${this.#collection}/`
      this.#parentBase = this.#parent !== undefined ? `${baseUrl}/${this.#parent.collection}/` : undefined
    }
    return this.#base
  }

  /** The absolute URL of an entity (`href`, `Location`). */
  href (id: string): string {
    return this.#resolve() + id
  }

  /**
   * The entity as answered. Hidden fields never appear (only declared properties are copied).
   * @param fields keep only `id`, `name`, `href` and these (OpenMetadata `?fields`).
   * @param omitParent leave the parent reference out (for an entity embedded in its parent).
   */
  present (entity: StoredEntity, fields?: ReadonlySet<string>, omitParent = false): Record<string, unknown> {
    const parent = this.#parent
    const base = this.#resolve()
    const out: Record<string, unknown> = {}
    for (const p of this.#properties) {
      if (fields !== undefined && p !== 'id' && p !== 'name' && p !== 'href' && !fields.has(p)) continue
      if (p === 'href') {
        out.href = base + entity.id
      } else if (parent !== undefined && p === parent.field) {
        const ref = entity[p] as { id: string, name: string, fullyQualifiedName: string } | undefined
        if (ref !== undefined && !omitParent) out[p] = { id: ref.id, name: ref.name, fullyQualifiedName: ref.fullyQualifiedName, href: (this.#parentBase as string) + ref.id }
      } else if (entity[p] !== undefined) {
        out[p] = entity[p]
      }
    }
    return out
  }

  /** The collection rendered. */
  get collection (): string { return this.#collection }
}
