import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import t from 'tap'
import { openPostgresStore } from '../src/index.js'
import { storeConformance } from './fixtures/conformance.js'
import { uniqueSchema } from './fixtures/postgres.js'
import { sharedWorker } from './fixtures/pglite-worker.js'

// One embedded database in a directory for the file (opening one costs seconds); a schema per case.
const dir = await mkdtemp(join(tmpdir(), 'pa-pglite-'))
const db = await PGlite.create(join(dir, 'pgdata'))
t.teardown(async () => {
  await db.close()
  await rm(dir, { recursive: true, force: true })
})

// The same database in a worker thread (option pgliteWorker), started before any case is registered.
const inWorker = await sharedWorker(t)

storeConformance(t, 'PGlite', async () => {
  const store = await openPostgresStore({ pglite: db, schema: uniqueSchema() })
  return { store, cleanup: async () => { await store.close() } }
})

// The same cases on the worker thread's database.
storeConformance(t, 'PGlite in a worker', inWorker)
