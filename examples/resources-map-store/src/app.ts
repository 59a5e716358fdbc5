/**
 * `@platform-api/resources` over the app's own `MapStore`: declare two resources (authors and
 * their books) and get list, get by id and by name, POST, PUT, PATCH, DELETE with the
 * envelope's error format and cursor pagination. No authorization here: the resources declare
 * no `permission`, so none is needed (one that did would stop the boot without one).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope from '@platform-api/envelope'
import pagination from '@platform-api/pagination'
import platformResources, { defineResource, ResourceRegistry } from '@platform-api/resources'
import { MapStore } from './map-store.js'

export const authors = defineResource({
  collection: 'authors',
  fullyQualifiedName: true,
  fields: Type.Object({ born: Type.Optional(Type.Integer({ minimum: 0, maximum: 3000 })) })
})

export const books = defineResource({
  collection: 'books',
  parent: { field: 'author', collection: 'authors' },
  fields: Type.Object({ title: Type.String({ minLength: 1, maxLength: 200 }), year: Type.Optional(Type.Integer()) }),
  filters: ['year']
})

/** Build the app (not listening). `publicUrl`: the base of `href` links. */
export async function buildApp (publicUrl: string, store = new MapStore()): Promise<{ app: FastifyInstance, registry: ResourceRegistry }> {
  const registry = new ResourceRegistry(store, [authors, books])
  // Names up to 256 characters, two levels: the router must carry a 513-character fullyQualifiedName.
  const app = Fastify({ routerOptions: { maxParamLength: 1024 } })
  await app.register(envelope, { httpsOnly: false })
  await app.register(pagination)
  await app.register(platformResources, { prefix: '/v1', registry, publicUrl })
  return { app, registry }
}
