// Property: page mode and cursor mode each visit every entity of a 10,000-entity collection
// exactly once, whatever the page size (issue: StarRocks /api/v2 page mode beside cursor mode).
import t from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope from '@platform-api/envelope'
import pagination from '@platform-api/pagination'
import platformResources, { defineResource, MemoryStore, ResourceRegistry } from '../src/index.js'

const COUNT = 10_000
const items = defineResource({ collection: 'items', fields: Type.Object({ bucket: Type.Integer() }), filters: ['bucket'] })

t.test('page mode and cursor mode visit each of 10,000 entities exactly once', async (t) => {
  const registry = new ResourceRegistry(new MemoryStore(), [items])
  const service = registry.service(items)
  for (let i = 0; i < COUNT; i++) {
    await service.create(service.validateCreate({ name: `item-${String(i).padStart(5, '0')}`, bucket: i % 7 }))
  }
  const app = Fastify({ routerOptions: { maxParamLength: 512 } })
  t.teardown(() => app.close())
  await app.register(envelope, { httpsOnly: false })
  await app.register(pagination)
  await app.register(platformResources, { prefix: '/v1', registry, publicUrl: 'https://x.example' })
  await app.register(platformResources, { prefix: '/v2', registry, publicUrl: 'https://x.example', pagination: 'page', paths: 'nested', closeStore: false })

  const walkPages = async (itemsPerPage: number, filter: string): Promise<string[]> => {
    const seen: string[] = []
    for (let pageNum = 1; ; pageNum++) {
      const page = (await app.inject({ method: 'GET', url: `/v2/items?pageNum=${pageNum}&itemsPerPage=${itemsPerPage}${filter}` })).json()
      if (page.items.length === 0) return seen
      seen.push(...page.items.map((e: { name: string }) => e.name))
    }
  }
  const walkCursors = async (limit: number, filter: string): Promise<string[]> => {
    const seen: string[] = []
    let url = `/v1/items?limit=${limit}${filter}`
    for (;;) {
      const page = (await app.inject({ method: 'GET', url })).json()
      seen.push(...page.data.map((e: { name: string }) => e.name))
      if (page.paging.after === null) return seen
      url = `/v1/items?limit=${limit}${filter}&after=${encodeURIComponent(page.paging.after)}`
    }
  }
  const expected = (bucket: number | undefined): string[] => Array.from({ length: COUNT }, (_, i) => i).filter((i) => bucket === undefined || i % 7 === bucket).map((i) => `item-${String(i).padStart(5, '0')}`)

  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 40, max: 1000 }),
    fc.constantFrom('page', 'cursor'),
    fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    async (size, mode, bucket) => {
      const filter = bucket === undefined ? '' : `&bucket=${bucket}`
      const seen = mode === 'page' ? await walkPages(size, filter) : await walkCursors(size, filter)
      return seen.length === new Set(seen).size && JSON.stringify(seen) === JSON.stringify(expected(bucket))
    }
  ), { numRuns: 16 })
  t.pass('16 random walks (page sizes 40..1000, both modes, with and without a filter) each saw every entity once, in order')
})
