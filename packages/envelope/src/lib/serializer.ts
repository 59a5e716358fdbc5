/**
 * Response serialization through Fastify's own compiler (`@fastify/fast-json-stringify-compiler`,
 * fast-json-stringify), each distinct response schema compiled once per app instead of once per
 * route and status code (issue 12: startup; see compile-once.ts), from its serialization form:
 * unions that need no run-time validator written without `anyOf`, annotations left out
 * (serialization-schema.ts).
 *
 * @module
 */
import SerializerSelectorModule, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import { compiledOnce, isJsonData } from './compile-once.js'
import { serializationSchema } from './serialization-schema.js'

// CommonJS; under NodeNext its default export may arrive wrapped.
const SerializerSelector = ((SerializerSelectorModule as unknown as { default?: unknown }).default ?? SerializerSelectorModule) as unknown as () => SerializerFactory

type SerializerCompiler = ReturnType<SerializerFactory>

/**
 * A serializer builder for Fastify's schema controller (`compilersFactory.buildSerializer`):
 * Fastify's default (the schemas of `fastify.addSchema`, the server's `serializerOpts`), with
 * each distinct schema compiled once, from {@link serializationSchema} of the route's schema
 * (the route keeps its schema: validation and OpenAPI see the original). Fastify calls it once
 * per context that compiles a schema; contexts of the same external schemas and options share
 * one compiler.
 */
export function createSerializerBuilder (): SerializerFactory {
  const build = SerializerSelector()
  const pool = new Map<string, SerializerCompiler>()
  return (externalSchemas, options) => {
    const key = isJsonData(externalSchemas) && (options === undefined || isJsonData(options)) ? JSON.stringify([externalSchemas, options]) : undefined
    let compile = key !== undefined ? pool.get(key) : undefined
    if (compile === undefined) {
      const compiler = build(externalSchemas, options)
      // by the route's schema text first; a miss is compiled by the text of its serialization form
      const bySerializationForm: SerializerCompiler = (route) => {
        const schema = serializationSchema(route.schema)
        return compiledOnce(compiler, { ...route, schema }, JSON.stringify(schema))
      }
      compile = (route) => compiledOnce(bySerializationForm, route)
      if (key !== undefined) pool.set(key, compile)
    }
    return compile
  }
}
