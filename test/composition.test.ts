// The plugins as a Fastify user composes them: each registered alone in a fresh app, each
// missing dependency a boot error naming it, nothing ever served open, our Digest check
// combined with another authentication through @fastify/auth.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyAuth from '@fastify/auth'
import bearerAuth from '@fastify/bearer-auth'
import { Type } from '@sinclair/typebox'
import envelope from '@platform-api/envelope'
import platformAuth, { computeHA1, digestAuthorization, MemoryKeyStore } from '@platform-api/auth'
import accessList from '@platform-api/access-list'
import pagination from '@platform-api/pagination'
import platformResources, { defineResource, MemoryStore, ResourceRegistry, type Store } from '@platform-api/resources'

const REALM = 'platform-api'
const keyStore = (): MemoryKeyStore => new MemoryKeyStore([{
  id: 'k1', publicKey: 'alice123', roles: ['ORG_MEMBER'], ha1: { 'SHA-256': computeHA1('SHA-256', 'alice123', REALM, 'secret') }, accessList: [{ cidrBlock: '127.0.0.0/8' }]
}])
const notes = defineResource({ collection: 'notes', fields: Type.Object({ text: Type.String({ maxLength: 100 }) }) })
const guarded = defineResource({ collection: 'secrets', permission: 'admin', fields: Type.Object({ text: Type.String() }) })

function fresh (t: { teardown: (fn: () => unknown) => void }): FastifyInstance {
  const app = Fastify({ routerOptions: { maxParamLength: 512 } })
  t.teardown(() => app.close())
  return app
}

async function digest (app: FastifyInstance, method: 'GET' | 'POST', url: string, payload?: object) {
  const challenge = (await app.inject({ method: 'GET', url })).headers['www-authenticate']
  const first = Array.isArray(challenge) ? challenge[0] as string : String(challenge)
  const authorization = digestAuthorization({ challenge: first, username: 'alice123', password: 'secret', method, uri: url })
  return await app.inject({ method, url, headers: { authorization }, ...(payload !== undefined ? { payload } : {}) })
}

t.test('each plugin registered alone in a fresh app', async (t) => {
  t.test('@platform-api/envelope alone: the error format', async (t) => {
    const app = fresh(t)
    await app.register(envelope, { httpsOnly: false })
    const res = await app.inject({ method: 'GET', url: '/nowhere' })
    t.equal(res.statusCode, 404)
    t.equal(res.json().errorCode, 'NOT_FOUND')
  })
  t.test('@platform-api/auth alone: Digest with Fastify\'s own error handler', async (t) => {
    const app = fresh(t)
    await app.register(platformAuth, { keyStore: keyStore() })
    app.get('/me', async (request) => ({ publicKey: request.principal?.publicKey }))
    const denied = await app.inject({ method: 'GET', url: '/me' })
    t.equal(denied.statusCode, 401)
    t.match(denied.headers['www-authenticate'], /^Digest realm="platform-api"/)
    t.same((await digest(app, 'GET', '/me')).json(), { publicKey: 'alice123' })
  })
  t.test('@platform-api/pagination alone: the decorator', async (t) => {
    const app = fresh(t)
    await app.register(pagination)
    await app.ready()
    t.same(app.pagination.parse({ limit: 5 }), { limit: 5 })
  })
  t.test('@platform-api/access-list with any authentication that decorates request.principal', async (t) => {
    const app = fresh(t)
    app.decorateRequest('principal', null)
    app.addHook('onRequest', async (request) => { request.principal = { id: 'u1', publicKey: 'u1', roles: [], accessList: [{ ipAddress: '192.0.2.7' }] } })
    await app.register(accessList)
    app.get('/x', async () => ({ ok: true }))
    t.equal((await app.inject({ method: 'GET', url: '/x', remoteAddress: '192.0.2.7' })).statusCode, 200)
    t.equal((await app.inject({ method: 'GET', url: '/x', remoteAddress: '192.0.2.8' })).statusCode, 403)
  })
  t.test('@platform-api/resources with the envelope and the pagination, no authorization: a resource without permission is served', async (t) => {
    const app = fresh(t)
    await app.register(envelope, { httpsOnly: false })
    await app.register(pagination)
    await app.register(platformResources, { prefix: '/v1', registry: new ResourceRegistry(new MemoryStore(), [notes]), publicUrl: 'https://notes.example.com' })
    const res = await app.inject({ method: 'POST', url: '/v1/notes', payload: { name: 'n1', text: 'hello' } })
    t.equal(res.statusCode, 201)
    t.equal(res.headers.location, `https://notes.example.com/v1/notes/${res.json().id as string}`)
  })
})

