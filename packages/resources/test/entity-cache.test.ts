import t from 'tap'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import envelope from '@platform-api/envelope'
import pagination from '@platform-api/pagination'
import { defineResource, EntityJsonCache, MemoryStore, ResourceRegistry, platformResources, type ResourcesOptions, type StoredEntity } from '../src/index.js'
import { catalogs, databases, tables, columns, PUBLIC_URL, seed } from './fixtures/resources.js'

/** A resource with a hidden field and a one-time field, as API keys have (HA1 stored, private key shown once). */
const secrets = defineResource({
  collection: 'secrets',
  fields: Type.Object({ description: Type.Optional(Type.String()) }),
  hiddenFields: Type.Object({ digest: Type.String() }),
  oneTimeFields: Type.Object({ secret: Type.String() }),
  hooks: {
    beforeCreate: ({ entity }) => {
      const secret = `s-${entity.id}`
      entity.digest = `hidden-${secret}`
      return { secret }
    }
  }
})

/** Two apps over one registry: the default cache, and none (`entityCacheBytes: 0`). */
async function apps (t: { teardown: (fn: () => unknown) => void }, cached: Partial<ResourcesOptions> = {}): Promise<{ app: FastifyInstance, plain: FastifyInstance, registry: ResourceRegistry }> {
  const registry = new ResourceRegistry(new MemoryStore(), [catalogs, databases, tables, columns, secrets])
  const make = async (options: Partial<ResourcesOptions>): Promise<FastifyInstance> => {
    const app = Fastify({ routerOptions: { maxParamLength: 2048 } })
    await app.register(envelope, { httpsOnly: false })
    // One cursor key for both, so that their cursors are the same too.
    await app.register(pagination, { cursorSecret: 'entity-cache-test-cursor-secret' })
    await app.register(platformResources, { prefix: '/api/v1', registry, publicUrl: PUBLIC_URL, closeStore: false, ...options })
    t.teardown(() => app.close())
    return app
  }
  return { app: await make(cached), plain: await make({ entityCacheBytes: 0 }), registry }
}

t.test('an answer made from the cache is byte for byte the one serialized anew (lists, GET, PATCH, HEAD, ?envelope, ?pretty)', async (t) => {
  const { app, plain, registry } = await apps(t)
  await seed(registry, 12)
  const urls = ['/api/v1/tables?limit=5', '/api/v1/tables?limit=100', '/api/v1/columns?limit=7&nullable=false', '/api/v1/catalogs', '/api/v1/tables?limit=3&envelope=true', '/api/v1/tables?limit=2&pretty=true', '/api/v1/tables?tableType=view']
  const first = (await plain.inject({ method: 'GET', url: '/api/v1/tables?limit=1' })).json().data[0]
  urls.push(`/api/v1/tables/${first.id}`, '/api/v1/tables/name/default.tpch.t03', `/api/v1/tables/${first.id}?envelope=true`)
  for (const url of urls) {
    for (let round = 0; round < 2; round++) { // the second round from the cache
      const [a, b] = [await app.inject({ method: 'GET', url }), await plain.inject({ method: 'GET', url })]
      t.equal(a.statusCode, 200, url)
      t.equal(a.body, b.body, `${url} (round ${round + 1})`)
      t.equal(a.headers['content-type'], b.headers['content-type'], `${url}: content type`)
      t.equal(a.headers['content-length'], b.headers['content-length'], `${url}: content length`)
      t.equal(a.headers.etag, b.headers.etag, `${url}: etag`)
    }
    const [ha, hb] = [await app.inject({ method: 'HEAD', url }), await plain.inject({ method: 'HEAD', url })]
    t.equal(ha.body, '')
    t.equal(ha.headers['content-length'], hb.headers['content-length'], `HEAD ${url}`)
  }
  // A list's cursor leads to the same next page either way.
  const after = (await app.inject({ method: 'GET', url: '/api/v1/tables?limit=4' })).json().paging.after as string
  const next = `/api/v1/tables?limit=4&after=${encodeURIComponent(after)}`
  t.equal((await app.inject({ method: 'GET', url: next })).body, (await plain.inject({ method: 'GET', url: next })).body)
  const patch = async (server: FastifyInstance, version: number): Promise<string> => (await server.inject({ method: 'PATCH', url: `/api/v1/tables/${first.id}`, headers: { 'content-type': 'application/json-patch+json', 'if-match': `"${version}"` }, payload: [{ op: 'add', path: '/description', value: 'same words' }] })).body
  const patched = await patch(app, 1)
  t.equal(JSON.parse(patched).version, 2)
  t.equal(await patch(plain, 2), patched, 'a PATCH that changes nothing answers the same bytes as the one that did')
})

