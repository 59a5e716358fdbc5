/**
 * The drivers behind `PostgresStore`, reduced to what the store needs: run a parameterised
 * statement, run a function in one transaction, hold one session (for the migration lock),
 * close. `PgDriver` (a `pg` pool), `PgliteDriver` (PGlite in this thread) and
 * `PgliteWorkerDriver` (PGlite in a worker thread, `pglite-worker.ts`).
 */
import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type { Pool, PoolClient, QueryConfig } from 'pg'
import type { PGlite, Transaction } from '@electric-sql/pglite'
import { fromWire, type WorkerCall, type WorkerReply, type WorkerRequest, type WorkerSettings } from './worker-protocol.js'

/** Rows of one statement and how many rows it changed. */
export interface QueryResult<R> { rows: R[], rowCount: number }

/** How to run a statement. */
export interface QueryOptions {
  /**
   * Run it as a named prepared statement (pg; default true). Off for statements whose best
   * plan depends on the values, e.g. a page with `LIMIT $n`: a prepared statement may switch
   * to a generic plan that guesses a tenth of the rows for the limit and sorts them all.
   */
  prepare?: boolean
}

/** Something that runs one parameterised statement (`$1`, `$2`, ...). */
export interface Queryable {
  query<R = Record<string, unknown>> (sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>
}

/** A database reached through a pool (pg) or one embedded connection (PGlite). */
export interface Driver extends Queryable {
  /** `pg` or `pglite`. */
  readonly kind: 'pg' | 'pglite'
  /** `BEGIN`; `fn`; `COMMIT` (or `ROLLBACK` when `fn` throws, then rethrow). */
  transaction<R> (fn: (q: Queryable) => Promise<R>): Promise<R>
  /** Run `fn` on one connection held for its whole run (session-level advisory locks). */
  session<R> (fn: (q: Queryable) => Promise<R>): Promise<R>
  close (): Promise<void>
}

/** True for errors after which a pooled connection must not be reused. */
function brokenConnection (err: unknown): boolean {
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && /^(08|57P0|53|58)/.test(code)) return true
  const message = String((err as { message?: unknown }).message ?? '')
  return /Connection terminated|Query read timeout|not queryable|ECONNRESET|EPIPE/.test(message)
}

const names = new Map<string, string>()

/**
 * The statement as a named (prepared) statement: each connection parses and plans it once.
 * The store's statement texts are a small fixed set (input only ever travels as parameters).
 */
