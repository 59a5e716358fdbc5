// Access list usage is counted off the request path, in batches; expired entries are swept.
import t from 'tap'
import { MemoryStore, ResourceRegistry, type Store } from 'fastify-platform-api'
import { RESOURCES } from '../src/resources.js'
import { sweepExpiredEntries } from '../src/access-list.js'
import { UsageRecorder, usageOf } from '../src/usage.js'

t.test('a busy key does not write on every request: 1,000 requests, one write per entry and flush', async (t) => {
  const store = new MemoryStore()
  let writes = 0
  const counting: Store = {
    get: async (c, id) => await store.get(c, id),
    getByName: async (c, n) => await store.getByName(c, n),
    list: async (c, q) => await store.list(c, q),
    create: async (c, e) => { writes++; return await store.create(c, e) },
    replace: async (c, e, v) => { writes++; return await store.replace(c, e, v) },
    delete: async (c, id) => await store.delete(c, id),
    transaction: async (fn) => await store.transaction(fn)
  }
  const usage = new UsageRecorder(counting, 60_000)
  for (let i = 0; i < 1000; i++) usage.record('key-1', '10.0.0.0/8', `10.0.0.${i % 7}`)
  usage.record('key-1', '2001:db8::1', '2001:db8::1')
  t.equal(writes, 0, 'nothing written on the request path')
  await usage.flush()
  t.equal(writes, 2, 'one write per entry')
  for (let i = 0; i < 10; i++) usage.record('key-1', '10.0.0.0/8', '10.9.9.9')
  await usage.close()
  t.equal(writes, 3)
  const stats = await usageOf(store, 'key-1')
  t.match(stats.get('10.0.0.0/8'), { count: 1010, lastUsedAddress: '10.9.9.9', lastUsedAt: /Z$/ })
  t.match(stats.get('2001:db8::1'), { count: 1 })
})

t.test('the sweep removes expired entries from the keys that hold them', async (t) => {
  const registry = new ResourceRegistry(new MemoryStore(), RESOURCES)
  const keys = registry.get('apiKeys')
  const soon = new Date(Date.now() + 3000).toISOString()
  const { entity } = await keys.create(keys.validateCreate({ roles: ['ORG_MEMBER'], accessList: [{ cidrBlock: '10.0.0.0/8' }, { ipAddress: '192.0.2.1', deleteAfterDate: soon }] }))
  t.equal((entity.accessList as unknown[]).length, 2)
  t.equal(await sweepExpiredEntries(registry), 0, 'nothing expired yet')
  await new Promise((resolve) => setTimeout(resolve, 3200))
  t.equal(await sweepExpiredEntries(registry), 1)
  t.same((await keys.get(entity.id)).accessList, [{ cidrBlock: '10.0.0.0/8' }])
})