t.test('a write is visible at once: PATCH, merge patch, PUT, DELETE and writes made from code', async (t) => {
  const { app, registry } = await apps(t)
  await seed(registry, 3)
  const list = async (): Promise<Array<{ name: string, description?: string, version: number, id: string }>> => (await app.inject({ method: 'GET', url: '/api/v1/tables?limit=10' })).json().data
  const get = async (id: string): Promise<{ description?: string, version: number }> => (await app.inject({ method: 'GET', url: `/api/v1/tables/${id}` })).json()
  const [t0] = await list()
  if (t0 === undefined) throw new Error('seeded tables expected')
  await get(t0.id)
  t.equal(t0.version, 1)

  const patched = await app.inject({ method: 'PATCH', url: `/api/v1/tables/${t0.id}`, headers: { 'content-type': 'application/json-patch+json' }, payload: [{ op: 'add', path: '/description', value: 'first' }] })
  t.equal(patched.json().description, 'first')
  t.equal((await list())[0]?.description, 'first', 'the list shows the PATCH at once')
  t.same(await get(t0.id), { ...(await get(t0.id)), description: 'first', version: 2 }, 'GET shows it at once')

  await app.inject({ method: 'PATCH', url: `/api/v1/tables/${t0.id}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { description: 'second' } })
  t.equal((await list())[0]?.description, 'second')
  t.equal((await get(t0.id)).version, 3)

  const put = await app.inject({ method: 'PUT', url: '/api/v1/tables', payload: { name: 't00', database: 'default.tpch', description: 'replaced' } })
  t.equal(put.statusCode, 200)
  t.equal((await list())[0]?.description, 'replaced', 'the list shows the PUT at once')
  t.equal((await get(t0.id)).description, 'replaced')

  // A write that does not come through HTTP (seeding, imports, tasks) is seen too.
  await registry.get('tables').patch(t0.id, 'merge-patch', { description: 'from code' })
  t.equal((await list())[0]?.description, 'from code')
  t.equal((await get(t0.id)).description, 'from code')
  t.equal((await get(t0.id)).version, 5)

  const removed = await app.inject({ method: 'DELETE', url: `/api/v1/tables/${t0.id}?recursive=true` })
  t.equal(removed.statusCode, 200)
  t.notOk((await list()).some((e) => e.id === t0.id), 'a deleted entity leaves the list at once')
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/tables/${t0.id}` })).statusCode, 404)

  // A new entity under the same name is a new id: its own answer.
  const again = await app.inject({ method: 'POST', url: '/api/v1/tables', payload: { name: 't00', database: 'default.tpch', description: 'reborn' } })
  t.equal(again.statusCode, 201)
  t.equal((await list())[0]?.description, 'reborn')
})

