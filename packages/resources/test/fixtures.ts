import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import envelope from '@platform-api/envelope'
import { defineResource, MemoryStore, ResourceRegistry, platformResources, type ServiceOptions, type Store } from '../src/index.js'

export const catalogs = defineResource({
  collection: 'catalogs',
  fullyQualifiedName: true,
  fields: Type.Object({
    type: Type.Union([Type.Literal('internal'), Type.Literal('hive')], { default: 'internal' }),
    description: Type.Optional(Type.String({ maxLength: 1000 }))
  }),
  filters: ['type']
})
export const databases = defineResource({
  collection: 'databases',
  parent: { field: 'catalog', collection: 'catalogs' },
  fields: Type.Object({ description: Type.Optional(Type.String()) })
})
export const tables = defineResource({
  collection: 'tables',
  parent: { field: 'database', collection: 'databases' },
  fields: Type.Object({
    tableType: Type.Union([Type.Literal('table'), Type.Literal('view')], { default: 'table' }),
    description: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Array(Type.String(), { maxItems: 10 }))
  }),
  filters: ['tableType']
})
export const columns = defineResource({
  collection: 'columns',
  parent: { field: 'table', collection: 'tables' },
  embedOrder: 'ordinalPosition',
  fields: Type.Object({
    dataType: Type.String({ minLength: 1 }),
    nullable: Type.Boolean({ default: true }),
    ordinalPosition: Type.Optional(Type.Integer({ minimum: 1 }))
  }),
  filters: ['nullable'],
  hooks: {
    beforeCreate: async ({ entity, parent, store }) => {
      if (entity.ordinalPosition === undefined && parent !== undefined) {
        entity.ordinalPosition = (await store.list('columns', { parentId: parent.id, limit: 1 })).total + 1
      }
    }
  }
})

export async function build (t: { teardown: (fn: () => unknown) => void }, options: ServiceOptions & { store?: Store } = {}): Promise<{ app: FastifyInstance, registry: ResourceRegistry }> {
  const registry = new ResourceRegistry(options.store ?? new MemoryStore(), [catalogs, databases, tables, columns], options)
  const app = Fastify()
  await app.register(envelope, { httpsOnly: false })
  await app.register(async (v1) => { await v1.register(platformResources, { registry }) }, { prefix: '/api/v1' })
  t.teardown(() => app.close())
  return { app, registry }
}

/** catalog `default`, database `default.tpch`, tables `t00`..`t(n-1)` each with two columns. */
export async function seed (registry: ResourceRegistry, tableCount: number): Promise<void> {
  await registry.get('catalogs').create(registry.get('catalogs').validateCreate({ name: 'default', description: 'the default catalog' }))
  await registry.get('databases').create(registry.get('databases').validateCreate({ name: 'tpch', catalog: 'default' }))
  for (let i = 0; i < tableCount; i++) {
    const name = `t${String(i).padStart(2, '0')}`
    await registry.get('tables').create(registry.get('tables').validateCreate({ name, database: 'default.tpch' }))
    await registry.get('columns').create(registry.get('columns').validateCreate({ name: 'b_key', dataType: 'INTEGER', nullable: false, table: `default.tpch.${name}` }))
    await registry.get('columns').create(registry.get('columns').validateCreate({ name: 'a_value', dataType: 'DECIMAL(15,2)', table: `default.tpch.${name}` }))
  }
}
