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
 */
export function compiledOnce<R extends { schema?: unknown }, T> (compiler: (route: R) => T, route: R): T {
  let byText = compiled.get(compiler) as Map<string, T> | undefined
  if (byText === undefined) {
    byText = new Map()
    compiled.set(compiler, byText)
  }
  const key = JSON.stringify(route.schema)
  let result = byText.get(key)
  if (result === undefined) {
    result = compiler(route)
    byText.set(key, result)
  }
  return result
}
