/**
 * `PostgresStore`: the resources `Store` on PostgreSQL (a `pg` pool) or on an embedded PGlite
 * database in a directory. Layout and the PostgreSQL features relied on: README.md.
 */
import type { IdempotencyAnswer, IdempotencyRecord, ListQuery, ListResult, Store, StoredEntity } from '@platform-api/resources'
// The error classes alone: the store loads without the resources plugin (its startup cost, issue 12).
import { DuplicateNameError, EntityNotFoundError, VersionConflictError } from '@platform-api/resources/errors'
import { storeUnavailable } from '../errors.js'
import type { Driver, Queryable } from './driver.js'
import { classify } from './faults.js'
import { and, whereOf, type Statement } from './list-sql.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Settings the store keeps after `open` validated them. */
export interface StoreSettings {
  /** Schema name, unquoted. */
  schema: string
  /** Attempts of a transaction after a serialization failure or deadlock, beyond the first. */
  serializationRetries: number
  /** `Retry-After` of the 503, in seconds. */
  retryAfterSeconds: number
}

type Row = { doc: StoredEntity }
type KeyRow = { scope: string, key: string, fingerprint: string, token: string, locked_until_ms: string | number, expires_at_ms: string | number, answer: IdempotencyAnswer | null }

/** Expired idempotency keys removed per claim (a bounded sweep). */
const PURGE_PER_CLAIM = 100

/** Reads and writes through one `Queryable`: the driver (auto-commit) or a transaction. */
class Operations {
  readonly #table: string
  readonly #keys: string
  readonly #settings: StoreSettings
  constructor (settings: StoreSettings) {
    this.#settings = settings
    this.#table = `"${settings.schema}".pa_entities`
    this.#keys = `"${settings.schema}".pa_idempotency_keys`
  }

  /** Run one operation; map driver faults to the suite's errors. */
  async run<R> (fn: () => Promise<R>, collection: string, fullyQualifiedName?: string): Promise<R> {
    try {
      return await fn()
    } catch (err) {
      throw this.map(err, collection, fullyQualifiedName)
    }
  }

  map (err: unknown, collection: string, fullyQualifiedName?: string): unknown {
    if ((err as { statusCode?: unknown }).statusCode !== undefined) return err
    switch (classify(err)) {
      case 'duplicate': return new DuplicateNameError(collection, fullyQualifiedName ?? '')
      case 'unavailable':
      case 'retry': return storeUnavailable(err, this.#settings.retryAfterSeconds)
      default: return err
    }
  }

  async get (q: Queryable, collection: string, id: string): Promise<StoredEntity | undefined> {
    if (!UUID.test(id)) return undefined
    const { rows } = await q.query<Row>(`SELECT doc FROM ${this.#table} WHERE id = $1::uuid AND collection = $2`, [id, collection])
    return rows[0]?.doc
  }

  async getByName (q: Queryable, collection: string, fullyQualifiedName: string): Promise<StoredEntity | undefined> {
    const { rows } = await q.query<Row>(`SELECT doc FROM ${this.#table} WHERE collection = $1 AND fully_qualified_name = $2`, [collection, fullyQualifiedName])
    return rows[0]?.doc
  }

  async #page (q: Queryable, where: Statement, order: 'ASC' | 'DESC', limit: number, offset?: number): Promise<StoredEntity[]> {
    const values = [...where.values, limit]
    let text = `SELECT doc FROM ${this.#table} WHERE ${where.text} ORDER BY fully_qualified_name ${order} LIMIT $${values.length}`
    if (offset !== undefined) {
      values.push(offset)
      text += ` OFFSET $${values.length}`
    }
    const { rows } = await q.query<Row>(text, values, { prepare: false })
    return rows.map((r) => r.doc)
  }

