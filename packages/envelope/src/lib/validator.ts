/**
 * Validation through Fastify's own compiler (`@fastify/ajv-compiler`), with the suite's rules.
 *
 * Fastify's default Ajv *removes* unknown properties (`removeAdditional: true`), silently
 * dropping data a client sent; the seeds require the opposite (OpenMetadata: "Unknown
 * fields ... are not ignored"; YugabyteDB: "Invalid fields should be rejected rather than
 * ignored"). The envelope therefore installs a validator builder in Fastify's schema
 * controller that keeps everything Fastify does (schemas added with `fastify.addSchema`,
 * `$ref`, the app's `ajv.customOptions` and `ajv.plugins`, ajv-formats) and changes only:
 *
 * - `removeAdditional: false`: `additionalProperties: false` rejects unknown fields (400);
 * - `strict: true`: a misspelt keyword in a schema is a boot error, not a silent no-op;
 * - `allErrors: false`: Fastify's own DoS advice; the first error is reported;
 * - `verbose: true`: the error names the schema, for "did you mean";
 * - bodies are validated without type coercion (`"nullable": "true"` is not a boolean);
 *   querystring, params and headers are coerced, since they arrive as strings;
 * - the suite's annotation keywords (`x-read-only`) are registered as Ajv keywords.
 */
import AjvCompilerModule from '@fastify/ajv-compiler'
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify'

type AjvServerOption = NonNullable<FastifyServerOptions['ajv']>
type AjvLike = { addKeyword: (definition: { keyword: string, schemaType?: string | string[], metaSchema?: object }) => unknown }
type ValidatorBuilder = (externalSchemas: Record<string, unknown>, options: { customOptions: Record<string, unknown>, plugins: unknown[] }) => FastifySchemaCompiler<unknown>

// @fastify/ajv-compiler is CommonJS; under NodeNext its default export may arrive wrapped.
const AjvCompiler = ((AjvCompilerModule as unknown as { default?: unknown }).default ?? AjvCompilerModule) as unknown as () => ValidatorBuilder

/**
 * Annotation keywords the suite puts in schemas. `x-read-only` (on an object schema): the
 * names of fields a client may not set, so an attempt is reported as "read-only" rather
 * than "unknown". Registered so that Ajv's strict mode accepts them.
 */
export const PLATFORM_KEYWORDS = ['x-read-only'] as const

/** Ajv plugin registering {@link PLATFORM_KEYWORDS} (annotations: they validate nothing). */
export function platformKeywords (ajv: AjvLike): AjvLike {
  ajv.addKeyword({ keyword: 'x-read-only', schemaType: 'array', metaSchema: { type: 'array', items: { type: 'string' } } })
  return ajv
}

/** The Ajv options the suite forces, over Fastify's defaults and the app's `ajv.customOptions`. */
export const SUITE_AJV_OPTIONS = Object.freeze({ removeAdditional: false, allErrors: false, verbose: true, strict: true, useDefaults: true })

/**
 * A validator builder for Fastify's schema controller (`compilersFactory.buildValidator`).
 * It is called by Fastify with the schemas of `fastify.addSchema` and the server's `ajv`
 * option; it answers a compiler that uses a non-coercing Ajv for bodies and a coercing one
 * (`coerceTypes: 'array'`) for the other parts. Both come from `@fastify/ajv-compiler`.
 */
export function createValidatorBuilder (): (externalSchemas: Record<string, unknown>, ajvOption?: AjvServerOption) => FastifySchemaCompiler<unknown> {
  const build = AjvCompiler()
  return (externalSchemas, ajvOption) => {
    const customOptions = { ...(ajvOption?.customOptions ?? {}), ...SUITE_AJV_OPTIONS }
    const plugins = [...(ajvOption?.plugins ?? []), platformKeywords]
    const body = build(externalSchemas, { customOptions: { ...customOptions, coerceTypes: false }, plugins })
    const parts = build(externalSchemas, { customOptions: { coerceTypes: 'array', ...customOptions }, plugins })
    return (route) => {
      const compiler = route.httpPart === 'body' ? body : parts
      return compiledOnce(compiler, route)
    }
  }
}

/**
 * Validators already compiled, per compiler (the pooled Ajv of one set of external schemas and
 * options) and per schema text: the same schema on many routes (`/api/v1` and `/api/v2`, HEAD
 * beside GET, one query schema on every list) is compiled once (issue 12: startup).
 */
const compiled = new WeakMap<object, Map<string, ReturnType<FastifySchemaCompiler<unknown>>>>()

function compiledOnce (compiler: FastifySchemaCompiler<unknown>, route: Parameters<FastifySchemaCompiler<unknown>>[0]): ReturnType<FastifySchemaCompiler<unknown>> {
  let byText = compiled.get(compiler)
  if (byText === undefined) {
    byText = new Map()
    compiled.set(compiler, byText)
  }
  const key = JSON.stringify(route.schema)
  let validate = byText.get(key)
  if (validate === undefined) {
    validate = compiler(route)
    byText.set(key, validate)
  }
  return validate
}

/**
 * A standalone compiler with the same rules (no external schemas), for validating data
 * outside a request, e.g. a resource created from code (seeding, imports).
 */
export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  return createValidatorBuilder()({})
}
