/**
 * The embedded database in a worker thread (option `pgliteWorker`) when the worker fails: it
 * dies mid-request (exits, or throws an uncaught error), it hangs, or it cannot open the
 * directory. A caller gets 503 STORE_UNAVAILABLE at once, never a wait, and close() resolves.
 * The healthy worker: pglite-worker.test.ts.
 */
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { Test } from 'tap'
import t from 'tap'
import { classify, openPostgresStore, PostgresStore } from '../src/index.js'
import { PgliteWorkerDriver } from '../src/lib/driver.js'
import { entity } from './fixtures/conformance.js'
import { initialisedDataDir } from './fixtures/pglite-worker.js'

const FAULTY = new URL('./fixtures/faulty-pglite-worker.ts', import.meta.url)
const dataDir = await initialisedDataDir(t)

type Fault = { code?: string, statusCode?: number, headers?: Record<string, string>, cause?: { code?: string, message?: string } }

async function failure (p: Promise<unknown>): Promise<Fault> {
  return await p.then(() => ({ code: 'resolved instead of failing' }), (err: unknown) => err as Fault)
}

/** A store on the faulty worker, closed after the test. */
async function faultyStore (t: Test, statementTimeoutMs = 10000): Promise<PostgresStore> {
  const driver = await PgliteWorkerDriver.open({ dataDir: await dataDir(t), statementTimeoutMs, schema: 'public', pgliteSettings: {} }, FAULTY)
  const store = new PostgresStore(driver, { schema: 'public', serializationRetries: 3, retryAfterSeconds: 1 })
  t.teardown(async () => { await store.close() })
  return store
}

/** Every later call fails at once with the 503, and close() still resolves. */
async function deadAfterwards (t: Test, store: PostgresStore): Promise<void> {
  const started = Date.now()
  t.match(await failure(store.create('catalogs', entity('later'))), { code: 'STORE_UNAVAILABLE', statusCode: 503, cause: { code: '08006' } }, 'a later write')
  let ran = false
  t.match(await failure(store.transaction(async () => { ran = true })), { code: 'STORE_UNAVAILABLE', statusCode: 503 }, 'a later transaction')
  t.notOk(ran, 'the transaction function never ran')
  t.match(await failure(store.list('catalogs', { limit: 1 })), { code: 'STORE_UNAVAILABLE' }, 'a later read')
  t.ok(Date.now() - started < 500, `later calls fail fast (${Date.now() - started} ms for three)`)
  await store.close()
  t.pass('close() resolves')
}

for (const [fault, cause] of [['fault:exit', /exited \(code 70\)/], ['fault:throw', /fault injected in the worker/]] as const) {
  t.test(`a worker that dies mid-request (${fault === 'fault:exit' ? 'exit' : 'uncaught error'}): the calls in flight get STORE_UNAVAILABLE (503, Retry-After), so do later ones`, async (t) => {
    const store = await faultyStore(t)
    const e = await store.create('catalogs', entity('before'))
    const inFlight = [store.get(fault, randomUUID()), store.get('catalogs', e.id), store.list('catalogs', { limit: 5 })]
    for (const p of inFlight) {
      const err = await failure(p)
      t.match(err, { code: 'STORE_UNAVAILABLE', statusCode: 503, headers: { 'retry-after': '1' }, cause: { code: '08006', message: cause } })
    }
    t.equal(classify((await failure(store.get('catalogs', e.id))).cause), 'unavailable', 'the driver error is classified as unavailable')
    await deadAfterwards(t, store)
  })
}

t.test('a worker that dies while a transaction holds the connection: the transaction and the calls waiting for it get STORE_UNAVAILABLE', async (t) => {
  const store = await faultyStore(t)
  let waiting: Array<Promise<unknown>> = []
  const tx = store.transaction(async (tx) => {
    await tx.create('catalogs', entity('in-tx'))
    waiting = [store.create('catalogs', entity('waits')), store.get('catalogs', randomUUID())]
    await tx.get('fault:exit', randomUUID())
  })
  t.match(await failure(tx), { code: 'STORE_UNAVAILABLE', statusCode: 503 })
  for (const p of waiting) t.match(await failure(p), { code: 'STORE_UNAVAILABLE', statusCode: 503 }, 'a call that waited for the transaction')
  await deadAfterwards(t, store)
})

t.test('a hung worker: close() ends it after statementTimeoutMs + 1 s and resolves; the call in flight gets STORE_UNAVAILABLE', async (t) => {
  const store = await faultyStore(t, 300)
  const hung = failure(store.get('fault:hang', randomUUID()))
  await new Promise((resolve) => setTimeout(resolve, 100))
  const started = Date.now()
  await store.close()
  const ms = Date.now() - started
  t.ok(ms >= 1000 && ms < 5000, `close() waited ${ms} ms for the orderly close, then ended the thread`)
  t.match(await hung, { code: 'STORE_UNAVAILABLE', statusCode: 503 })
})

t.test('a directory that cannot be opened: openPostgresStore fails with the error of the worker\'s start', async (t) => {
  const file = join(await dataDir(t), 'PG_VERSION')
  const err = await failure(openPostgresStore({ dataDir: file, pgliteWorker: true })) as Fault & { name?: string, message?: string, errno?: number }
  t.match(err, { name: 'ErrnoError', errno: Number, message: /ErrnoError .*errno/ }, 'the file system error of PGlite, as in process (where it has no message)')
})
