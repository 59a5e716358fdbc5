/**
 * Versioned, idempotent migrations, applied at open under a session-level advisory lock so
 * that several instances starting at once apply each migration exactly once.
 *
 * `<schema>.pa_schema_migrations` records every applied version; a migration runs in its own
 * transaction together with its record, so a crash leaves it either applied and recorded or
 * neither. Every statement is also written to be harmless when repeated (`IF NOT EXISTS`).
 */
import type { Driver, Queryable } from './driver.js'

/** One schema change. `sql(schema)` gives its statements for the quoted schema name. */
export interface Migration {
  version: number
  name: string
  sql: (schema: string) => string[]
}

/**
 * The layout (see README, "Layout"): one table of entities of every collection, key
 * columns for lookups and ordering, the document as JSONB.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'entities',
    sql: (s) => [
      `CREATE TABLE IF NOT EXISTS ${s}.pa_entities (
        id uuid NOT NULL,
        collection text NOT NULL,
        parent_id uuid,
        name text NOT NULL,
        fully_qualified_name text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (id, collection)
      )`,
      // Name lookup, uniqueness (409) and keyset pagination over a whole collection.
      `CREATE UNIQUE INDEX IF NOT EXISTS pa_entities_fqn ON ${s}.pa_entities (collection ASC, fully_qualified_name ASC)`,
      // Keyset pagination over the children of one parent.
      `CREATE INDEX IF NOT EXISTS pa_entities_parent ON ${s}.pa_entities (collection ASC, parent_id ASC, fully_qualified_name ASC)`,
      // Equality filters on document fields (JSONB containment).
      `CREATE INDEX IF NOT EXISTS pa_entities_doc ON ${s}.pa_entities USING gin (doc jsonb_path_ops)`
    ]
  },
  {
    version: 2,
    name: 'idempotency keys',
    sql: (s) => [
      // One row per (API key, Idempotency-Key): the request's fingerprint, who holds it while in
      // flight, and the answer once done (draft-ietf-httpapi-idempotency-key-header). Times in ms.
      `CREATE TABLE IF NOT EXISTS ${s}.pa_idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        token text NOT NULL,
        locked_until_ms bigint NOT NULL,
        expires_at_ms bigint NOT NULL,
        answer jsonb,
        PRIMARY KEY (scope, key)
      )`,
      // The bounded sweep of expired keys.
      `CREATE INDEX IF NOT EXISTS pa_idempotency_keys_expiry ON ${s}.pa_idempotency_keys (expires_at_ms ASC)`
    ]
  }
]

/** The advisory lock key of a schema's migrations (one bigint, derived from its name). */
function lockKey (schema: string): string {
  let h = 0n
  for (const c of `platform-api:migrations:${schema}`) h = (h * 31n + BigInt(c.codePointAt(0) ?? 0)) & 0x7fffffffffffffffn
  return h.toString()
}

/**
 * Create the schema if needed and apply the migrations not yet recorded, in order.
 * @param schema the schema name, already validated, unquoted.
 * @returns the versions applied by this call.
 */
export async function migrate (driver: Driver, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const s = `"${schema}"`
  return await driver.session(async (q: Queryable) => {
    await q.query('SELECT pg_advisory_lock($1::bigint)', [lockKey(schema)])
    try {
      await q.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
      await q.query(`CREATE TABLE IF NOT EXISTS ${s}.pa_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
      const { rows } = await q.query<{ version: number }>(`SELECT version FROM ${s}.pa_schema_migrations`)
      const done = new Set(rows.map((r) => Number(r.version)))
      const applied: number[] = []
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue
        await q.query('BEGIN')
        try {
          for (const statement of m.sql(s)) await q.query(statement)
          await q.query(`INSERT INTO ${s}.pa_schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name])
          await q.query('COMMIT')
        } catch (err) {
          await q.query('ROLLBACK').catch(() => undefined)
          throw err
        }
        applied.push(m.version)
      }
      return applied
    } finally {
      await q.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey(schema)]).catch(() => undefined)
    }
  })
}
