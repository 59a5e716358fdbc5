/**
 * @platform-api/store-postgres: the `Store` of `@platform-api/resources` on PostgreSQL.
 *
 * Two drivers: a `pg` pool for a PostgreSQL server (or a PostgreSQL-compatible engine such
 * as YugabyteDB YSQL), or PGlite for an embedded, persistent database in a directory (in this
 * thread, or in a worker thread with `pgliteWorker`).
 *
 * ```ts
 * const store = await openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1/app' })
 * const embedded = await openPostgresStore({ dataDir: './.data/pgdata', pgliteWorker: true })
 * const registry = new ResourceRegistry(store, [catalogs, databases])
 * ```
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { PGlite } from '@electric-sql/pglite'
import { InvalidOptionError, storeUnavailable } from './errors.js'
import { PgDriver, PgliteDriver, PgliteWorkerDriver, type Driver } from './lib/driver.js'
import { createPglite, type PgliteSettings } from './lib/pglite-open.js'
import { classify } from './lib/faults.js'
import { migrate } from './lib/migrations.js'
import { PostgresStore } from './lib/postgres-store.js'

export { InvalidOptionError, storeUnavailable, type StoreUnavailable } from './errors.js'
export { PostgresStore } from './lib/postgres-store.js'
export { MIGRATIONS, type Migration } from './lib/migrations.js'
export type { PgliteSettings } from './lib/pglite-open.js'
export { classify, type FaultKind } from './lib/faults.js'

/** Options of `openPostgresStore`. Give exactly one of `connectionString`, `dataDir` and `pglite`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`: use a PostgreSQL server through a `pg` pool. */
  connectionString?: string
  /** Directory of an embedded PGlite database (created if absent); `memory://` keeps it in memory. */
  dataDir?: string
  /** An open PGlite database to use (e.g. one shared by several stores in different schemas); `close()` leaves it open. */
  pglite?: PGlite
  /**
   * Run the embedded database of `dataDir` in a `node:worker_threads` worker (default false: in
   * this thread). Opening it (about 340 ms of CPU on an existing directory) and the migrations
   * then run in parallel with the rest of the app's startup, and statements leave the event
   * loop free, for a round trip between threads per statement (README, "PGlite in a worker").
   * Only with `dataDir`.
   */
  pgliteWorker?: boolean
  /**
   * PostgreSQL run-time parameters of the embedded database of `dataDir`, given to it at each
   * start (`-c name=value`, after PGlite's own): e.g. `{ shared_buffers: '16MB' }`. Names are
   * PostgreSQL's (lowercase letters, digits, `_`, `.`); values strings, finite numbers or
   * booleans. An unknown name or a bad value stops the open with PostgreSQL's own message.
   * Why: PGlite keeps the `postgresql.conf` initdb wrote (`shared_buffers = 128MB`,
   * `max_connections = 100`), sized for a server; it zeroes that memory at every start (a
   * single-user engine with a small data set needs far less; README, "Tuning the embedded
   * database"). Only with `dataDir`. Default: none (PGlite's own).
   */
  pgliteSettings?: PgliteSettings
  /** Schema of the store's tables, created if absent: letters, digits, `_`, at most 63 characters. Default `public`. */
  schema?: string
  /** Pool size, in connections (pg only). Default 10. */
  maxConnections?: number
  /** Longest wait for a connection (pg only), in milliseconds; then 503. Default 5000. */
  connectionTimeoutMs?: number
  /** Longest run of one statement, in milliseconds (`statement_timeout`, plus a client-side read timeout 1 s later); then 503. Default 10000. */
  statementTimeoutMs?: number
  /** How long an idle pooled connection is kept, in milliseconds (pg only). Default 10000. */
  idleTimeoutMs?: number
  /** More attempts of a transaction after a serialization failure or deadlock; then 503. Default 3. */
  serializationRetries?: number
  /** `Retry-After` of the 503 `STORE_UNAVAILABLE`, in seconds. Default 1. */
  retryAfterSeconds?: number
  /** `application_name` of the pool's connections (pg only). Default `platform-api`. */
  applicationName?: string
  /** Named prepared statements, parsed once per connection (pg only). Turn off behind a transaction-mode pooler that does not keep them (older PgBouncer). Default true. */
  preparedStatements?: boolean
}

