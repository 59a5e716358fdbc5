// Types flow from one TypeBox declaration into hooks, the store and the service: a misspelt
// field is a compile error. `npm test` type-checks this file (tsc -p tsconfig.test.json);
// every `@ts-expect-error` below must meet an error, or the type check fails.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { defineResource, MemoryStore, ResourceRegistry, type CreateInput, type Entity, type FieldsOf } from '../src/index.js'

const columns = defineResource({
  collection: 'columns',
  fields: Type.Object({
    dataType: Type.String(),
    ordinalPosition: Type.Optional(Type.Integer({ minimum: 1 }))
  }),
  readOnlyFields: Type.Object({ createdBy: Type.String() }),
  hiddenFields: Type.Object({ checksum: Type.String() }),
  // @ts-expect-error a filter on a field the declaration does not have
  filters: ['dataTyp'],
  hooks: {
    beforeCreate: ({ entity, input }) => {
      entity.ordinalPosition = 1
      entity.createdBy = 'importer'
      entity.checksum = 'abc'
      // @ts-expect-error a misspelt field of the declaration
      entity.ordinalPositon = 2
      // @ts-expect-error a field of the wrong type
      entity.dataType = 42
      const kind: string = input.dataType
      return kind === '' ? undefined : undefined
    }
  }
})

t.test('typed entities from the declaration', async (t) => {
  const registry = new ResourceRegistry(new MemoryStore(), [columns])
  const service = registry.service(columns)
  const input: CreateInput<typeof columns> = service.validateCreate({ name: 'c_custkey', dataType: 'INTEGER' })
  const { entity } = await service.create(input)
  const typed: Entity<typeof columns> = await service.get(entity.id)
  const position: number | undefined = typed.ordinalPosition
  t.equal(position, 1)
  t.equal(typed.createdBy, 'importer')
  // @ts-expect-error not a field of columns
  t.equal(typed.nullable, undefined)
  const stored = await registry.store.get<FieldsOf<typeof columns>>('columns', entity.id)
  t.equal(stored?.checksum, 'abc')
  // @ts-expect-error a create request needs dataType as a string
  const bad: CreateInput<typeof columns> = { name: 'x', dataType: 1 }
  t.ok(bad)
})