  async #exists (q: Queryable, where: Statement): Promise<boolean> {
    // Not prepared: a generic plan may scan the table for a key before the first row.
    const { rows } = await q.query<{ e: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${this.#table} WHERE ${where.text}) AS e`, where.values, { prepare: false })
    return rows[0]?.e === true
  }

  async list (q: Queryable, collection: string, query: ListQuery): Promise<ListResult> {
    if (query.parentId !== undefined && !UUID.test(query.parentId)) return { items: [], hasBefore: false, hasAfter: false, total: 0 }
    const where = whereOf(collection, query)
    const limit = query.limit
    const counted = await q.query<{ n: number | string }>(`SELECT count(*)::int AS n FROM ${this.#table} WHERE ${where.text}`, where.values)
    const total = Number(counted.rows[0]?.n ?? 0)
    if (query.offset !== undefined) {
      const got = await this.#page(q, where, 'ASC', limit + 1, query.offset)
      return { items: got.slice(0, limit), hasBefore: query.offset > 0 && total > 0, hasAfter: got.length > limit, total }
    }
    if (query.before !== undefined) {
      const key = String(query.before[0])
      const got = await this.#page(q, and(where, (p) => `fully_qualified_name < ${p}`, key), 'DESC', limit + 1)
      const hasBefore = got.length > limit
      const items = got.slice(0, limit).reverse()
      const last = items.at(-1)?.fullyQualifiedName ?? key
      const hasAfter = await this.#exists(q, and(where, (p) => `fully_qualified_name > ${p}`, last))
      return { items, hasBefore, hasAfter, total }
    }
    const key = query.after !== undefined ? String(query.after[0]) : undefined
    const got = await this.#page(q, key === undefined ? where : and(where, (p) => `fully_qualified_name > ${p}`, key), 'ASC', limit + 1)
    const hasAfter = got.length > limit
    const items = got.slice(0, limit)
    const first = items[0]?.fullyQualifiedName ?? key
    const hasBefore = first !== undefined && await this.#exists(q, and(where, (p) => `fully_qualified_name < ${p}`, first))
    return { items, hasBefore, hasAfter, total }
  }

  async create (q: Queryable, collection: string, entity: StoredEntity<object>): Promise<StoredEntity> {
    // ON CONFLICT DO NOTHING: a duplicate does not abort an enclosing transaction.
    const { rows } = await q.query<Row>(
      `INSERT INTO ${this.#table} (id, collection, parent_id, name, fully_qualified_name, version, created_at, updated_at, doc)
       VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9::jsonb)
       ON CONFLICT DO NOTHING RETURNING doc`,
      [entity.id, collection, entity.parentId, entity.name, entity.fullyQualifiedName, entity.version, entity.createdAt, entity.updatedAt, JSON.stringify(entity)])
    const row = rows[0]
    if (row === undefined) throw new DuplicateNameError(collection, entity.fullyQualifiedName)
    return row.doc
  }

  async replace (q: Queryable, collection: string, entity: StoredEntity<object>, expectedVersion: number): Promise<StoredEntity> {
    if (!UUID.test(entity.id)) throw new EntityNotFoundError(collection, entity.id)
    const { rows } = await q.query<Row>(
      `UPDATE ${this.#table} SET parent_id = $3::uuid, name = $4, fully_qualified_name = $5, version = $6,
         created_at = $7::timestamptz, updated_at = $8::timestamptz, doc = $9::jsonb
       WHERE id = $1::uuid AND collection = $2 AND version = $10 RETURNING doc`,
      [entity.id, collection, entity.parentId, entity.name, entity.fullyQualifiedName, entity.version, entity.createdAt, entity.updatedAt, JSON.stringify(entity), expectedVersion])
    const row = rows[0]
    if (row !== undefined) return row.doc
    const current = await this.get(q, collection, entity.id)
    if (current === undefined) throw new EntityNotFoundError(collection, entity.id)
    throw new VersionConflictError(collection, entity.id)
  }

  async delete (q: Queryable, collection: string, id: string): Promise<StoredEntity | undefined> {
    if (!UUID.test(id)) return undefined
    const { rows } = await q.query<Row>(`DELETE FROM ${this.#table} WHERE id = $1::uuid AND collection = $2 RETURNING doc`, [id, collection])
    return rows[0]?.doc
  }

  async claimIdempotencyKey (q: Queryable, r: IdempotencyRecord, nowMs: number): Promise<IdempotencyRecord | undefined> {
    await q.query(`DELETE FROM ${this.#keys} WHERE (scope, key) IN (SELECT scope, key FROM ${this.#keys} WHERE expires_at_ms <= $1 ORDER BY expires_at_ms LIMIT ${PURGE_PER_CLAIM})`, [nowMs])
    for (let attempt = 0; attempt < 3; attempt++) {
      // One statement: insert, or take over an expired key or an abandoned one of the same request.
      const claimed = await q.query(
        `INSERT INTO ${this.#keys} AS k (scope, key, fingerprint, token, locked_until_ms, expires_at_ms, answer)
         VALUES ($1, $2, $3, $4, $5, $6, NULL)
         ON CONFLICT (scope, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, token = EXCLUDED.token,
           locked_until_ms = EXCLUDED.locked_until_ms, expires_at_ms = EXCLUDED.expires_at_ms, answer = NULL
         WHERE k.expires_at_ms <= $7 OR (k.answer IS NULL AND k.locked_until_ms <= $7 AND k.fingerprint = EXCLUDED.fingerprint)
         RETURNING k.token`,
        [r.scope, r.key, r.fingerprint, r.token, r.lockedUntilMs, r.expiresAtMs, nowMs])
      if (claimed.rows.length > 0) return undefined
      const { rows } = await q.query<KeyRow>(`SELECT scope, key, fingerprint, token, locked_until_ms, expires_at_ms, answer FROM ${this.#keys} WHERE scope = $1 AND key = $2`, [r.scope, r.key])
      const row = rows[0]
      // Released between the two statements: claim again.
      if (row === undefined) continue
      return {
        scope: row.scope,
        key: row.key,
        fingerprint: row.fingerprint,
        token: row.token,
        lockedUntilMs: Number(row.locked_until_ms),
        expiresAtMs: Number(row.expires_at_ms),
        ...(row.answer !== null ? { answer: row.answer } : {})
      }
    }
    throw new Error('idempotency key claimed and released repeatedly')
  }

  async completeIdempotencyKey (q: Queryable, scope: string, key: string, token: string, answer: IdempotencyAnswer): Promise<boolean> {
    const { rowCount } = await q.query(`UPDATE ${this.#keys} SET answer = $4::jsonb WHERE scope = $1 AND key = $2 AND token = $3 AND answer IS NULL`, [scope, key, token, JSON.stringify(answer)])
    return rowCount === 1
  }

  async releaseIdempotencyKey (q: Queryable, scope: string, key: string, token: string): Promise<void> {
    await q.query(`DELETE FROM ${this.#keys} WHERE scope = $1 AND key = $2 AND token = $3 AND answer IS NULL`, [scope, key, token])
  }
}

/** The store, bound to one `Queryable` (the driver, or the connection of a transaction). */
function bind (ops: Operations, q: Queryable, transaction: Store['transaction']): Store {
  return {
    get: async <T extends object>(c: string, id: string) => await ops.run(async () => await ops.get(q, c, id), c) as StoredEntity<T> | undefined,
    getByName: async <T extends object>(c: string, n: string) => await ops.run(async () => await ops.getByName(q, c, n), c) as StoredEntity<T> | undefined,
    list: async <T extends object>(c: string, query: ListQuery) => await ops.run(async () => await ops.list(q, c, query), c) as ListResult<T>,
    create: async <T extends object>(c: string, e: StoredEntity<T>) => await ops.run(async () => await ops.create(q, c, e), c, e.fullyQualifiedName) as StoredEntity<T>,
    replace: async <T extends object>(c: string, e: StoredEntity<T>, v: number) => await ops.run(async () => await ops.replace(q, c, e, v), c, e.fullyQualifiedName) as StoredEntity<T>,
    delete: async <T extends object>(c: string, id: string) => await ops.run(async () => await ops.delete(q, c, id), c) as StoredEntity<T> | undefined,
    claimIdempotencyKey: async (r, now) => await ops.run(async () => await ops.claimIdempotencyKey(q, r, now), ''),
    completeIdempotencyKey: async (s, k, t, a) => await ops.run(async () => await ops.completeIdempotencyKey(q, s, k, t, a), ''),
    releaseIdempotencyKey: async (s, k, t) => { await ops.run(async () => { await ops.releaseIdempotencyKey(q, s, k, t) }, '') },
    transaction
  }
}

/**
 * The resources `Store` on SQL. Make one with `PostgresStore.open(options)` (index.ts): it
 * validates the options, connects and migrates.
 *
 * Every method may throw `STORE_UNAVAILABLE` (503, `error.headers['retry-after']`) when the
 * database is unreachable, a connection dies, a statement times out, or a transaction still
 * hits a serialization failure after `serializationRetries` more attempts.
 */
export class PostgresStore implements Store {
  readonly #driver: Driver
  readonly #ops: Operations
  readonly #settings: StoreSettings
  readonly #auto: Store
  #closed = false