const DEFAULTS = {
  schema: 'public',
  maxConnections: 10,
  connectionTimeoutMs: 5000,
  statementTimeoutMs: 10000,
  idleTimeoutMs: 10000,
  serializationRetries: 3,
  retryAfterSeconds: 1,
  applicationName: 'platform-api',
  preparedStatements: true,
  pgliteWorker: false,
  pgliteSettings: {} as PgliteSettings
}

type Settings = typeof DEFAULTS & Pick<PostgresStoreOptions, 'connectionString' | 'dataDir' | 'pglite'>

function integer (name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new InvalidOptionError(`${name} must be an integer >= ${min}`)
  return value
}

/** A PostgreSQL parameter name (`shared_buffers`, `auto_explain.log_min_duration`). */
const SETTING_NAME = /^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)?$/

/** `pgliteSettings`: an object of PostgreSQL parameter names to scalar values. */
function checkPgliteSettings (settings: unknown): void {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) throw new InvalidOptionError('pgliteSettings must be an object of PostgreSQL parameters, e.g. { shared_buffers: \'16MB\' }')
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name) || name.length > 63) throw new InvalidOptionError(`pgliteSettings: ${JSON.stringify(name)} is not a PostgreSQL parameter name (lowercase letters, digits, _ and at most one .)`)
    const ok = typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '' && !/[\0\r\n]/.test(value))
    if (!ok) throw new InvalidOptionError(`pgliteSettings.${name} must be a non-empty string (no line breaks), a finite number or a boolean`)
  }
}

/**
 * Merge the defaults and check every option.
 * @throws STORE_POSTGRES_INVALID_OPTION naming the option.
 */