function prepared (text: string, params: readonly unknown[], prepare: boolean): QueryConfig {
  if (!prepare) return { text, values: params as unknown[] }
  let name = names.get(text)
  if (name === undefined) {
    name = `pa_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    if (names.size < 1000) names.set(text, name)
  }
  return { name, text, values: params as unknown[] }
}

/**
 * `BEGIN`; `fn(q)`; `COMMIT` on one connection (`q`), or `ROLLBACK` when `fn` throws (then its
 * error is rethrown; a failed `ROLLBACK` is ignored, the connection's owner deals with it).
 */
async function inTransaction<R> (q: Queryable, fn: (q: Queryable) => Promise<R>): Promise<R> {
  // Never named prepared statements (pg): sent as simple queries, as `client.query('BEGIN')` does.
  await q.query('BEGIN', [], UNPREPARED)
  let result: R
  try {
    result = await fn(q)
  } catch (err) {
    await q.query('ROLLBACK', [], UNPREPARED).catch(() => undefined)
    throw err
  }
  await q.query('COMMIT', [], UNPREPARED)
  return result
}

const UNPREPARED: QueryOptions = Object.freeze({ prepare: false })

/** A `pg` Pool. */
export class PgDriver implements Driver {
  readonly kind = 'pg'
  readonly #pool: Pool
  readonly #prepare: boolean
  /** @param prepare use named prepared statements (off behind a transaction-mode connection pooler). */
  constructor (pool: Pool, prepare = true) { this.#pool = pool; this.#prepare = prepare }

  async query<R> (sql: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult<R>> {
    const r = await this.#pool.query(prepared(sql, params, this.#prepare && options.prepare !== false))
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 }
  }

  async #withClient<R> (fn: (client: PoolClient) => Promise<R>): Promise<R> {
    const client = await this.#pool.connect()
    let broken: Error | undefined
    // A checked-out connection that dies between two statements emits 'error'; the pool
    // listens only on idle ones, and an unheard 'error' would end the process.
    const onError = (err: Error): void => { broken = err }
    client.on('error', onError)
    try {
      return await fn(client)
    } catch (err) {
      if (brokenConnection(err)) broken = err as Error
      throw err
    } finally {
      client.off('error', onError)
      client.release(broken ?? false)
    }
  }

  async transaction<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    return await this.#withClient(async (client) => {
      const q: Queryable = {
        query: async <T>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}) => {
          const r = await client.query(prepared(sql, params, this.#prepare && options.prepare !== false))
          return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 }
        }
      }
      return await inTransaction(q, fn)
    })
  }

  async session<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    return await this.#withClient(async (client) => await fn({
      query: async <T>(sql: string, params: readonly unknown[] = []) => {
        const r = await client.query(sql, params as unknown[])
        return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 }
      }
    }))
  }

  async close (): Promise<void> { await this.#pool.end() }
}

function pgliteQueryable (db: PGlite | Transaction): Queryable {
  return {
    query: async <T>(sql: string, params: readonly unknown[] = []) => {
      const r = await db.query<T>(sql, params as unknown[])
      return { rows: r.rows, rowCount: r.affectedRows ?? 0 }
    }
  }
}

/** One embedded PGlite database; it runs one statement at a time and queues the rest. */
export class PgliteDriver implements Driver {
  readonly kind = 'pglite'
  readonly #db: PGlite
  readonly #q: Queryable
  readonly #owned: boolean
  /** @param owned close `db` in `close()` (false for a database the caller gave). */
  constructor (db: PGlite, owned: boolean) { this.#db = db; this.#q = pgliteQueryable(db); this.#owned = owned }

  async query<R> (sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return await this.#q.query<R>(sql, params)
  }

  async transaction<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    return await this.#db.transaction(async (tx) => await fn(pgliteQueryable(tx)))
  }

  async session<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    // One connection only: the session is the database itself.
    return await fn(this.#q)
  }

  async close (): Promise<void> { if (this.#owned && !this.#db.closed) await this.#db.close() }
}

/** A call waiting for the connection: a statement, or a transaction / session that will hold it. */
type Waiter =
  | { hold: false, sql: string, params: readonly unknown[], resolve: (r: QueryResult<unknown>) => void, reject: (err: Error) => void }
  | { hold: true, grant: () => void, reject: (err: Error) => void }

/** A reply being waited for, by request id. */
interface Pending { resolve: (r: QueryResult<unknown>) => void, reject: (err: Error) => void }

/** The worker entry beside this module: `pglite-worker.js` in `dist` (`.ts` when run from source through a TypeScript loader, as the tests are). */
function workerEntry (): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './pglite-worker.ts' : './pglite-worker.js', import.meta.url)
}

/** An error `classify()` reads as `unavailable` (SQLSTATE class 08, connection exception). */
function connectionError (message: string, code: '08003' | '08006', cause?: unknown): Error {
  return Object.assign(new Error(message, cause !== undefined ? { cause } : undefined), { code })
}

/**
 * One embedded PGlite database owned by a worker thread (`pglite-worker.ts`): opening it and
 * running its statements take no time on this thread's event loop. Statements are messages
 * `{ id, op, sql, params }`; rows and errors come back by structured clone, as PGlite gives
 * them in process (errors with `code`, `detail`, `constraint`, `severity`, ...).
 *
 * PGlite is one connection. Statements are sent as they come (the worker runs them in order);
 * while a transaction or session holds the connection, every other call waits here, in order,
 * and is sent when it ends.
 *
 * When the worker dies (exit, uncaught error), every pending and later call fails at once
 * with SQLSTATE `08006` (the store's 503 `STORE_UNAVAILABLE`); after `close()`, with `08003`.
 * The worker does not keep the process alive while no statement is pending.
 */
export class PgliteWorkerDriver implements Driver {
  readonly kind = 'pglite'
  readonly #worker: Worker
  readonly #closeTimeoutMs: number
  readonly #pending = new Map<number, Pending>()
  readonly #waiting: Waiter[] = []
  readonly #direct: Queryable
  readonly #exited: Promise<void>
  #nextId = 1
  #held = false
  #dead = false
  /** Why calls are refused: the worker died, or `close()` was called. */
  #refusal: Error | undefined
  #closing: Promise<void> | undefined

  private constructor (settings: WorkerSettings, entry: URL) {
    this.#closeTimeoutMs = settings.statementTimeoutMs + 1000
    this.#direct = { query: async <T>(sql: string, params: readonly unknown[] = []) => await this.#statement(sql, params) as QueryResult<T> }
    this.#worker = new Worker(entry, { workerData: settings })
    this.#worker.on('message', (m: WorkerReply) => { this.#answer(m) })
    this.#worker.on('error', (err: unknown) => { this.#fail(`PGlite worker failed: ${String((err as Error)?.message ?? err)}`, err) })
    this.#worker.on('messageerror', (err) => {
      // A reply that could not be read: its caller would wait forever, so the worker is given up.
      this.#fail(`PGlite worker sent an unreadable message: ${err.message}`, err)
      void this.#worker.terminate()
    })
    this.#exited = new Promise((resolve) => {
      this.#worker.once('exit', (code) => { this.#fail(`PGlite worker exited (code ${code})`); resolve() })
    })
  }

  /**
   * Start the worker: it opens `settings.dataDir` and applies the migrations of
   * `settings.schema`. The thread starts before this returns its promise, so a caller's
   * own startup work runs in parallel with the database's.
   * @param entry the worker's module; only tests give another (one that wraps this one).
   * @throws the error that stopped the worker's start (with its SQLSTATE `code`), or `08006`
   * when the worker died; the worker is then ended.
   */
  static async open (settings: WorkerSettings, entry: URL = workerEntry()): Promise<PgliteWorkerDriver> {
    const driver = new PgliteWorkerDriver(settings, entry)
    const ready = new Promise<QueryResult<unknown>>((resolve, reject) => { driver.#pending.set(0, { resolve, reject }) })
    try {
      await ready
    } catch (err) {
      await driver.close()
      throw err
    }
    return driver
  }

  #answer (m: WorkerReply): void {
    const pending = this.#pending.get(m.id)
    if (pending === undefined) return
    this.#pending.delete(m.id)
    if (this.#pending.size === 0) this.#worker.unref()
    if ('error' in m) pending.reject(fromWire(m.error))
    else if ('rows' in m) pending.resolve({ rows: m.rows, rowCount: m.rowCount })
    else pending.resolve({ rows: [], rowCount: 0 })
  }

  /** The worker is gone: fail what waits for it and refuse what comes. */
  #fail (message: string, cause?: unknown): void {
    if (this.#dead) return
    this.#dead = true
    const err = connectionError(message, '08006', cause)
    this.#refusal ??= err
    for (const pending of this.#pending.values()) pending.reject(err)
    this.#pending.clear()
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#refusal)
  }

  /** Send one request; its reply settles the promise. */
  async #request (message: WorkerCall): Promise<QueryResult<unknown>> {
    const id = this.#nextId++
    return await new Promise((resolve, reject) => {
      try {
        this.#worker.postMessage({ ...message, id } satisfies WorkerRequest)
      } catch (err) {
        // A parameter structured clone cannot copy (e.g. a function).
        reject(err as Error)
        return
      }
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { resolve, reject })
    })
  }

  async #statement (sql: string, params: readonly unknown[]): Promise<QueryResult<unknown>> {
    if (this.#refusal !== undefined) throw this.#refusal
    return await this.#request({ op: 'query', sql, params })
  }

  async query<R> (sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    if (!this.#held && this.#waiting.length === 0) return await this.#statement(sql, params) as QueryResult<R>
    if (this.#refusal !== undefined) throw this.#refusal
    return await new Promise<QueryResult<unknown>>((resolve, reject) => {
      this.#waiting.push({ hold: false, sql, params, resolve, reject })
    }) as QueryResult<R>
  }

  /** Hold the connection for `fn`: calls from elsewhere wait until it ends. */
  async #hold<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    if (this.#refusal !== undefined) throw this.#refusal
    if (this.#held || this.#waiting.length > 0) {
      await new Promise<void>((resolve, reject) => { this.#waiting.push({ hold: true, grant: resolve, reject }) })
    } else {
      this.#held = true
    }
    try {
      return await fn(this.#direct)
    } finally {
      this.#release()
    }
  }

  /** Hand the connection on: send the statements waiting in front of the next holder, then grant it. */
  #release (): void {
    this.#held = false
    while (!this.#held && this.#waiting.length > 0) {
      const waiter = this.#waiting.shift() as Waiter
      if (waiter.hold) {
        this.#held = true
        waiter.grant()
      } else {
        this.#statement(waiter.sql, waiter.params).then(waiter.resolve, waiter.reject)
      }
    }
  }

  async transaction<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    return await this.#hold(async (q) => await inTransaction(q, fn))
  }

  async session<R> (fn: (q: Queryable) => Promise<R>): Promise<R> {
    return await this.#hold(fn)
  }

  /**
   * Refuse new calls, let the worker close the database after the statements already sent
   * (at most `statementTimeoutMs` + 1 s), then end the thread. Idempotent; resolves also when
   * the worker had died.
   */
  async close (): Promise<void> {
    this.#closing ??= (async () => {
      const alive = !this.#dead
      this.#refusal ??= connectionError('PGlite worker is closed', '08003')
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#refusal)
      if (alive) {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, this.#closeTimeoutMs) })
        await Promise.race([this.#request({ op: 'close' }).catch(() => undefined), this.#exited, timeout])
        clearTimeout(timer)
      }
      await this.#worker.terminate()
    })()
    await this.#closing
  }
}
