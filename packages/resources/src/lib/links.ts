/**
 * Rendering entities as answered: the declared properties in order, `href` links and the
 * parent reference's `href` (OpenMetadata "Resource representation": every entity and every
 * reference carries the absolute `href` of what it names). Links come from the configured
 * public base URL of the API version, never from the client's `Host` header, in the path
 * scheme of that version:
 * - `flat` (OpenMetadata): `/{collection}/{id}`;
 * - `nested` (StarRocks "Target Object Access Path"): `/catalogs/{name}/databases/{name}/...`,
 *   the names taken from the entity's fullyQualifiedName.
 */
import type { ResourceSchemas } from './define.js'
import type { StoredEntity } from './store.js'

/** The path schemes an API version can serve its resources in. */
export type PathScheme = 'flat' | 'nested'

/** What a link is made from: an entity or a reference to one. */
export interface LinkTarget { id: string, fullyQualifiedName: string }

/** StarRocks: categories in paths are snake_case, lowercase (`apiKeys` -> `api_keys`). */
export function pathSegment (collection: string, scheme: PathScheme): string {
  return scheme === 'nested' ? collection.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : collection
}

/**
 * The path of an entity below the API version's base, e.g. `/tables/<id>` (flat) or
 * `/catalogs/default/databases/tpch/tables/lineitem` (nested).
 * @param chain the collections from the root ancestor to the entity's own (nested scheme).
 */
export function entityPath (scheme: PathScheme, chain: readonly string[], target: LinkTarget): string {
  const own = chain[chain.length - 1] as string
  if (scheme === 'flat') return `/${own}/${target.id}`
  const names = target.fullyQualifiedName.split('.')
  let path = ''
  for (let i = 0; i < chain.length; i++) path += `/${pathSegment(chain[i] as string, 'nested')}/${encodeURIComponent(names[i] ?? '')}`
  return path
}

/** Renders the entities of one resource under one base URL (`https://api.example.com/api/v1`). */
export class EntityPresenter {
  readonly #properties: readonly string[]
  readonly #parentField: string | undefined
  readonly #baseUrl: () => string
  readonly #scheme: PathScheme
  readonly #chain: readonly string[]
  #base: string | undefined

  /**
   * @param chain the collections from the root ancestor to this resource (the last is its own).
   * @param baseUrl absolute URL of the API version, without a trailing slash; a function is
   *   called once, on first use (for a server whose port is known only once it listens).
   * @param parentField the field holding the parent reference, for a resource with a parent.
   */
  constructor (chain: readonly string[], schemas: ResourceSchemas, baseUrl: string | (() => string), scheme: PathScheme, parentField?: string) {
    this.#chain = chain
    this.#properties = schemas.properties
    this.#parentField = parentField
    this.#scheme = scheme
    this.#baseUrl = typeof baseUrl === 'string' ? () => baseUrl : baseUrl
  }

  #resolve (): string {
    this.#base ??= this.#baseUrl()
    return this.#base
  }

  /** The absolute URL of an entity (`href`, `Location`). */
  href (target: LinkTarget): string {
    return this.#resolve() + entityPath(this.#scheme, this.#chain, target)
  }

  /** The absolute URL of the parent an entity's reference names. */
  #parentHref (ref: LinkTarget): string {
    return this.#resolve() + entityPath(this.#scheme, this.#chain.slice(0, -1), ref)
  }

  /**
   * The entity as answered. Hidden fields never appear (only declared properties are copied).
   * @param fields keep only `id`, `name`, `href` and these (OpenMetadata `?fields`).
   * @param omitParent leave the parent reference out (for an entity embedded in its parent).
   */
  present (entity: StoredEntity, fields?: ReadonlySet<string>, omitParent = false): Record<string, unknown> {
    const parentField = this.#parentField
    const out: Record<string, unknown> = {}
    for (const p of this.#properties) {
      if (fields !== undefined && p !== 'id' && p !== 'name' && p !== 'href' && !fields.has(p)) continue
      if (p === 'href') {
        out.href = this.href(entity)
      } else if (p === parentField) {
        const ref = entity[p] as { id: string, name: string, fullyQualifiedName: string } | undefined
        if (ref !== undefined && !omitParent) out[p] = { id: ref.id, name: ref.name, fullyQualifiedName: ref.fullyQualifiedName, href: this.#parentHref(ref) }
      } else if (entity[p] !== undefined) {
        out[p] = entity[p]
      }
    }
    return out
  }
}
