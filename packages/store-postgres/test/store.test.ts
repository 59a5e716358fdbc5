import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import fastifyStorePostgres, { openPostgresStore, resolveOptions } from '../src/index.js'
import type { StoredEntity } from '@platform-api/resources'
import { entity } from './fixtures/conformance.js'
import { PgliteWorkerDriver } from '../src/lib/driver.js'
import { createPglite } from '../src/lib/pglite-open.js'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, sql, uniqueSchema } from './fixtures/postgres.js'

const unavailable = await postgresUnavailable()

t.test('options are checked at construction: STORE_POSTGRES_INVALID_OPTION naming the option', async (t) => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /exactly one of connectionString/],
    [{ connectionString: 'postgres://x/y', dataDir: '/tmp/x' }, /exactly one/],
    [{ connectionString: 'mysql://x/y' }, /connectionString must start with postgres/],
    [{ dataDir: '/tmp/x', schema: 'a;drop' }, /schema must be letters/],
    [{ dataDir: '/tmp/x', schema: '1abc' }, /schema must be/],
    [{ dataDir: '/tmp/x', maxConnections: 0 }, /maxConnections must be an integer >= 1/],
    [{ dataDir: '/tmp/x', statementTimeoutMs: 1.5 }, /statementTimeoutMs must be an integer/],
    [{ dataDir: '/tmp/x', serializationRetries: -1 }, /serializationRetries must be an integer >= 0/],
    [{ dataDir: '/tmp/x', retryAfterSeconds: '1' }, /retryAfterSeconds/],
    [{ pglite: {} }, /pglite must be a PGlite instance/],
    [{ connectionString: 'postgres://x/y', preparedStatements: 'yes' }, /preparedStatements must be a boolean/],
    [{ dataDir: '/tmp/x', pgliteWorker: 'yes' }, /pgliteWorker must be a boolean/],
    [{ connectionString: 'postgres://x/y', pgliteWorker: true }, /pgliteWorker needs dataDir/],
    [{ dataDir: '/tmp/x', pgliteSettings: 'shared_buffers=16MB' }, /pgliteSettings must be an object/],
    [{ dataDir: '/tmp/x', pgliteSettings: ['shared_buffers=16MB'] }, /pgliteSettings must be an object/],
    [{ dataDir: '/tmp/x', pgliteSettings: { 'shared_buffers=1 -c x': '1' } }, /"shared_buffers=1 -c x" is not a PostgreSQL parameter name/],
    [{ dataDir: '/tmp/x', pgliteSettings: { Shared_Buffers: '16MB' } }, /is not a PostgreSQL parameter name/],
    [{ dataDir: '/tmp/x', pgliteSettings: { shared_buffers: '16MB\nfsync=off' } }, /pgliteSettings.shared_buffers must be a non-empty string \(no line breaks\)/],
    [{ dataDir: '/tmp/x', pgliteSettings: { work_mem: Infinity } }, /pgliteSettings.work_mem must be/],
    [{ dataDir: '/tmp/x', pgliteSettings: { work_mem: null } }, /pgliteSettings.work_mem must be/],
    [{ connectionString: 'postgres://x/y', pgliteSettings: { shared_buffers: '16MB' } }, /pgliteSettings needs dataDir/]
  ]
  for (const [options, message] of bad) {
    t.throws(() => resolveOptions(options), { code: 'STORE_POSTGRES_INVALID_OPTION', message }, JSON.stringify(options))
    await t.rejects(openPostgresStore(options), { code: 'STORE_POSTGRES_INVALID_OPTION' })
  }
  t.match(resolveOptions({ dataDir: '/tmp/x', maxConnections: undefined }), { schema: 'public', maxConnections: 10, statementTimeoutMs: 10000, retryAfterSeconds: 1, pgliteWorker: false })
})

