/**
 * The two drivers behind `PostgresStore`, reduced to what the store needs: run a
 * parameterised statement, run a function in one transaction, hold one session (for the
 * migration lock), close.
 */
import { createHash } from 'node:crypto'
import type { Pool, PoolClient, QueryConfig } from 'pg'
import type { PGlite, Transaction } from '@electric-sql/pglite'

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
      await client.query('BEGIN')
      let result: R
      try {
        result = await fn(q)
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw err
      }
      await client.query('COMMIT')
      return result
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
