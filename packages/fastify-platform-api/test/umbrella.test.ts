import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import fastifyPlatformApi, { computeHA1, defineResource, digestAuthorization, MemoryKeyStore, MemoryStore, ResourceRegistry } from '../src/index.js'

// The README's "Use it in your app" example, through inject.
async function build (t: { teardown: (fn: () => unknown) => void }) {
  const books = defineResource({
    collection: 'books',
    permission: 'catalog',
    fields: Type.Object({ title: Type.String(), pages: Type.Optional(Type.Integer({ minimum: 1 })) })
  })
  const keyStore = new MemoryKeyStore()
  keyStore.set({
    id: 'k1',
    publicKey: 'alice123',
    roles: ['ORG_MEMBER'],
    ha1: { 'SHA-256': computeHA1('SHA-256', 'alice123', 'platform-api', 'her-private-key') },
    accessList: [{ cidrBlock: '10.0.0.0/8' }]
  })
  const app = Fastify({ routerOptions: { maxParamLength: 256 } })
  await app.register(fastifyPlatformApi, {
    publicUrl: 'https://books.example.com',
    envelope: { httpsOnly: false },
    auth: { keyStore },
    versions: [
      { prefix: '/api/v1', registry: new ResourceRegistry(new MemoryStore(), [books]) },
      { prefix: '/api/v2', registry: new ResourceRegistry(new MemoryStore(), [books]), style: 'status' }
    ]
  })
  t.teardown(() => app.close())
  return app
}

async function call (app: Awaited<ReturnType<typeof build>>, method: 'GET' | 'POST', url: string, remoteAddress: string, payload?: object) {
  const header = (await app.inject({ method: 'GET', url, remoteAddress })).headers['www-authenticate']
  const challenge = Array.isArray(header) ? header.join(', ') : String(header)
  // The key holds a SHA-256 HA1 only, so answer the SHA-256 challenge (the default offer is MD5, SHA-256).
  const authorization = digestAuthorization({ challenge, username: 'alice123', password: 'her-private-key', method, uri: url, algorithm: 'SHA-256' })
  return await app.inject({ method, url, remoteAddress, headers: { authorization }, ...(payload !== undefined ? { payload } : {}) })
}

t.test('one registration gives Digest, access list, roles, CRUD and the error format', async (t) => {
  const app = await build(t)
  const created = await call(app, 'POST', '/api/v1/books', '10.1.2.3', { name: 'dune', title: 'Dune', pages: 412 })
  t.equal(created.statusCode, 201)
  t.equal(created.json().title, 'Dune')
  const byName = await call(app, 'GET', '/api/v1/books/name/dune', '10.1.2.3')
  t.equal(byName.json().id, created.json().id)
  const outside = await call(app, 'GET', '/api/v1/books', '192.0.2.1')
  t.equal(outside.statusCode, 403)
  t.equal(outside.json().errorCode, 'IP_ADDRESS_NOT_ON_ACCESS_LIST')
  const unauthenticated = await app.inject({ method: 'GET', url: '/api/v1/books', remoteAddress: '10.1.2.3' })
  t.equal(unauthenticated.statusCode, 401)
  t.same(Object.keys(unauthenticated.json()).sort(), ['detail', 'error', 'errorCode', 'reason', 'requestId'])
})

t.test('a version with style "status" answers StarRocks bodies, the other stays plain', async (t) => {
  const app = await build(t)
  const created = await call(app, 'POST', '/api/v2/books', '10.1.2.3', { name: 'emma', title: 'Emma' })
  t.equal(created.statusCode, 201)
  t.equal(created.json().status, '0')
  t.equal(created.json().message, 'OK')
  t.equal(created.json().result.title, 'Emma')
  const missing = await call(app, 'GET', '/api/v2/books/name/nope', '10.1.2.3')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().status, '404')
  t.equal(missing.json().result.errorCode, 'ENTITY_NOT_FOUND')
  const plain = await call(app, 'GET', '/api/v1/books/name/nope', '10.1.2.3')
  t.equal(plain.json().errorCode, 'ENTITY_NOT_FOUND')
})

t.test('a version passes its Idempotency-Key options to the resources (required here)', async (t) => {
  const books = defineResource({ collection: 'books', fields: Type.Object({ title: Type.String() }) })
  const keyStore = new MemoryKeyStore()
  keyStore.set({ id: 'k1', publicKey: 'alice123', roles: ['ORG_MEMBER'], ha1: { 'SHA-256': computeHA1('SHA-256', 'alice123', 'platform-api', 'her-private-key') }, accessList: [{ cidrBlock: '10.0.0.0/8' }] })
  const app = Fastify({ routerOptions: { maxParamLength: 256 } })
  await app.register(fastifyPlatformApi, {
    publicUrl: 'https://books.example.com',
    envelope: { httpsOnly: false },
    auth: { keyStore },
    versions: [{ prefix: '/api/v1', registry: new ResourceRegistry(new MemoryStore(), [books]), idempotencyKey: 'required', idempotencyKeyLifetimeSeconds: 60 }]
  })
  t.teardown(() => app.close())
  const post = async (headers: Record<string, string>) => {
    const url = '/api/v1/books'
    const header = (await app.inject({ method: 'GET', url, remoteAddress: '10.1.2.3' })).headers['www-authenticate']
    const challenge = Array.isArray(header) ? header.join(', ') : String(header)
    const authorization = digestAuthorization({ challenge, username: 'alice123', password: 'her-private-key', method: 'POST', uri: url, algorithm: 'SHA-256' })
    return await app.inject({ method: 'POST', url, remoteAddress: '10.1.2.3', headers: { authorization, ...headers }, payload: { name: 'dune', title: 'Dune' } })
  }
  const missing = await post({})
  t.equal(missing.statusCode, 400)
  t.equal(missing.json().errorCode, 'IDEMPOTENCY_KEY_MISSING')
  const first = await post({ 'idempotency-key': '"b-1"' })
  t.equal(first.statusCode, 201)
  const again = await post({ 'idempotency-key': '"b-1"' })
  t.equal(again.headers['idempotent-replayed'], 'true')
  t.equal(again.json().id, first.json().id)
})
