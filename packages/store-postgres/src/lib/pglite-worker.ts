/**
 * The entry of the worker thread behind `PgliteWorkerDriver` (option `pgliteWorker`): it owns
 * one embedded PGlite database, so that opening it (WebAssembly instantiation, PostgreSQL
 * startup, loading the files: about 340 ms of CPU on an existing directory) and every statement
 * run off the main thread's event loop.
 *
 * Start: compile PGlite's WebAssembly while its JavaScript loads, open `workerData.dataDir`,
 * `SET statement_timeout`, apply the migrations of `workerData.schema`, then answer
 * `{ id: 0, ready }` (or `{ id: 0, error }` and end).
 * Then: one statement per message, strictly in arrival order; `close` closes the database,
 * answers and ends the thread. Messages: `worker-protocol.ts`.
 */
import { readFile } from 'node:fs/promises'
import { parentPort, workerData } from 'node:worker_threads'
import type { PGlite, PGliteOptions } from '@electric-sql/pglite'
import { PgliteDriver } from './driver.js'
import { migrate } from './migrations.js'
import { createPglite } from './pglite-open.js'
import { toWire, type WorkerReply, type WorkerRequest, type WorkerSettings } from './worker-protocol.js'

if (parentPort === null) throw new Error('pglite-worker.js is the entry of a worker thread (PgliteWorkerDriver), not a module to import')
const port = parentPort
const settings = workerData as WorkerSettings

/** The one WebAssembly function used here (the `WebAssembly` types are in lib.dom, not in this project's libs). */
declare const WebAssembly: { compile: (bytes: Uint8Array) => Promise<NonNullable<PGliteOptions['pgliteWasmModule']>> }

/**
 * PGlite's WebAssembly (`pglite.wasm`, beside its entry), compiled here and given to
 * `PGlite.create` (`pgliteWasmModule`). Measured on Node 20: about 200 ms less CPU per open
 * than letting PGlite instantiate it from the file, and no stall of this thread for 100-200 ms
 * after the open (while V8 finishes the compilation PGlite started), which would delay the
 * first statements. Undefined when the file is not there: PGlite then loads it itself.
 */
async function compilePglite (): Promise<PGliteOptions['pgliteWasmModule']> {
  try {
    return await WebAssembly.compile(await readFile(new URL('pglite.wasm', import.meta.resolve('@electric-sql/pglite'))))
  } catch {
    return undefined
  }
}

// Started first: it runs on V8's compiler threads while PGlite's JavaScript loads.
const compiling = compilePglite()
const { PGlite: PGliteClass } = await import('@electric-sql/pglite')

function reply (message: WorkerReply): void {
  try {
    port.postMessage(message)
  } catch (err) {
    // A value structured clone cannot copy: the caller gets the error instead of the rows.
    port.postMessage({ id: message.id, error: toWire(err) } satisfies WorkerReply)
  }
}

async function open (): Promise<PGlite | undefined> {
  let db: PGlite | undefined
  try {
    const pgliteWasmModule = await compiling
    db = await createPglite(PGliteClass, settings.dataDir, settings.pgliteSettings, pgliteWasmModule !== undefined ? { pgliteWasmModule } : {})
    await db.query(`SET statement_timeout = ${settings.statementTimeoutMs}`)
    await migrate(new PgliteDriver(db, false), settings.schema)
    return db
  } catch (err) {
    reply({ id: 0, error: toWire(err) })
    await db?.close().catch(() => undefined)
    port.close()
    return undefined
  }
}

const db = await open()
if (db !== undefined) {
  // One statement at a time, in the order sent: a transaction's BEGIN .. COMMIT, sent by the
  // driver while it holds the connection, is never interleaved with another caller's statement.
  let tail = Promise.resolve()
  const handle = async (m: WorkerRequest): Promise<void> => {
    if (m.op === 'close') {
      await db.close().catch(() => undefined)
      reply({ id: m.id, closed: true })
      port.close()
      return
    }
    try {
      const r = await db.query(m.sql, m.params as unknown[])
      reply({ id: m.id, rows: r.rows, rowCount: r.affectedRows ?? 0 })
    } catch (err) {
      reply({ id: m.id, error: toWire(err) })
    }
  }
  port.on('message', (m: WorkerRequest) => { tail = tail.then(async () => { await handle(m) }) })
  reply({ id: 0, ready: true })
}
