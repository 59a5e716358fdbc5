/**
 * The embedded database in a worker thread (option `pgliteWorker`): close(), the one connection
 * shared in order (a transaction holds it; calls from outside wait, then run), and rows and
 * errors exactly as PGlite gives them in process. A worker that fails:
 * pglite-worker-faults.test.ts. The store conformance suite runs on the worker too
 * (conformance-pglite.test.ts, idempotency.test.ts).
 */
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import t from 'tap'
import { classify, openPostgresStore, PostgresStore } from '../src/index.js'
import { PgliteDriver, PgliteWorkerDriver } from '../src/lib/driver.js'
import { migrate } from '../src/lib/migrations.js'
import { entity } from './fixtures/conformance.js'
import { initialisedDataDir } from './fixtures/pglite-worker.js'
import { uniqueSchema } from './fixtures/postgres.js'

const dataDir = await initialisedDataDir(t)
// One healthy worker for the cases that do not end it, a schema each.
const shared = await PgliteWorkerDriver.open({ dataDir: await dataDir(t), statementTimeoutMs: 10000, schema: 'public', pgliteSettings: {} })
t.teardown(async () => { await shared.close() })
async function sharedStore (): Promise<PostgresStore> {
  const schema = uniqueSchema()
  await migrate(shared, schema)
  return new PostgresStore(shared, { schema, serializationRetries: 3, retryAfterSeconds: 1 })
}

type Fault = { code?: string, statusCode?: number, cause?: { code?: string } }

async function failure (p: Promise<unknown>): Promise<Fault> {
  return await p.then(() => ({ code: 'resolved instead of failing' }), (err: unknown) => err as Fault)
}

t.test('close(): statements already sent finish, later calls get STORE_UNAVAILABLE at once, close() again resolves', async (t) => {
  const store = await openPostgresStore({ dataDir: await dataDir(t), pgliteWorker: true })
  const written = store.create('catalogs', entity('sent-before-close'))
  const closing = store.close()
  t.equal((await written).name, 'sent-before-close')
  await closing
  const started = Date.now()
  t.match(await failure(store.get('catalogs', randomUUID())), { code: 'STORE_UNAVAILABLE', statusCode: 503, cause: { code: '08003' } })
  t.ok(Date.now() - started < 100, 'no wait')
  await store.close()
})

t.test('a process that opens the store in a worker, writes and closes it ends by itself; the data is in the directory', async (t) => {
  const dir = await dataDir(t)
  const script = fileURLToPath(new URL('./fixtures/open-write-close.ts', import.meta.url))
  // The same loaders as this process (the TypeScript one), so the child runs the sources too.
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, script, dir], { timeout: 60_000 })
  const written = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { id: string }
  const store = await openPostgresStore({ dataDir: dir })
  t.teardown(async () => { await store.close() })
  t.same(await store.get('catalogs', written.id), written, 'read back in process')
})

t.test('a transaction holds the one connection: calls from outside wait until it commits, then run in order', async (t) => {
  const store = await sharedStore()
  const order: string[] = []
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let entered!: () => void
  const inside = new Promise<void>((resolve) => { entered = resolve })
  const tx = store.transaction(async (tx) => {
    await tx.create('catalogs', entity('in-tx'))
    entered()
    await gate
    t.equal((await tx.list('catalogs', { limit: 10 })).total, 1, 'inside: the writes from outside have not run')
    order.push('commit')
    return 'committed'
  })
  await inside
  const outside = Array.from({ length: 5 }, async (_, i) => { await store.create('catalogs', entity(`out${i}`)); order.push(`out${i}`) })
  const reader = store.list('catalogs', { limit: 10 }).then((page) => { order.push('read'); return page.total })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(order, [], 'nothing from outside ran while the transaction held the connection')
  release()
  t.equal(await tx, 'committed')
  await Promise.all(outside)
  t.equal(await reader, 6, 'the read waited for the commit and the writes sent before it')
  t.same(order, ['commit', 'out0', 'out1', 'out2', 'out3', 'out4', 'read'], 'in the order they were made')
})