t.test('each missing dependency stops ready() with an error naming it', async (t) => {
  const registry = (): ResourceRegistry => new ResourceRegistry(new MemoryStore(), [notes])
  t.test('resources without the envelope', async (t) => {
    const app = fresh(t)
    app.register(platformResources, { registry: registry(), publicUrl: 'https://x.example' })
    await t.rejects(async () => { await app.ready() }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED', message: /@platform-api\/envelope/ })
  })
  t.test('resources without the pagination', async (t) => {
    const app = fresh(t)
    await app.register(envelope, { httpsOnly: false })
    app.register(platformResources, { registry: registry(), publicUrl: 'https://x.example' })
    await t.rejects(async () => { await app.ready() }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED', message: /@platform-api\/pagination/ })
  })
  t.test('resources with a permission-guarded resource and no authorization: never served open', async (t) => {
    const app = fresh(t)
    await app.register(envelope, { httpsOnly: false })
    await app.register(pagination)
    app.register(platformResources, { registry: new ResourceRegistry(new MemoryStore(), [guarded]), publicUrl: 'https://x.example' })
    await t.rejects(async () => { await app.ready() }, { code: 'PERMISSION_WITHOUT_AUTHORIZATION', message: /secrets.*admin:read/ })
  })
  t.test('resources without publicUrl', async (t) => {
    const app = fresh(t)
    await app.register(envelope, { httpsOnly: false })
    await app.register(pagination)
    app.register(platformResources, { registry: registry() } as never)
    await t.rejects(async () => { await app.ready() }, { code: 'RESOURCES_INVALID_OPTION', message: /publicUrl is required/ })
  })
  t.test('resources in an app whose maxParamLength cannot carry the longest fullyQualifiedName', async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(envelope, { httpsOnly: false })
    await app.register(pagination)
    app.register(platformResources, { registry: registry(), publicUrl: 'https://x.example' })
    await t.rejects(async () => { await app.ready() }, { code: 'RESOURCES_INVALID_OPTION', message: /maxParamLength is 100.*256 characters/ })
  })
  t.test('access-list without an authentication', async (t) => {
    const app = fresh(t)
    app.register(accessList)
    await t.rejects(async () => { await app.ready() }, { code: 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE', message: /principal/ })
  })
})

t.test('@fastify/auth composition: auth with addHook: false offers verifyDigest beside @fastify/bearer-auth', async (t) => {
  const app = fresh(t)
  await app.register(envelope, { httpsOnly: false })
  await app.register(platformAuth, { keyStore: keyStore(), addHook: false })
  await app.register(bearerAuth, { keys: new Set(['service-token']), addHook: false })
  await app.register(fastifyAuth)
  app.get('/either', { onRequest: app.auth([app.verifyDigest, app.verifyBearerAuth as never]) }, async (request) => ({ principal: request.principal?.publicKey ?? null }))
  app.get('/open', async (request) => ({ principal: request.principal }))
  t.same((await app.inject({ method: 'GET', url: '/open' })).json(), { principal: null }, 'no global hook: a route without the check is not authenticated')
  t.same((await digest(app, 'GET', '/either')).json(), { principal: 'alice123' }, 'Digest passes')
  const bearer = await app.inject({ method: 'GET', url: '/either', headers: { authorization: 'Bearer service-token' } })
  t.same(bearer.json(), { principal: null }, 'the bearer token passes')
  const neither = await app.inject({ method: 'GET', url: '/either', headers: { authorization: 'Bearer wrong' } })
  t.equal(neither.statusCode, 401)
})

t.test('the resources store is closed once when the app closes, however many versions share it', async (t) => {
  let closes = 0
  const store = new MemoryStore() as MemoryStore & Store
  store.close = async () => { closes++ }
  const registry = new ResourceRegistry(store, [notes])
  const app = Fastify({ routerOptions: { maxParamLength: 512 } })
  await app.register(envelope, { httpsOnly: false })
  await app.register(pagination)
  await app.register(platformResources, { prefix: '/v1', registry, publicUrl: 'https://x.example' })
  await app.register(platformResources, { prefix: '/v2', registry, publicUrl: 'https://x.example' })
  await app.ready()
  await app.close()
  t.equal(closes, 1)
})
