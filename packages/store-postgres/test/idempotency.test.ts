/**
 * `Idempotency-Key` through HTTP with the records in PostgreSQL: the resources package's cases
 * (replay, 422, per API key, concurrency, expiry, 4xx release, 400, bounds) on PGlite (in this
 * thread and in a worker thread) and on the PostgreSQL server (a visible skip when it is not reachable).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import t from 'tap'
import { openPostgresStore } from '../src/index.js'
import { idempotencyCases } from '../../resources/test/fixtures/idempotency-cases.js'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, uniqueSchema } from './fixtures/postgres.js'
import { sharedWorker } from './fixtures/pglite-worker.js'

const dir = await mkdtemp(join(tmpdir(), 'pa-pglite-idem-'))
const db = await PGlite.create(join(dir, 'pgdata'))
t.teardown(async () => {
  await db.close()
  await rm(dir, { recursive: true, force: true })
})

// The same database in a worker thread (option pgliteWorker), started before any case is registered.
const inWorker = await sharedWorker(t)

idempotencyCases(t, 'PGlite', async () => {
  const store = await openPostgresStore({ pglite: db, schema: uniqueSchema() })
  return { store, cleanup: async () => { await store.close() } }
})

idempotencyCases(t, 'PGlite in a worker', inWorker)

const unavailable = await postgresUnavailable()
if (unavailable !== undefined) {
  t.test('Idempotency-Key on the PostgreSQL server', { skip: unavailable }, () => {})
} else {
  idempotencyCases(t, 'PostgreSQL', async () => {
    const schema = uniqueSchema()
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })
    return { store, cleanup: async () => { await store.close(); await dropSchema(schema) } }
  })

  t.test('PostgreSQL: two instances share the keys: the second replays the first one\'s answer', async (t) => {
    const schema = uniqueSchema()
    const one = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })
    const two = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })
    t.teardown(async () => { await one.close(); await two.close(); await dropSchema(schema) })
    const { buildApp } = await import('../../resources/test/fixtures/idempotency-cases.js')
    const a = await buildApp(t, one)
    const b = await buildApp(t, two)
    const request = { method: 'POST' as const, url: '/api/v1/catalogs', headers: { 'x-test-principal': 'key-a', 'idempotency-key': '"shared"' }, payload: { name: 'shared' } }
    const first = await a.app.inject(request)
    t.equal(first.statusCode, 201)
    const second = await b.app.inject(request)
    t.equal(second.statusCode, 201)
    t.equal(second.headers['idempotent-replayed'], 'true')
    t.same(second.json(), first.json())
    t.equal((await b.app.inject({ method: 'GET', url: '/api/v1/catalogs' })).json().paging.total, 1)
  })
}