t.test('a cached entity never carries hidden or one-time fields (as an API key\'s HA1 and private key)', async (t) => {
  const { app, registry } = await apps(t)
  const created = await app.inject({ method: 'POST', url: '/api/v1/secrets', payload: { name: 'k1', description: 'one' } })
  t.equal(created.statusCode, 201)
  const body = created.json()
  t.match(body.secret, /^s-/, 'the one-time field is in the 201 answer')
  const stored = await registry.store.get('secrets', body.id)
  t.match(stored?.digest, /^hidden-/, 'the hidden field is stored')
  const put = await app.inject({ method: 'PUT', url: '/api/v1/secrets', payload: { name: 'k2' } })
  t.equal(put.statusCode, 201)
  t.type(put.json().secret, 'string', 'a PUT that creates answers the one-time field once too')
  const answers: string[] = []
  for (let round = 0; round < 2; round++) {
    answers.push((await app.inject({ method: 'GET', url: '/api/v1/secrets' })).body)
    answers.push((await app.inject({ method: 'GET', url: `/api/v1/secrets/${body.id as string}` })).body)
    answers.push((await app.inject({ method: 'GET', url: '/api/v1/secrets/name/k1' })).body)
  }
  answers.push((await app.inject({ method: 'PATCH', url: `/api/v1/secrets/${body.id as string}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { description: 'two' } })).body)
  answers.push((await app.inject({ method: 'GET', url: '/api/v1/secrets' })).body)
  for (const text of answers) {
    t.notMatch(text, /secret"|digest|hidden-|s-[0-9a-f]{8}-/, text.slice(0, 120))
  }
  t.equal(JSON.parse(answers.at(-1) as string).data.length, 2)
})

t.test('?fields and embedding are served anew; a tiny budget still answers right', async (t) => {
  const { app, plain, registry } = await apps(t, { entityCacheBytes: 600 })
  await seed(registry, 6)
  for (const url of ['/api/v1/tables?limit=6', '/api/v1/tables?limit=6', '/api/v1/tables?limit=6&fields=columns', '/api/v1/tables?fields=description', '/api/v1/tables/name/default.tpch.t01?fields=columns']) {
    const [a, b] = [await app.inject({ method: 'GET', url }), await plain.inject({ method: 'GET', url })]
    t.equal(a.statusCode, 200, url)
    t.equal(a.body, b.body, url)
  }
  const embedded = (await app.inject({ method: 'GET', url: '/api/v1/tables/name/default.tpch.t01?fields=columns' })).json()
  t.equal(embedded.columns.length, 2)
})

t.test('entityCacheBytes is checked at registration', async (t) => {
  for (const bad of [-1, 1.5, Number.POSITIVE_INFINITY, '1000']) {
    const app = Fastify()
    await app.register(envelope, { httpsOnly: false })
    await app.register(pagination)
    const registry = new ResourceRegistry(new MemoryStore(), [catalogs])
    await t.rejects(async () => { await app.register(platformResources, { registry, publicUrl: PUBLIC_URL, entityCacheBytes: bad as number }) }, { code: 'RESOURCES_INVALID_OPTION', message: /entityCacheBytes/ }, String(bad))
    await app.close()
  }
})

t.test('EntityJsonCache: only the version it was made from, bounded by its budget', async (t) => {
  const entity = (id: string, version: number, updatedAt = '2026-01-01T00:00:00.000Z'): StoredEntity => ({ id, name: id, fullyQualifiedName: id, parentId: null, version, createdAt: updatedAt, updatedAt })
  const cache = new EntityJsonCache(10_000)
  let renders = 0
  const render = (e: StoredEntity): string => { renders++; return JSON.stringify({ id: e.id, version: e.version, pad: 'x'.repeat(200) }) }
  t.equal(JSON.parse(cache.json('c', entity('a', 1), render)).version, 1)
  t.equal(JSON.parse(cache.json('c', entity('a', 1), render)).version, 1)
  t.equal(renders, 1, 'the second read is served from the cache')
  t.equal(JSON.parse(cache.json('c', entity('a', 2), render)).version, 2, 'a new version is rendered')
  t.equal(JSON.parse(cache.json('c', entity('a', 1), render)).version, 1, 'a reader of the older version gets its own text')
  t.equal(JSON.parse(cache.json('c', entity('a', 2), render)).version, 2, 'and does not push out the newer one')
  t.equal(renders, 3)
  t.equal(JSON.parse(cache.json('c', entity('a', 2, '2026-01-02T00:00:00.000Z'), render)).version, 2)
  t.equal(renders, 4, 'another updatedAt under the same version is rendered anew')
  t.equal(cache.json('other', entity('a', 2, '2026-01-02T00:00:00.000Z'), (e) => `other ${e.id}`), 'other a', 'another collection with the same id is its own entry')
  for (let i = 0; i < 200; i++) cache.json('c', entity(`e${i}`, 1), render)
  t.ok(cache.size > 0 && cache.size <= 10_000 / 200, `at most the budget's worth of entries (${cache.size})`)
  const off = new EntityJsonCache(0)
  t.equal(off.enabled, false)
  off.json('c', entity('a', 1), render)
  off.json('c', entity('a', 1), render)
  t.equal(off.size, 0)
  t.equal(renders, 4 + 200 + 2, 'without a budget every read renders')
})
