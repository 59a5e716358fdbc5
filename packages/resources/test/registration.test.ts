// One registry served by two registrations (API versions) with their own policies; links from
// the configured public URL; hooks inside the write's transaction; a response schema on every route.
import t from 'tap'
import Fastify, { type RouteOptions } from 'fastify'
import { Type } from '@sinclair/typebox'
import envelope from '@platform-api/envelope'
import pagination from '@platform-api/pagination'
import platformResources, { defineResource, MemoryStore, ResourceRegistry } from '../src/index.js'
import { build, PUBLIC_URL } from './fixtures/resources.js'

const books = defineResource({
  collection: 'books',
  fields: Type.Object({ title: Type.String(), pages: Type.Optional(Type.Integer({ minimum: 1 })) }),
  hiddenFields: Type.Object({ secret: Type.String() }),
  hooks: {
    beforeCreate: ({ entity }) => { entity.secret = 'kept out of every answer' },
    beforeWrite: ({ entity, previous }) => {
      if (entity.title === 'Forbidden') throw Object.assign(new Error('That title is not allowed'), { statusCode: 422, code: 'TITLE_REFUSED' })
      if (previous !== undefined && entity.pages !== undefined && previous.pages !== undefined && entity.pages < previous.pages) {
        throw Object.assign(new Error('A book does not lose pages'), { statusCode: 422, code: 'PAGES_SHRANK' })
      }
    }
  }
})

async function twoVersions (t: { teardown: (fn: () => unknown) => void }) {
  const registry = new ResourceRegistry(new MemoryStore(), [books])
  const routes: RouteOptions[] = []
  const app = Fastify({ routerOptions: { maxParamLength: 512 } })
  t.teardown(() => app.close())
  app.addHook('onRoute', (route) => { routes.push(route) })
  await app.register(envelope, { httpsOnly: false })
  await app.register(pagination)
  await app.register(platformResources, { prefix: '/api/v1', registry, publicUrl: 'https://books.example.com' })
  await app.register(async (v2) => {
    await v2.register(envelope, { style: 'status' })
    await v2.register(platformResources, { registry, publicUrl: 'https://books.example.com', put: 'createIfAbsent', deleteMissing: 'ok' })
  }, { prefix: '/api/v2' })
  await app.ready()
  return { app, registry, routes }
}

t.test('DESIGN.md "Where the seeds disagree": PUT and DELETE policies per registration over one registry', async (t) => {
  const { app } = await twoVersions(t)
  const created = await app.inject({ method: 'PUT', url: '/api/v1/books', payload: { name: 'dune', title: 'Dune' } })
  t.equal(created.statusCode, 201)
  const replaced = await app.inject({ method: 'PUT', url: '/api/v1/books', payload: { name: 'dune', title: 'Dune Messiah' } })
  t.equal(replaced.statusCode, 200)
  t.equal(replaced.json().title, 'Dune Messiah', 'v1 upserts (OpenMetadata)')
  t.equal(replaced.json().version, 2)
  const kept = await app.inject({ method: 'PUT', url: '/api/v2/books', payload: { name: 'dune', title: 'Children of Dune' } })
  t.equal(kept.statusCode, 200)
  t.equal(kept.json().result.title, 'Dune Messiah', 'v2 creates if absent and leaves an existing entity unchanged (StarRocks)')
  const absent = '00000000-0000-4000-8000-000000000000'
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/books/${absent}` })).statusCode, 404, 'v1: deleting an absent entity is 404')
  const dropped = await app.inject({ method: 'DELETE', url: `/api/v2/books/${absent}` })
  t.equal(dropped.statusCode, 200, 'v2: drop if exists')
  t.same(dropped.json(), { status: '0', message: 'OK', result: null })
  const v2Created = await app.inject({ method: 'GET', url: `/api/v2/books/${created.json().id as string}` })
  t.equal(v2Created.json().result.href, `https://books.example.com/api/v2/books/${created.json().id as string}`, 'each version links to itself')
})

t.test('links come from publicUrl, never from the request\'s Host header', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/catalogs', headers: { host: 'evil.example.net', 'x-forwarded-host': 'evil.example.net' }, payload: { name: 'c1' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers.location, `${PUBLIC_URL}/api/v1/catalogs/${res.json().id as string}`)
  t.equal(res.json().href, res.headers.location)
})

t.test('hidden fields are stored but never answered; hooks run inside the transaction of PUT and PATCH', async (t) => {
  const { app, registry } = await twoVersions(t)
  const created = await app.inject({ method: 'POST', url: '/api/v1/books', payload: { name: 'emma', title: 'Emma', pages: 400 } })
  const id = created.json().id as string
  t.notOk('secret' in created.json())
  t.equal((await registry.store.get('books', id))?.secret, 'kept out of every answer')
  const listed = await app.inject({ method: 'GET', url: '/api/v1/books' })
  t.notOk(JSON.stringify(listed.json()).includes('kept out'))

  const refusedPut = await app.inject({ method: 'PUT', url: '/api/v1/books', payload: { name: 'emma', title: 'Forbidden' } })
  t.equal(refusedPut.statusCode, 422)
  t.equal(refusedPut.json().errorCode, 'TITLE_REFUSED')
  const refusedPatch = await app.inject({ method: 'PATCH', url: `/api/v1/books/${id}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { pages: 10 } })
  t.equal(refusedPatch.statusCode, 422)
  t.equal(refusedPatch.json().errorCode, 'PAGES_SHRANK', 'beforeWrite sees the previous version')
  const stored = await registry.store.get('books', id)
  t.match(stored, { title: 'Emma', pages: 400, version: 1 }, 'nothing changed')
})

t.test('every route declares a response schema for success and for errors', async (t) => {
  const { routes } = await twoVersions(t)
  const ours = routes.filter((r) => r.url.startsWith('/api/'))
  t.ok(ours.length >= 14)
  for (const route of ours) {
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response
    t.ok(response !== undefined && Object.keys(response).some((k) => /^2\d\d$/.test(k)) && response['4xx'] !== undefined, `${String(route.method)} ${route.url}`)
  }
})

t.test('the names of the longest length the schemas allow are found by /name/{fullyQualifiedName} at every level', async (t) => {
  const { app, registry } = await build(t)
  const name = (c: string): string => c.repeat(256)
  const create = async (collection: string, body: object): Promise<void> => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/${collection}`, payload: body })
    t.equal(res.statusCode, 201, `${collection} created`)
  }
  await create('catalogs', { name: name('c') })
  await create('databases', { name: name('d'), catalog: name('c') })
  await create('tables', { name: name('t'), database: `${name('c')}.${name('d')}` })
  await create('columns', { name: name('k'), table: `${name('c')}.${name('d')}.${name('t')}`, dataType: 'INT' })
  const fqns: Array<[string, string]> = [
    ['catalogs', name('c')],
    ['databases', `${name('c')}.${name('d')}`],
    ['tables', `${name('c')}.${name('d')}.${name('t')}`],
    ['columns', `${name('c')}.${name('d')}.${name('t')}.${name('k')}`]
  ]
  for (const [collection, fqn] of fqns) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/${collection}/name/${encodeURIComponent(fqn)}` })
    t.equal(res.statusCode, 200, `${collection}: ${fqn.length} characters`)
    t.equal(res.json().fullyQualifiedName, fqn)
  }
  t.equal(registry.get('columns').schemas.maxFullyQualifiedNameLength, 1027)
})