t.test('pgliteSettings reach the embedded database, in this thread and in a worker; a bad one stops the open with PostgreSQL\'s message', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pa-settings-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await createPglite(PGlite, dir, { shared_buffers: '16MB', max_connections: 5, 'auto_explain.log_min_duration': -1 })
  t.same((await db.query('SELECT current_setting(\'shared_buffers\') AS b, current_setting(\'max_connections\') AS c')).rows, [{ b: '16MB', c: '5' }], 'in this thread')
  await db.close()
  const worker = await PgliteWorkerDriver.open({ dataDir: dir, statementTimeoutMs: 10000, schema: 'public', pgliteSettings: { shared_buffers: '24MB' } })
  t.same((await worker.query('SELECT current_setting(\'shared_buffers\') AS b, current_setting(\'max_connections\') AS c')).rows, [{ b: '24MB', c: '100' }], 'in a worker; what is not given stays as postgresql.conf says')
  await worker.close()
  for (const pgliteWorker of [false, true]) {
    await t.rejects(openPostgresStore({ dataDir: dir, pgliteWorker, pgliteSettings: { shared_bufferz: '16MB' } }), { message: /^the embedded database did not start: FATAL: {1,2}unrecognized configuration parameter "shared_bufferz"$/ }, `unknown parameter${pgliteWorker ? ' (worker)' : ''}`)
    await t.rejects(openPostgresStore({ dataDir: dir, pgliteWorker, pgliteSettings: { shared_buffers: 'lots' } }), { message: /^the embedded database did not start: FATAL: .*"shared_buffers"/ }, `bad value${pgliteWorker ? ' (worker)' : ''}`)
  }
  const store = await openPostgresStore({ dataDir: dir, pgliteWorker: true, pgliteSettings: { shared_buffers: '16MB' } })
  t.same((await store.list('catalogs', { limit: 1 })).total, 0, 'the directory still opens after the failed starts')
  await store.close()
})

t.test('PGlite: data written before close is there after reopening the directory, in this thread or in a worker', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pa-reopen-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const kept: StoredEntity[] = []
  // In process, then in a worker, then in process again: each reads what the one before wrote.
  for (const pgliteWorker of [false, true, false]) {
    const store = await openPostgresStore({ dataDir: dir, pgliteWorker })
    for (const e of kept) t.same(await store.get('catalogs', e.id), e, `${pgliteWorker ? 'worker' : 'in process'}: reads ${e.name}`)
    kept.push(await store.create('catalogs', entity(`kept${kept.length}`, { extra: { type: 'hive' } })))
    t.equal(store.driver, 'pglite')
    await store.close()
    await store.close()
  }
})

for (const pgliteWorker of [false, true]) {
  t.test(`the Fastify plugin decorates fastify.store and closes it with the app${pgliteWorker ? ' (PGlite in a worker)' : ''}`, async (t) => {
    const app = Fastify()
    await app.register(fastifyStorePostgres, { dataDir: 'memory://', pgliteWorker })
    app.get('/n', async () => (await app.store.list('catalogs', { limit: 1 })).total)
    await app.store.create('catalogs', entity('one'))
    t.equal((await app.inject('/n')).body, '1')
    await app.close()
    const closed = app.store.get('catalogs', entity('x').id)
    if (pgliteWorker) await t.rejects(closed, { code: 'STORE_UNAVAILABLE', statusCode: 503 }, 'closed with the app: 503')
    else await t.rejects(closed, 'closed with the app')
  })
}

t.test('an unreachable server: open fails with STORE_UNAVAILABLE (503, Retry-After) within the connection timeout', async (t) => {
  const started = Date.now()
  // Port 1 on localhost: nothing listens, the connection is refused at once.
  const err = await openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMs: 2000 }).then(() => undefined, (e: unknown) => e) as { code?: string, statusCode?: number, headers?: Record<string, string> }
  t.match(err, { code: 'STORE_UNAVAILABLE', statusCode: 503, headers: { 'retry-after': '1' } })
  t.ok(Date.now() - started < 3000, 'no hang')
})

