/**
 * Response serialization through Fastify's own compiler (`@fastify/fast-json-stringify-compiler`,
 * fast-json-stringify), each distinct response schema compiled once per context instead of once
 * per route and status code (issue 12: startup; see compile-once.ts).
 *
 * @module
 */
import SerializerSelectorModule, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import { compiledOnce } from './compile-once.js'

// CommonJS; under NodeNext its default export may arrive wrapped.
const SerializerSelector = ((SerializerSelectorModule as unknown as { default?: unknown }).default ?? SerializerSelectorModule) as unknown as () => SerializerFactory

/**
 * A serializer builder for Fastify's schema controller (`compilersFactory.buildSerializer`):
 * Fastify's default (the schemas of `fastify.addSchema`, the server's `serializerOpts`), with
 * each distinct schema compiled once.
 */
export function createSerializerBuilder (): SerializerFactory {
  const build = SerializerSelector()
  return (externalSchemas, options) => {
    const compiler = build(externalSchemas, options)
    return (route) => compiledOnce(compiler, route)
  }
}
