/**
 * What a start puts into the store once it is open: the seed catalog and integrations (once
 * per database) and the bootstrap ORG_OWNER key. Loaded by `main.ts` with the server, after
 * the store started opening (`store.ts`).
 */
import { randomUUID } from 'node:crypto'
import { ResourceRegistry, computeHA1, type Store, type StoredEntity } from 'fastify-platform-api'
import type { AccessListEntryInput } from './config.js'
import { REALM, RESOURCES } from './resources.js'
import { ensureAdminKey, seedCatalog, seedIntegrations } from './server.js'
import { loadCatalogSeed, loadIntegrationsSeed } from './seed-data.js'

/** Collection and name of the marker written, in the seeding transaction, once the seed is in. */
export const SEED_MARKER = { collection: 'serverState', name: 'seed' } as const

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