  /** Use `PostgresStore.open`; this constructor takes an open, migrated driver. */
  constructor (driver: Driver, settings: StoreSettings) {
    this.#driver = driver
    this.#settings = settings
    this.#ops = new Operations(settings)
    this.#auto = bind(this.#ops, driver, async (fn) => await this.transaction(fn))
  }

  /** `pg` (a server) or `pglite` (embedded). */
  get driver (): 'pg' | 'pglite' { return this.#driver.kind }
  /** The schema holding the tables. */
  get schema (): string { return this.#settings.schema }

  async get<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return await this.#auto.get<T>(collection, id)
  }

  async getByName<T extends object = Record<string, unknown>> (collection: string, fullyQualifiedName: string): Promise<StoredEntity<T> | undefined> {
    return await this.#auto.getByName<T>(collection, fullyQualifiedName)
  }

  async list<T extends object = Record<string, unknown>> (collection: string, query: ListQuery): Promise<ListResult<T>> {
    return await this.#auto.list<T>(collection, query)
  }

  async create<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>): Promise<StoredEntity<T>> {
    return await this.#auto.create<T>(collection, entity)
  }

  async replace<T extends object = Record<string, unknown>> (collection: string, entity: StoredEntity<T>, expectedVersion: number): Promise<StoredEntity<T>> {
    return await this.#auto.replace<T>(collection, entity, expectedVersion)
  }

