/**
 * Which store the example server uses (API-CONTRACT.md, `DATABASE_URL`), and opening it.
 *
 * - `DATABASE_URL` set: a PostgreSQL server (or YugabyteDB YSQL) through a `pg` pool, tables in
 *   `DATABASE_SCHEMA`; several instances may share it.
 * - unset: an embedded PGlite database in `DATA_DIR/pgdata`, so data survives restarts. It runs
 *   in a worker thread: it opens while the main thread loads and builds the server.
 *
 * This module loads only the store package (no Fastify, no resources), so `main.ts` can start
 * opening the store first; seeding is in `bootstrap.ts`.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { openPostgresStore, type PostgresStore } from '@platform-api/store-postgres'
import type { IdempotencyAnswer, IdempotencyRecord, ListQuery, ListResult, Store, StoredEntity } from 'fastify-platform-api'
import type { ServerConfig } from './config.js'

/** Directory of the embedded database, inside `DATA_DIR`. */
export const PGDATA_DIR = 'pgdata'

/**
 * PostgreSQL parameters of the embedded database. initdb sized it for a server
 * (`shared_buffers = 128MB`, `max_connections = 100`), and PostgreSQL zeroes that shared
 * memory at every start; PGlite is one single-user backend, and the example's data is small.
 * Measured (packages/store-postgres README, "Tuning the embedded database"): the open takes
 * about 60 ms less time and 120 ms less CPU, and holds about 115 MiB less memory.
 */
const EMBEDDED_SETTINGS = { shared_buffers: '16MB', max_connections: 5 } as const

/** The file, inside `DATA_DIR`, holding the pid of the process using the embedded database. */
export const PGDATA_LOCK = 'pgdata.pid'

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Claim `DATA_DIR` for this process: an embedded database must never be opened by two
 * processes. A pid file left by a process that died (e.g. SIGKILL) is taken over.
 * Synchronous on purpose (three small local file operations, well under a millisecond): the
 * worker thread that opens the database starts right after it, before the main thread goes on
 * to load and build the server. With asynchronous calls the worker started only once the main
 * thread next yielded, after the server was built: 0.28 s later (issue 12, startup).
 * @returns the release function.
 * @throws when a live process holds it.
 */
function lockDataDir (dataDir: string): () => Promise<void> {
  const file = join(dataDir, PGDATA_LOCK)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 })
      return async () => { await rm(file, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      let held = ''
      try { held = readFileSync(file, 'utf8') } catch {}
      const pid = Number(held.trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${pid}; stop it, or give each instance its own DATA_DIR, or share a PostgreSQL server through DATABASE_URL`)
      }
      rmSync(file, { force: true })
    }
  }
  throw new Error(`could not claim ${file}`)
}

/**
 * Open the configured store and apply its migrations. The embedded database's worker thread
 * starts before the first file operation returns, so call this before loading the server.
 * @throws STORE_UNAVAILABLE when the PostgreSQL server cannot be reached; an Error when
 * another live process uses the embedded database of `DATA_DIR`.
 */
export async function openStore (config: Pick<ServerConfig, 'databaseUrl' | 'databaseSchema' | 'dataDir'>): Promise<PostgresStore> {
  if (config.databaseUrl !== undefined) {
    return await openPostgresStore({ connectionString: config.databaseUrl, schema: config.databaseSchema, applicationName: `platform-server/${config.databaseSchema}` })
  }
  const unlock = lockDataDir(config.dataDir)
  let store: PostgresStore
  try {
    store = await openPostgresStore({ dataDir: join(config.dataDir, PGDATA_DIR), schema: config.databaseSchema, pgliteWorker: true, pgliteSettings: EMBEDDED_SETTINGS })
  } catch (err) {
    await unlock()
    throw err
  }
  const close = store.close.bind(store)
  store.close = async () => { await close(); await unlock() }
  return store
}

/**
 * The store while it opens, as a `Store`: each call waits for `opening`, then runs on the open
 * store (at once, when it is open). `main.ts` builds the server on it while the embedded
 * database opens in its worker thread; building only keeps the reference, and `main.ts` awaits
 * `opening` before seeding and listening, so no request ever waits here.
 */
export class OpeningStore implements Store {
  readonly #opening: Promise<PostgresStore>
  #open: PostgresStore | undefined

  constructor (opening: Promise<PostgresStore>) {
    this.#opening = opening.then((store) => { this.#open = store; return store })
    // A failed opening is reported by main.ts, which awaits the same promise.
    this.#opening.catch(() => undefined)
  }

  async get<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return await (this.#open ?? await this.#opening).get<T>(collection, id)
  }

  async getByName<T extends object = Record<string, unknown>> (collection: string, fullyQualifiedName: string): Promise<StoredEntity<T> | undefined> {
    return await (this.#open ?? await this.#opening).getByName<T>(collection, fullyQualifiedName)
  }

  async list<T extends object = Record<string, unknown>> (collection: string, query: ListQuery): Promise<ListResult<T>> {
    return await (this.#open ?? await this.#opening).list<T>(collection, query)
  }

  async create<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>): Promise<StoredEntity<T>> {
    return await (this.#open ?? await this.#opening).create<T>(collection, entity)
  }

  async replace<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>, expectedVersion: number): Promise<StoredEntity<T>> {
    return await (this.#open ?? await this.#opening).replace<T>(collection, entity, expectedVersion)
  }

  async delete<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return await (this.#open ?? await this.#opening).delete<T>(collection, id)
  }

  async claimIdempotencyKey (record: IdempotencyRecord, nowMs: number): Promise<IdempotencyRecord | undefined> {
    return await (this.#open ?? await this.#opening).claimIdempotencyKey(record, nowMs)
  }

  async completeIdempotencyKey (scope: string, key: string, token: string, answer: IdempotencyAnswer): Promise<boolean> {
    return await (this.#open ?? await this.#opening).completeIdempotencyKey(scope, key, token, answer)
  }

  async releaseIdempotencyKey (scope: string, key: string, token: string): Promise<void> {
    await (this.#open ?? await this.#opening).releaseIdempotencyKey(scope, key, token)
  }

  async transaction<R> (fn: (store: Store) => Promise<R>): Promise<R> {
    return await (this.#open ?? await this.#opening).transaction(fn)
  }

  /**
   * The open store.
   * @throws what `openStore` threw (STORE_UNAVAILABLE, DATA_DIR in use by another process).
   */
  async open (): Promise<PostgresStore> { return this.#open ?? await this.#opening }

  /** Close the store once it is open; nothing to close when it failed to open. */
  async close (): Promise<void> {
    await (await this.#opening.catch(() => undefined))?.close()
  }
}
