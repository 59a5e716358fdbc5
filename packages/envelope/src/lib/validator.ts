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
 * - the suite's keywords are registered: `x-read-only` (an annotation) and `x-name` (the one
 *   rule of every name field: no control characters, NFC-normalised).
 */
import AjvCompilerModule from '@fastify/ajv-compiler'
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify'
import { compiledOnce } from './compile-once.js'

type AjvServerOption = NonNullable<FastifyServerOptions['ajv']>
type AjvLike = { addKeyword: (definition: Record<string, unknown>) => unknown }
type ValidatorBuilder = (externalSchemas: Record<string, unknown>, options: { customOptions: Record<string, unknown>, plugins: unknown[] }) => FastifySchemaCompiler<unknown>

// @fastify/ajv-compiler is CommonJS; under NodeNext its default export may arrive wrapped.
const AjvCompiler = ((AjvCompilerModule as unknown as { default?: unknown }).default ?? AjvCompilerModule) as unknown as () => ValidatorBuilder

/**
 * Annotation keywords the suite puts in schemas. `x-read-only` (on an object schema): the
 * names of fields a client may not set, so an attempt is reported as "read-only" rather
 * than "unknown". Registered so that Ajv's strict mode accepts them.
 */
export const PLATFORM_KEYWORDS = ['x-read-only', 'x-name'] as const

/**
 * Characters no name may hold: C0 and C1 controls (`\p{Cc}`: NUL, BEL, ESC, DEL, ...), format
 * characters (`\p{Cf}`: bidirectional overrides, zero-width joiners, BOM), line and paragraph
 * separators, unassigned or private-use code points and lone surrogates.
 */
export const NAME_FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u

/**
 * The one rule of every name field (`x-name: true` on a string schema): a name holding a
 * character of {@link NAME_FORBIDDEN} is invalid; any other name is replaced by its Unicode
 * NFC form (UAX #15), so two spellings of "é" are one name.
 * @returns the normalised name, or `undefined` when the name is refused.
 */
export function normalizeName (name: string): string | undefined {
  if (NAME_FORBIDDEN.test(name)) return undefined
  return name.normalize('NFC')
}

interface KeywordDataContext { parentData?: Record<string | number, unknown>, parentDataProperty?: string | number }
type NameValidate = ((schema: boolean, data: unknown, parentSchema: unknown, ctx?: KeywordDataContext) => boolean) & { errors?: unknown[] }

const validateName: NameValidate = function (schema, data, _parentSchema, ctx) {
  if (!schema || typeof data !== 'string') return true
  const normalized = normalizeName(data)
  if (normalized === undefined) {
    validateName.errors = [{ keyword: 'x-name', message: 'must not contain control, format, separator or unassigned characters', params: {} }]
    return false
  }
  if (normalized !== data && ctx?.parentData !== undefined && ctx.parentDataProperty !== undefined) ctx.parentData[ctx.parentDataProperty] = normalized
  return true
}

/** Ajv plugin registering {@link PLATFORM_KEYWORDS}: `x-read-only` (an annotation) and `x-name` (see {@link normalizeName}). */
export function platformKeywords (ajv: AjvLike): AjvLike {
  ajv.addKeyword({ keyword: 'x-read-only', schemaType: 'array', metaSchema: { type: 'array', items: { type: 'string' } } })
  ajv.addKeyword({ keyword: 'x-name', schemaType: 'boolean', modifying: true, errors: true, validate: validateName })
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
    // the same schema on many routes is compiled once (compile-once.ts)
    return (route) => compiledOnce(route.httpPart === 'body' ? body : parts, route)
  }
}

/**
 * A standalone compiler with the same rules (no external schemas), for validating data
 * outside a request, e.g. a resource created from code (seeding, imports).
 */
export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  return createValidatorBuilder()({})
}