export function resolveOptions (options: PostgresStoreOptions): Settings {
  if (options === null || typeof options !== 'object') throw new InvalidOptionError('options must be an object')
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined))
  const s = { ...DEFAULTS, ...given } as Settings
  if ([s.connectionString, s.dataDir, s.pglite].filter((v) => v !== undefined).length !== 1) throw new InvalidOptionError('give exactly one of connectionString (a PostgreSQL server), dataDir (embedded PGlite) and pglite (an open PGlite)')
  if (s.pglite !== undefined && (typeof s.pglite !== 'object' || typeof (s.pglite as { query?: unknown }).query !== 'function')) throw new InvalidOptionError('pglite must be a PGlite instance')
  if (s.connectionString !== undefined && (typeof s.connectionString !== 'string' || !/^postgres(ql)?:\/\//i.test(s.connectionString))) throw new InvalidOptionError('connectionString must start with postgres:// or postgresql://')
  if (s.dataDir !== undefined && (typeof s.dataDir !== 'string' || s.dataDir === '')) throw new InvalidOptionError('dataDir must be a non-empty path')
  if (typeof s.schema !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(s.schema)) throw new InvalidOptionError('schema must be letters, digits and _ (not first a digit), at most 63 characters')
  integer('maxConnections', s.maxConnections, 1)
  integer('connectionTimeoutMs', s.connectionTimeoutMs, 1)
  integer('statementTimeoutMs', s.statementTimeoutMs, 1)
  integer('idleTimeoutMs', s.idleTimeoutMs, 1)
  integer('serializationRetries', s.serializationRetries, 0)
  integer('retryAfterSeconds', s.retryAfterSeconds, 0)
  if (typeof s.preparedStatements !== 'boolean') throw new InvalidOptionError('preparedStatements must be a boolean')
  if (typeof s.pgliteWorker !== 'boolean') throw new InvalidOptionError('pgliteWorker must be a boolean')
  if (s.pgliteWorker && s.dataDir === undefined) throw new InvalidOptionError('pgliteWorker needs dataDir: the worker opens the database itself (an open pglite instance cannot move to another thread)')
  checkPgliteSettings(s.pgliteSettings)
  if (Object.keys(s.pgliteSettings).length > 0 && s.dataDir === undefined) throw new InvalidOptionError('pgliteSettings needs dataDir: they are given to the embedded database when it starts')
  if (typeof s.applicationName !== 'string' || s.applicationName.length > 63) throw new InvalidOptionError('applicationName must be a string of at most 63 characters')
  return s
}

async function openDriver (s: Settings): Promise<Driver> {
  if (s.connectionString !== undefined) {
    // Loaded only for a PostgreSQL server: an embedded database starts without it (issue 12).
    const { default: pg } = await import('pg')
    const pool = new pg.Pool({
      connectionString: s.connectionString,
      max: s.maxConnections,
      connectionTimeoutMillis: s.connectionTimeoutMs,
      idleTimeoutMillis: s.idleTimeoutMs,
      statement_timeout: s.statementTimeoutMs,
      query_timeout: s.statementTimeoutMs + 1000,
      application_name: s.applicationName,
      keepAlive: true
    })
    // An idle connection that dies (server restart, pg_terminate_backend) is dropped from the
    // pool; without a listener the 'error' event would end the process.
    pool.on('error', () => undefined)
    // A connection can fail while it is being handed out: pg-pool takes its own listener off
    // before the caller can add one, and a FATAL message (pg_terminate_backend) that arrives in
    // the same read would be an unheard 'error'. This listener stays for the client's life; the
    // client is then unqueryable, its next statement fails (503) and it leaves the pool.
    pool.on('connect', (client) => { client.on('error', () => undefined) })
    return new PgDriver(pool, s.preparedStatements)
  }
  if (s.pglite !== undefined) return new PgliteDriver(s.pglite, false)
  const { PGlite } = await import('@electric-sql/pglite')
  const db = await createPglite(PGlite, s.dataDir, s.pgliteSettings)
  await db.query(`SET statement_timeout = ${s.statementTimeoutMs}`)
  return new PgliteDriver(db, true)
}

/** The driver, connected, with the migrations applied. */
async function openMigrated (s: Settings): Promise<Driver> {
  if (s.pgliteWorker && s.dataDir !== undefined) {
    // The worker opens the database and applies the migrations before it answers: no round
    // trip through this thread, which may be busy loading the rest of the app meanwhile.
    return await PgliteWorkerDriver.open({ dataDir: s.dataDir, statementTimeoutMs: s.statementTimeoutMs, schema: s.schema, pgliteSettings: s.pgliteSettings })
  }
  const driver = await openDriver(s)
  try {
    await migrate(driver, s.schema)
  } catch (err) {
    await driver.close().catch(() => undefined)
    throw err
  }
  return driver
}

/**
 * Validate the options, connect and apply pending migrations (under an advisory lock, so
 * several instances may start at once). With `pgliteWorker` the worker thread is started
 * before the first `await`: call this first and load the rest of the app while it opens.
 * @throws STORE_POSTGRES_INVALID_OPTION for a bad option; STORE_UNAVAILABLE (503) when the
 * server cannot be reached within `connectionTimeoutMs`, or the PGlite worker died.
 */
export async function openPostgresStore (options: PostgresStoreOptions): Promise<PostgresStore> {
  const s = resolveOptions(options)
  let driver: Driver
  try {
    driver = await openMigrated(s)
  } catch (err) {
    throw classify(err) === 'unavailable' ? storeUnavailable(err, s.retryAfterSeconds) : err
  }
  return new PostgresStore(driver, { schema: s.schema, serializationRetries: s.serializationRetries, retryAfterSeconds: s.retryAfterSeconds })
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The store opened by `@platform-api/store-postgres`. */
    store: PostgresStore
  }
}

async function storePostgres (fastify: FastifyInstance, options: PostgresStoreOptions): Promise<void> {
  const store = await openPostgresStore(options)
  fastify.decorate('store', store)
  fastify.addHook('onClose', async () => { await store.close() })
}

/**
 * Fastify plugin: opens the store (options: `PostgresStoreOptions`), decorates
 * `fastify.store`, closes it in `onClose`.
 */
export const fastifyStorePostgres = fp(storePostgres, { fastify: '5.x', name: '@platform-api/store-postgres' })
export default fastifyStorePostgres
