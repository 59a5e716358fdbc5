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
 *   rule of every name field: no control characters, NFC-normalised);
 * - `code.optimize: false` unless the app sets it: Ajv's optimisation pass costs a third of
 *   every compilation at boot and makes the validators no faster (issue 12: startup).
 */
import AjvCompilerModule from '@fastify/ajv-compiler'
import type { FastifySchemaCompiler, FastifyServerOptions } from 'fastify'
import { compiledOnce, isJsonData } from './compile-once.js'

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

/** The two compilers of one configuration: bodies (no coercion) and the other parts (coercing). */
interface Compilers { body: FastifySchemaCompiler<unknown>, parts: FastifySchemaCompiler<unknown> }

/**
 * Compilers shared by every builder of the process, per configuration (external schemas, Ajv
 * options, plugins), as @fastify/ajv-compiler pools them per app: the suite's validator builder
 * of an app and a `ResourceRegistry`'s compiler (same configuration) use one pair of Ajv instances,
 * and compile a schema both use once (issue 12: startup). Held weakly: a configuration's Ajv
 * instances and their compiled schemas go when no app or registry uses them any more.
 */
const shared = new Map<string, WeakRef<Compilers>>()
const forget = new FinalizationRegistry<string>((key) => { if (shared.get(key)?.deref() === undefined) shared.delete(key) })
/** A number per plugin function, for the pool key (functions have no JSON text). */
const pluginIds = new WeakMap<object, number>()
let nextPluginId = 0

/** The pool key of a configuration, or `undefined` when it cannot be told from data (e.g. a function in the Ajv options). */
function configurationKey (externalSchemas: Record<string, unknown>, customOptions: Record<string, unknown>, plugins: readonly unknown[]): string | undefined {
  if (!isJsonData(externalSchemas) || !isJsonData(customOptions)) return undefined
  const ids: unknown[] = []
  for (const plugin of plugins) {
    const [fn, opts] = Array.isArray(plugin) ? plugin : [plugin, undefined]
    if (typeof fn !== 'function' || (opts !== undefined && !isJsonData(opts))) return undefined
    let id = pluginIds.get(fn)
    if (id === undefined) pluginIds.set(fn, id = nextPluginId++)
    ids.push(opts === undefined ? id : [id, opts])
  }
  return JSON.stringify([externalSchemas, customOptions, ids])
}

/**
 * A validator builder for Fastify's schema controller (`compilersFactory.buildValidator`).
 * It is called by Fastify with the schemas of `fastify.addSchema` and the server's `ajv`
 * option; it answers a compiler that uses a non-coercing Ajv for bodies and a coercing one
 * (`coerceTypes: 'array'`) for the other parts. Both come from `@fastify/ajv-compiler`, and are
 * shared with every other builder (other apps, `createValidatorCompiler`) of the same external
 * schemas, Ajv options and plugins. A schema holding an `$id` is compiled by Ajv instances of
 * this builder alone (Ajv keeps ids: one app's must not resolve another's), as are all schemas
 * when the Ajv options or plugin options are not plain data.
 */
export function createValidatorBuilder (): (externalSchemas: Record<string, unknown>, ajvOption?: AjvServerOption) => FastifySchemaCompiler<unknown> {
  const own = AjvCompiler()
  return (externalSchemas, ajvOption) => {
    const appOptions = (ajvOption?.customOptions ?? {}) as Record<string, unknown>
    // Ajv's optimisation pass of the generated code (`code.optimize`) is a third of compiling a
    // schema and changes no result; the validators run as fast without it (issue 12: startup).
    // An app's own `code` options (including `optimize`) are kept.
    const code = { optimize: false, ...(appOptions.code as Record<string, unknown> | undefined) }
    const customOptions = { ...appOptions, ...SUITE_AJV_OPTIONS, code }
    const plugins = [...(ajvOption?.plugins ?? []), platformKeywords]
    const make = (build: ValidatorBuilder): Compilers => ({
      body: build(externalSchemas, { customOptions: { ...customOptions, coerceTypes: false }, plugins }),
      parts: build(externalSchemas, { customOptions: { coerceTypes: 'array', ...customOptions }, plugins })
    })
    let ownCompilers: Compilers | undefined
    const key = configurationKey(externalSchemas, customOptions, plugins)
    let common: Compilers
    if (key === undefined) {
      common = ownCompilers = make(own)
    } else {
      const found = shared.get(key)?.deref()
      if (found !== undefined) {
        common = found
      } else {
        common = make(AjvCompiler())
        shared.set(key, new WeakRef(common))
        forget.register(common, key)
      }
    }
    // the same schema on many routes is compiled once (compile-once.ts)
    return (route) => {
      const text = JSON.stringify(route.schema)
      const compilers = text.includes('"$id"') ? (ownCompilers ??= make(own)) : common
      return compiledOnce(route.httpPart === 'body' ? compilers.body : compilers.parts, route, text)
    }
  }
}

/**
 * A standalone compiler with the same rules (no external schemas), for validating data
 * outside a request, e.g. a resource created from code (seeding, imports).
 */
export function createValidatorCompiler (): FastifySchemaCompiler<unknown> {
  return createValidatorBuilder()({})
}
