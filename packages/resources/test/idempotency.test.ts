import t from 'tap'
import { Type } from '@sinclair/typebox'
import { MemoryStore, StoreUnavailableError, defineResource, ResourceRegistry, platformResources, type Store } from '../src/index.js'
import { buildApp, idempotencyCases } from './fixtures/idempotency-cases.js'
import Fastify from 'fastify'
import envelope from '@platform-api/envelope'
import pagination from '@platform-api/pagination'

idempotencyCases(t, 'MemoryStore', async () => ({ store: new MemoryStore() }))

/** A MemoryStore whose next transaction fails with 503 STORE_UNAVAILABLE (a database fault). */
class FailingOnce extends MemoryStore {
  fail = false
  override async transaction<R> (fn: (s: Store) => Promise<R>): Promise<R> {
    if (this.fail) { this.fail = false; throw new StoreUnavailableError() }
    return await super.transaction(fn)
  }
}

t.test('a 5xx is not kept: the retry with the same key performs the write', async (t) => {
  const store = new FailingOnce()
  const { app } = await buildApp(t, store)
  store.fail = true
  const request = { method: 'POST' as const, url: '/api/v1/catalogs', headers: { 'idempotency-key': '"k1"' }, payload: { name: 'sales' } }
  const failed = await app.inject(request)
  t.equal(failed.statusCode, 503)
  t.equal(failed.json().errorCode, 'STORE_UNAVAILABLE')
  const retried = await app.inject(request)
  t.equal(retried.statusCode, 201)
  t.notOk(retried.headers['idempotent-replayed'], 'performed, not replayed')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/catalogs' })).json().paging.total, 1)
})

t.test('without a principal the scope is the anonymous one; idempotencyKey false ignores the header', async (t) => {
  const { app } = await buildApp(t, new MemoryStore(), { idempotencyKey: false })
  const request = { method: 'POST' as const, url: '/api/v1/catalogs', headers: { 'idempotency-key': 'not-even-valid' }, payload: { name: 'sales' } }
  t.equal((await app.inject(request)).statusCode, 201)
  t.equal((await app.inject(request)).statusCode, 409, 'a second write (DUPLICATE_NAME), as without the header')
})

t.test('a one-time secret is never kept: the replay is 409 IDEMPOTENT_ANSWER_NOT_KEPT with Location', async (t) => {
  const secrets = defineResource({
    collection: 'secrets',
    fields: Type.Object({}),
    oneTimeFields: Type.Object({ secret: Type.String() }),
    hooks: { beforeCreate: () => ({ secret: 'shown-once-3b7c' }) }
  })
  const { app } = await buildApp(t, new MemoryStore(), {}, [secrets])
  const request = { method: 'POST' as const, url: '/api/v1/secrets', headers: { 'idempotency-key': '"s1"' }, payload: { name: 'one' } }
  const first = await app.inject(request)
  t.equal(first.statusCode, 201)
  t.equal(first.json().secret, 'shown-once-3b7c')
  const again = await app.inject(request)
  t.equal(again.statusCode, 409)
  t.equal(again.json().errorCode, 'IDEMPOTENT_ANSWER_NOT_KEPT')
  t.equal(again.headers.location, first.headers.location)
  t.notMatch(again.body, 'shown-once-3b7c')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/secrets' })).json().paging.total, 1)
})

t.test('options are checked at registration', async (t) => {
  for (const [options, message] of [
    [{ idempotencyKey: 'sometimes' }, /idempotencyKey must be/],
    [{ idempotencyKeyLifetimeSeconds: 0 }, /idempotencyKeyLifetimeSeconds must be an integer from 1/],
    [{ idempotencyKeyLifetimeSeconds: 1.5 }, /idempotencyKeyLifetimeSeconds/],
    [{ idempotencyLockSeconds: 100, idempotencyKeyLifetimeSeconds: 60 }, /idempotencyLockSeconds must be an integer from 1 to 60/],
    [{ idempotencyMaxAnswerBytes: 10 }, /idempotencyMaxAnswerBytes/],
    [{ clock: 5 }, /clock must be a function/]
  ] as const) {
    const app = Fastify()
    await app.register(envelope, { httpsOnly: false })
    await app.register(pagination)
    app.register(platformResources, { prefix: '/api/v1', registry: new ResourceRegistry(new MemoryStore(), []), publicUrl: 'http://api.example.com', ...(options as object) })
    await t.rejects(async () => { await app.ready() }, { code: 'RESOURCES_INVALID_OPTION', message }, JSON.stringify(options))
    await app.close()
  }
  // A store without idempotency keys: off by default, an error when asked for.
  const bare = new MemoryStore() as Store
  const plain: Store = { get: bare.get.bind(bare), getByName: bare.getByName.bind(bare), list: bare.list.bind(bare), create: bare.create.bind(bare), replace: bare.replace.bind(bare), delete: bare.delete.bind(bare), transaction: bare.transaction.bind(bare) }
  const app = Fastify()
  await app.register(envelope, { httpsOnly: false })
  await app.register(pagination)
  app.register(platformResources, { prefix: '/api/v1', registry: new ResourceRegistry(plain, []), publicUrl: 'http://api.example.com', idempotencyKey: 'optional' })
  await t.rejects(async () => { await app.ready() }, { code: 'RESOURCES_INVALID_OPTION', message: /needs a store that keeps idempotency keys/ })
  await app.close()
})
