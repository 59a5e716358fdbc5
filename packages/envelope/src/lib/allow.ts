/**
 * Track every route's path and methods so that a request for a known path with another
 * method answers 405 with `Allow` (RFC 9110 §15.5.6) instead of Fastify's 404.
 */
import FindMyWay from 'find-my-way'

const noop = (): void => {}

/** A registry of routes: `add` each route, then ask `allowed(path)`. */
export class AllowRegistry {
  readonly #router = FindMyWay({ ignoreTrailingSlash: false, ignoreDuplicateSlashes: false })
  readonly #methods = new Set<string>()

  /** Record `method` at `url` (a Fastify route pattern such as `/api/v1/tables/:id`). */
  add (method: string | string[], url: string): void {
    for (const m of Array.isArray(method) ? method : [method]) {
      try {
        this.#router.on(m as 'GET', url, noop)
        this.#methods.add(m)
      } catch {
        // A duplicate or a pattern find-my-way cannot hold: Fastify itself rejects these.
      }
    }
  }

  /** The methods registered for the concrete `path` (no query string), sorted; empty when none. */
  allowed (path: string): string[] {
    const found: string[] = []
    for (const m of this.#methods) {
      if (this.#router.find(m as 'GET', path) != null) found.push(m)
    }
    return found.sort()
  }
}