t.test('a transaction that throws rolls back and hands the connection on', async (t) => {
  const store = await sharedStore()
  let entered!: () => void
  const inside = new Promise<void>((resolve) => { entered = resolve })
  const failed = store.transaction(async (tx) => {
    await tx.create('catalogs', entity('rolled-back'))
    entered()
    await new Promise((resolve) => setTimeout(resolve, 50))
    throw new Error('boom')
  })
  await inside
  const next = store.transaction(async (tx) => await tx.create('catalogs', entity('next')))
  const read = store.getByName('catalogs', 'rolled-back')
  t.equal((await failure(failed) as Error).message, 'boom', 'the error of fn, unchanged')
  t.equal((await next).name, 'next', 'the waiting transaction ran')
  t.equal(await read, undefined, 'the waiting read saw nothing of the rolled-back one')
  t.equal((await store.list('catalogs', { limit: 10 })).items.map((e) => e.name).join(), 'next')
})

t.test('a statement that fails inside a transaction: the transaction is rolled back, the connection is usable', async (t) => {
  const driver = shared
  await driver.query('CREATE TABLE n (v int)')
  const err = await failure(driver.transaction(async (q) => {
    await q.query('INSERT INTO n VALUES (1)')
    await q.query('SELECT 1 / 0')
  }))
  t.match(err, { code: '22012' }, 'division_by_zero, from the worker with its SQLSTATE')
  t.same((await driver.query('SELECT count(*)::int AS c FROM n')).rows, [{ c: 0 }], 'rolled back, and not left in an aborted transaction')
  t.same(await driver.session(async (q) => (await q.query('SELECT 2 AS two')).rows), [{ two: 2 }])
})

t.test('rows and errors come back as PGlite gives them in process (Date, jsonb, bigint, bytea, arrays, SQLSTATE fields)', async (t) => {
  const db = await PGlite.create(await dataDir(t))
  const local = new PgliteDriver(db, true)
  const worker = shared
  t.teardown(async () => { await local.close() })
  const ddl = 'CREATE TABLE v (id int PRIMARY KEY, name text UNIQUE, at timestamptz, doc jsonb, big int8, bin bytea, num numeric, arr int[], flag boolean, nothing text)'
  const insert = 'INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL) RETURNING *'
  const params = [1, 'Zürich ✓', new Date('2026-01-02T03:04:05.678Z'), JSON.stringify({ a: [1, 2.5, 'x', null], b: { c: true } }), '9007199254740993', Buffer.from([0, 1, 254, 255]), '12.50', [3, 1, 2], true]
  const results = []
  for (const driver of [local, worker]) {
    await driver.query(ddl)
    const inserted = await driver.query(insert, params)
    const selected = await driver.query('SELECT *, $1::bytea AS echoed FROM v', [new Uint8Array([7, 8])])
    const updated = await driver.query('UPDATE v SET flag = false')
    const dup = await failure(driver.query('INSERT INTO v (id, name) VALUES (2, $1)', ['Zürich ✓'])) as Record<string, unknown>
    const syntax = await failure(driver.query('SELEC 1')) as Record<string, unknown>
    const pick = (e: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(['name', 'message', 'code', 'severity', 'detail', 'constraint', 'table', 'schema', 'position', 'routine'].map((k) => [k, e[k]]))
    results.push({ inserted, selected, rowCount: updated.rowCount, dup: pick(dup), syntax: pick(syntax), kind: classify(dup) })
  }
  const [inProcess, viaWorker] = results as unknown as [Record<string, unknown>, Record<string, unknown>]
  t.same(viaWorker, inProcess, 'the worker gives what PGlite gives in process')
  const row = (viaWorker.selected as { rows: Array<Record<string, unknown>> }).rows[0] as Record<string, unknown>
  t.ok(row.at instanceof Date, 'timestamptz: a Date')
  t.equal(typeof row.big, 'bigint', 'int8 beyond 2^53: a bigint')
  t.ok(row.bin instanceof Uint8Array, 'bytea: a Uint8Array')
  t.same(row.doc, { a: [1, 2.5, 'x', null], b: { c: true } }, 'jsonb: an object')
  t.match(viaWorker, { rowCount: 1, kind: 'duplicate', dup: { code: '23505', constraint: 'v_name_key', severity: 'ERROR', detail: /already exists/ }, syntax: { code: '42601' } })
})