  async delete<T extends object = Record<string, unknown>> (collection: string, id: string): Promise<StoredEntity<T> | undefined> {
    return await this.#auto.delete<T>(collection, id)
  }

  /** Claim an idempotency key (see `Store.claimIdempotencyKey`); purges up to 100 expired keys. */
  async claimIdempotencyKey (record: IdempotencyRecord, nowMs: number): Promise<IdempotencyRecord | undefined> {
    return await (this.#auto.claimIdempotencyKey as NonNullable<Store['claimIdempotencyKey']>)(record, nowMs)
  }

  /** Keep the answer of a claimed key (see `Store.completeIdempotencyKey`); call it in the write's transaction. */
  async completeIdempotencyKey (scope: string, key: string, token: string, answer: IdempotencyAnswer): Promise<boolean> {
    return await (this.#auto.completeIdempotencyKey as NonNullable<Store['completeIdempotencyKey']>)(scope, key, token, answer)
  }

  /** Release a claimed key still in flight (see `Store.releaseIdempotencyKey`). */
  async releaseIdempotencyKey (scope: string, key: string, token: string): Promise<void> {
    await (this.#auto.releaseIdempotencyKey as NonNullable<Store['releaseIdempotencyKey']>)(scope, key, token)
  }

  /**
   * Run `fn` in one database transaction (READ COMMITTED): all its writes commit together or
   * none do. A serialization failure or deadlock reruns `fn` up to `serializationRetries`
   * more times, then throws `STORE_UNAVAILABLE`. A transaction inside `fn` joins this one.
   */
  async transaction<R> (fn: (store: Store) => Promise<R>): Promise<R> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#driver.transaction(async (q) => {
          const tx: Store = bind(this.#ops, q, async (inner) => await inner(tx))
          return await fn(tx)
        })
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause ?? err
        const retry = classify(err) === 'retry' || classify(cause) === 'retry'
        if (retry && attempt < this.#settings.serializationRetries) {
          await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt + Math.random() * 10))
          continue
        }
        throw this.#ops.map(err, '')
      }
    }
  }

  /** Close the pool or the embedded database. Idempotent. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#driver.close()
  }
}
