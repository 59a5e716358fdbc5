/**
 * Which store the example server uses (API-CONTRACT.md, `DATABASE_URL`), and seeding it once.
 *
 * - `DATABASE_URL` set: a PostgreSQL server (or YugabyteDB YSQL) through a `pg` pool, tables in
 *   `DATABASE_SCHEMA`; several instances may share it.
 * - unset: an embedded PGlite database in `DATA_DIR/pgdata`, so data survives restarts.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ResourceRegistry, computeHA1, type Store, type StoredEntity } from 'fastify-platform-api'
import { openPostgresStore, type PostgresStore } from '@platform-api/store-postgres'
import type { AccessListEntryInput, ServerConfig } from './config.js'
import { REALM, RESOURCES } from './resources.js'
import { ensureAdminKey, seedCatalog, seedIntegrations } from './server.js'
import { loadCatalogSeed, loadIntegrationsSeed } from './seed-data.js'

/** Directory of the embedded database, inside `DATA_DIR`. */
export const PGDATA_DIR = 'pgdata'

/** Collection and name of the marker written, in the seeding transaction, once the seed is in. */
export const SEED_MARKER = { collection: 'serverState', name: 'seed' } as const

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
 * @returns the release function.
 * @throws when a live process holds it.
 */
async function lockDataDir (dataDir: string): Promise<() => Promise<void>> {
  const file = join(dataDir, PGDATA_LOCK)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 })
      return async () => { await rm(file, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new Error(`the embedded database in ${dataDir} is in use by process ${pid}; stop it, or give each instance its own DATA_DIR, or share a PostgreSQL server through DATABASE_URL`)
      }
      await rm(file, { force: true })
    }
  }
  throw new Error(`could not claim ${file}`)
}

/**
 * Open the configured store and apply its migrations.
 * @throws STORE_UNAVAILABLE when the PostgreSQL server cannot be reached; an Error when
 * another live process uses the embedded database of `DATA_DIR`.
 */
export async function openStore (config: Pick<ServerConfig, 'databaseUrl' | 'databaseSchema' | 'dataDir'>): Promise<PostgresStore> {
  if (config.databaseUrl !== undefined) {
    return await openPostgresStore({ connectionString: config.databaseUrl, schema: config.databaseSchema, applicationName: `platform-server/${config.databaseSchema}` })
  }
  const unlock = await lockDataDir(config.dataDir)
  let store: PostgresStore
  try {
    store = await openPostgresStore({ dataDir: join(config.dataDir, PGDATA_DIR), schema: config.databaseSchema })
  } catch (err) {
    await unlock()
    throw err
  }
  const close = store.close.bind(store)
  store.close = async () => { await close(); await unlock() }
  return store
}

/**
 * Seed the catalog and integrations once per database: all of it and the marker in one
 * transaction, so a crash mid-seed leaves nothing and a restart (or a second instance)
 * never seeds again. A database that already holds catalogs is only marked.
 * @returns whether this call seeded.
 */
export async function seedOnce (store: Store): Promise<boolean> {
  const catalog = await loadCatalogSeed()
  const integrations = await loadIntegrationsSeed()
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.transaction(async (tx) => {
        if (await tx.getByName(SEED_MARKER.collection, SEED_MARKER.name) !== undefined) return false
        const empty = (await tx.list('catalogs', { limit: 1 })).total === 0
        if (empty) {
          const registry = new ResourceRegistry(tx, RESOURCES)
          await seedCatalog(registry, catalog)
          await seedIntegrations(registry, integrations)
        }
        const now = new Date().toISOString()
        await tx.create(SEED_MARKER.collection, { id: randomUUID(), name: SEED_MARKER.name, fullyQualifiedName: SEED_MARKER.name, parentId: null, version: 1, createdAt: now, updatedAt: now, seeded: empty })
        return empty
      })
    } catch (err) {
      // Another instance seeded at the same moment: its commit won; look again.
      if ((err as { code?: string }).code === 'DUPLICATE_NAME' && attempt < 3) continue
      throw err
    }
  }
}

function sameAccessList (stored: unknown, wanted: readonly AccessListEntryInput[]): boolean {
  const norm = (e: Record<string, unknown>): string => JSON.stringify([e.ipAddress ?? null, e.cidrBlock ?? null])
  if (!Array.isArray(stored) || stored.length !== wanted.length) return false
  const a = (stored as Array<Record<string, unknown>>).map(norm).sort()
  const b = wanted.map((e) => norm(e as Record<string, unknown>)).sort()
  return a.every((v, i) => v === b[i])
}

/**
 * Make sure the bootstrap ORG_OWNER key exists with this private key and access list. A key
 * that already matches is left alone (a restart does not recreate it); otherwise it is
 * replaced through `ensureAdminKey`, retried when another instance does the same at once.
 * @returns whether the key was (re)created.
 */
export async function ensureAdminKeyOnce (store: Store, registry: ResourceRegistry, key: { publicKey: string, privateKey: string, accessList: readonly AccessListEntryInput[] }): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const existing = await store.getByName<{ ha1?: Record<string, string>, roles?: string[], accessList?: unknown }>('apiKeys', key.publicKey) as StoredEntity<{ ha1?: Record<string, string>, roles?: string[], accessList?: unknown }> | undefined
    if (existing !== undefined &&
      existing.ha1?.['SHA-256'] === computeHA1('SHA-256', key.publicKey, REALM, key.privateKey) &&
      existing.roles?.length === 1 && existing.roles[0] === 'ORG_OWNER' &&
      sameAccessList(existing.accessList, key.accessList)) return false
    try {
      await ensureAdminKey(registry, key)
      return true
    } catch (err) {
      const code = (err as { code?: string }).code
      if ((code === 'DUPLICATE_NAME' || code === 'ENTITY_NOT_FOUND') && attempt < 3) continue
      throw err
    }
  }
}
