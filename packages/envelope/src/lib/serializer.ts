/**
 * Response serialization through Fastify's own compiler (`@fastify/fast-json-stringify-compiler`,
 * fast-json-stringify), each distinct response schema compiled once per context instead of once
 * per route and status code (issue 12: startup; see compile-once.ts), from its serialization
 * form: unions that need no run-time validator written without `anyOf` (serialization-schema.ts).
 *
 * @module
 */
import SerializerSelectorModule, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import { compiledOnce } from './compile-once.js'
import { serializationSchema } from './serialization-schema.js'

// CommonJS; under NodeNext its default export may arrive wrapped.
const SerializerSelector = ((SerializerSelectorModule as unknown as { default?: unknown }).default ?? SerializerSelectorModule) as unknown as () => SerializerFactory

/**
 * A serializer builder for Fastify's schema controller (`compilersFactory.buildSerializer`):
 * Fastify's default (the schemas of `fastify.addSchema`, the server's `serializerOpts`), with
 * each distinct schema compiled once, from {@link serializationSchema} of the route's schema
 * (the route keeps its schema: validation and OpenAPI see the original).
 */
export function createSerializerBuilder (): SerializerFactory {
  const build = SerializerSelector()
  return (externalSchemas, options) => {
    const compiler = build(externalSchemas, options)
    const compile: typeof compiler = (route) => compiler({ ...route, schema: serializationSchema(route.schema) })
    return (route) => compiledOnce(compile, route)
  }
}
