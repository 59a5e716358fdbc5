/**
 * One compilation per distinct schema (issue 12: startup).
 *
 * Fastify calls its validator and serializer compilers once per route and part (body, query,
 * each response status code), so the same schema on many routes (`/api/v1` and `/api/v2`,
 * HEAD beside GET, one error schema under every status code of every route) is compiled again
 * each time. A compiled function depends only on its compiler (one set of external schemas
 * and options) and the schema's content, so the first result is kept, by compiler and by the
 * schema's JSON text, and handed to every later route with the same schema. Every distinct
 * schema is still compiled when its first route is, at boot, so a bad schema fails the start
 * as before.
 *
 * @module
 */

/** Results already compiled, per compiler and per schema text. */
const compiled = new WeakMap<object, Map<string, unknown>>()

/**
 * What `compiler(route)` answers, compiled once per compiler and schema text.
 * @param compiler - a Fastify schema compiler (validator or serializer) for one context.
 * @param route - the route definition Fastify passes it (only `schema` selects the result).
 * @param key - `JSON.stringify(route.schema)`, when the caller has it already.
 */
export function compiledOnce<R extends { schema?: unknown }, T> (compiler: (route: R) => T, route: R, key: string = JSON.stringify(route.schema)): T {
  let byText = compiled.get(compiler) as Map<string, T> | undefined
  if (byText === undefined) {
    byText = new Map()
    compiled.set(compiler, byText)
  }
  let result = byText.get(key)
  if (result === undefined) {
    result = compiler(route)
    byText.set(key, result)
  }
  return result
}

/** Whether `value` is JSON data: its JSON text says all of it (no functions, class instances or `undefined`). */
export function isJsonData (value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true
  if (typeof value === 'number') return Number.isFinite(value)
  if (Array.isArray(value)) return value.every(isJsonData)
  if (typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isJsonData)
}
