/**
 * The suite's validator compiler. Fastify's default Ajv *removes* unknown properties
 * (`removeAdditional: true`), silently dropping data a client sent; the seeds require the
 * opposite (OpenMetadata: "Unknown fields ... are not ignored"; YugabyteDB: "Invalid fields
 * should be rejected rather than ignored"). This compiler keeps every property so that
 * `additionalProperties: false` rejects it with 400.
 *
 * Bodies are validated without type coercion (`"limit": "3"` in JSON is a string, not a
 * number); querystring, params and headers are coerced, since they arrive as strings.
 */
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv

function makeAjv (coerceTypes: false | 'array'): Ajv {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    coerceTypes,
    allErrors: true,
    verbose: true,
    strict: false
  })
  addFormats(ajv)
  return ajv
}

/**
 * Create a Fastify validator compiler with the suite's rules.
 * Each compiler owns two Ajv instances (body, other parts); Ajv caches compiled functions
 * by schema object, so compiling a shared schema twice costs nothing.
 */
export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  const bodyAjv = makeAjv(false)
  const partAjv = makeAjv('array')
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : partAjv).compile(schema as object)
}