t.test('PostgreSQL server', { skip: unavailable }, async (t) => {
  t.test('concurrent opens of one schema apply each migration once (advisory lock)', async (t) => {
    const schema = uniqueSchema()
    t.teardown(async () => { await dropSchema(schema) })
    const stores = await Promise.all(Array.from({ length: 4 }, async () => await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, maxConnections: 2 })))
    const { rows } = await sql(`SELECT version, name FROM "${schema}".pa_schema_migrations ORDER BY version`)
    t.same(rows, [{ version: 1, name: 'entities' }, { version: 2, name: 'idempotency keys' }])
    await stores[0]!.create('catalogs', entity('seen'))
    t.ok(await stores[3]!.getByName('catalogs', 'seen'), 'all four share the rows')
    for (const s of stores) await s.close()
  })

  t.test('a connection killed by pg_terminate_backend gives STORE_UNAVAILABLE, then the pool recovers', async (t) => {
    const schema = uniqueSchema()
    const applicationName = `pa-kill-${schema}`
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, applicationName, maxConnections: 2 })
    t.teardown(async () => { await store.close(); await dropSchema(schema) })
    const e = await store.create('catalogs', entity('k'))
    // A transaction holds its connection while we kill it.
    const err = await store.transaction(async (tx) => {
      await tx.get('catalogs', e.id)
      await sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName])
      await tx.create('catalogs', entity('never'))
    }).then(() => undefined, (x: unknown) => x) as { code?: string, statusCode?: number, headers?: Record<string, string> }
    t.match(err, { code: 'STORE_UNAVAILABLE', statusCode: 503, headers: { 'retry-after': '1' } })
    // Idle pooled connections were killed too; the next calls get fresh ones.
    t.same(await store.get('catalogs', e.id), e)
    t.equal(await store.getByName('catalogs', 'never'), undefined, 'nothing of the broken transaction is visible')
  })

  t.test('a statement over statementTimeoutMs gives STORE_UNAVAILABLE, not a hang', async (t) => {
    const schema = uniqueSchema()
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, statementTimeoutMs: 300 })
    t.teardown(async () => { await store.close(); await dropSchema(schema) })
    const e = await store.create('catalogs', entity('locked'))
    // Another session holds the row lock; our UPDATE waits for it until the statement timeout.
    const { default: pg } = await import('pg')
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await holder.connect()
    await holder.query('BEGIN')
    await holder.query(`SELECT * FROM "${schema}".pa_entities WHERE id = $1 FOR UPDATE`, [e.id])
    const started = Date.now()
    const err = await store.replace('catalogs', { ...e, version: 2 }, 1).then(() => undefined, (x: unknown) => x)
    t.match(err, { code: 'STORE_UNAVAILABLE', statusCode: 503 })
    t.ok(Date.now() - started < 2000, `answered in ${Date.now() - started} ms`)
    await holder.query('ROLLBACK')
    await holder.end()
    t.equal((await store.replace('catalogs', { ...e, version: 2 }, 1)).version, 2, 'works once the lock is gone')
  })

  t.test('a serialization failure is retried, then STORE_UNAVAILABLE after serializationRetries', async (t) => {
    const schema = uniqueSchema()
    const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema, serializationRetries: 2 })
    t.teardown(async () => { await store.close(); await dropSchema(schema) })
    let attempts = 0
    const serializationFailure = Object.assign(new Error('could not serialize access'), { code: '40001' })
    const ok = await store.transaction(async (tx) => {
      attempts++
      await tx.create('catalogs', entity(`attempt${attempts}`))
      if (attempts < 3) throw serializationFailure
      return attempts
    })
    t.equal(ok, 3, 'two failures, then success')
    t.equal((await store.list('catalogs', { limit: 10 })).items.map((e) => e.name).join(), 'attempt3', 'only the last attempt committed')
    attempts = 0
    const err = await store.transaction(async () => { attempts++; throw serializationFailure }).then(() => undefined, (x: unknown) => x)
    t.equal(attempts, 3)
    t.match(err, { code: 'STORE_UNAVAILABLE', statusCode: 503, headers: { 'retry-after': '1' } })
  })

  t.test('a real serialization failure between two SERIALIZABLE sessions is classified as retryable', async (t) => {
    const { classify } = await import('../src/index.js')
    const { default: pg } = await import('pg')
    const schema = uniqueSchema()
    await sql(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".c (n int); INSERT INTO "${schema}".c VALUES (0)`)
    t.teardown(async () => { await dropSchema(schema) })
    const a = new pg.Client({ connectionString: TEST_DATABASE_URL })
    const b = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await a.connect(); await b.connect()
    await a.query('BEGIN ISOLATION LEVEL SERIALIZABLE'); await b.query('BEGIN ISOLATION LEVEL SERIALIZABLE')
    await a.query(`SELECT n FROM "${schema}".c`); await b.query(`SELECT n FROM "${schema}".c`)
    await a.query(`UPDATE "${schema}".c SET n = n + 1`)
    await a.query('COMMIT')
    const err = await b.query(`UPDATE "${schema}".c SET n = n + 1`).then(() => undefined, (x: unknown) => x)
    t.equal(classify(err), 'retry', String((err as Error).message))
    await b.query('ROLLBACK'); await a.end(); await b.end()
  })
})
