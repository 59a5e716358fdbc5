/**
 * The example's resources, declared once each (API-CONTRACT.md, "/api/v1"): the catalog
 * hierarchy of StarRocks / OpenMetadata, the integrations matrix of the YugabyteDB seed,
 * and API keys. CRUD comes from @platform-api/resources; only key generation is ours.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { computeHA1, defineResource, tasks, withParameters, type AnyResourceDefinition, type Store } from 'fastify-platform-api'
import { AccessListEntrySchema, MAX_ACCESS_LIST_ENTRIES, normalizeAccessList } from './access-list.js'
import { InvalidKeyUserError } from './errors.js'
import { assertOwnerRemains } from './org.js'
import { deleteUsageOf } from './usage.js'
import { PUBLIC_KEY_PATTERN } from './config.js'
import { createTableFromSql } from './create-table.js'
import { importDdl } from './import-task.js'
import { placeColumn } from './column-position.js'

/** The Digest realm of the example server; HA1 hashes are bound to it. */
export const REALM = 'platform-api'

/** The hash functions of RFC 7616 whose HA1 an API key stores. */
const HA1_HASHES = ['MD5', 'SHA-256', 'SHA-512-256'] as const

/** The roles of the contract. */
export const ROLES = ['ORG_OWNER', 'ORG_MEMBER', 'ORG_READ_ONLY'] as const

const Description = Type.Optional(Type.String({ maxLength: 1024 }))

/** Most columns of one table, so the largest `ordinalPosition` (StarRocks: 10,000 columns per table). */
export const MAX_COLUMNS_PER_TABLE = 10_000

export const catalogs = defineResource({
  collection: 'catalogs',
  fullyQualifiedName: true,
  permission: 'catalog',
  fields: Type.Object({
    type: Type.Union(['internal', 'hive', 'iceberg', 'hudi', 'deltalake', 'jdbc'].map((t) => Type.Literal(t)), { default: 'internal' }),
    description: Description
  }),
  filters: ['type']
})

export const databases = defineResource({
  collection: 'databases',
  parent: { field: 'catalog', collection: 'catalogs' },
  permission: 'catalog',
  fields: Type.Object({ description: Description }),
  actions: [importDdl]
})

export const tables = defineResource({
  collection: 'tables',
  parent: { field: 'database', collection: 'databases' },
  permission: 'catalog',
  fields: Type.Object({
    tableType: Type.Union(['table', 'view', 'materializedView'].map((t) => Type.Literal(t)), { default: 'table' }),
    description: Description
  }),
  filters: ['tableType'],
  actions: [createTableFromSql]
})

export const columns = defineResource({
  collection: 'columns',
  parent: { field: 'table', collection: 'tables' },
  permission: 'catalog',
  embedOrder: 'ordinalPosition',
  fields: Type.Object({
    dataType: Type.String({ minLength: 1, maxLength: 128, description: 'SQL type, e.g. DECIMAL(15,2)' }),
    nullable: Type.Boolean({ default: true }),
    ordinalPosition: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COLUMNS_PER_TABLE, description: '1-based position in the table, unique in it; default: after the last column (the largest position + 1)' })),
    description: Description
  }),
  filters: ['dataType', 'nullable'],
  hooks: {
    // Unique per table; without one, after the last column (see column-position.ts).
    beforeWrite: async ({ entity, previous, store }) => { await placeColumn(store, entity, previous, MAX_COLUMNS_PER_TABLE) }
  }
})

export const integrations = defineResource({
  collection: 'integrations',
  permission: 'integration',
  name: Type.String({ minLength: 1, maxLength: 256, pattern: '^\\S(.*\\S)?$' }),
  fields: Type.Object({
    category: Type.Union(['clientDriver', 'orm', 'applicationFramework', 'schemaMigration', 'connector', 'guiClient'].map((c) => Type.Literal(c))),
    language: Type.Optional(Type.String({ maxLength: 64 })),
    api: Type.Optional(Type.Union([Type.Literal('YSQL'), Type.Literal('YCQL')])),
    status: Type.Optional(Type.String({ maxLength: 64 })),
    description: Description
  }),
  filters: ['category', 'language', 'api', 'status']
})


/** A user of the organisation (YugabyteDB seed: users hold Platform roles; their keys act with them). */
export const users = defineResource({
  collection: 'users',
  entityName: 'user',
  permission: 'admin',
  name: Type.String({ format: 'email', minLength: 3, maxLength: 254, description: 'The user\'s e-mail address' }),
  fields: Type.Object({
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, maxItems: ROLES.length, uniqueItems: true })
  }),
  filters: ['displayName'],
  hooks: {
    beforeWrite: async ({ entity, previous, store }) => {
      if (previous !== undefined && previous.roles.includes('ORG_OWNER') && !entity.roles.includes('ORG_OWNER')) {
        await assertOwnerRemains(store, { user: { next: { name: entity.name, roles: entity.roles } } }, `Taking ORG_OWNER from user ${entity.name}`)
      }
    },
    // Deleting a user revokes its keys at once, in the same transaction.
    beforeDelete: async ({ entity, store }) => {
      for (;;) {
        const { items } = await store.list('apiKeys', { limit: 500, filter: { user: entity.name } })
        if (items.length === 0) break
        for (const key of items) await deleteKeyAndUsage(store, key.id)
      }
      await assertOwnerRemains(store, { user: { removedName: entity.name } }, `Deleting user ${entity.name}`)
    }
  }
})

/** Delete an API key and the usage statistics of its access list. */
async function deleteKeyAndUsage (store: Store, keyId: string): Promise<void> {
  await deleteUsageOf(store, keyId)
  await store.delete('apiKeys', keyId)
}

/**
 * API keys. The server makes the public key (`name`) and the private key; only the HA1 hashes
 * (RFC 7616 §3.4.2: MD5, SHA-256, SHA-512-256) are stored, in a hidden field, and the private
 * key is answered once, in the POST's 201. A caller from code may give both as `context` (the
 * bootstrap key). A key may belong to a user (`user`): it then acts with the roles both have.
 * Its access list is kept in normal form (Atlas entries; `apiKeys/{id}/accessList`).
 */
export const apiKeys = defineResource({
  collection: 'apiKeys',
  entityName: 'apiKey',
  name: false,
  permission: 'admin',
  fields: Type.Object({
    description: Description,
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, maxItems: ROLES.length, uniqueItems: true }),
    user: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'The e-mail of the user the key belongs to; it acts with the roles both have' })),
    accessList: Type.Array(AccessListEntrySchema, { maxItems: MAX_ACCESS_LIST_ENTRIES, default: [] })
  }),
  readOnlyFields: Type.Object({ publicKey: Type.String({ minLength: 8, maxLength: 64, pattern: '^[a-z0-9]{8,64}$' }) }),
  hiddenFields: Type.Object({
    ha1: Type.Record(Type.String(), Type.String()),
    accessListCreatedAt: Type.Record(Type.String(), Type.String())
  }),
  oneTimeFields: Type.Object({ privateKey: Type.String({ format: 'uuid', maxLength: 36, description: 'Shown once, in this answer; only its HA1 is kept' }) }),
  filters: ['user'],
  hooks: {
    beforeCreate: ({ entity, context }) => {
      const publicKey = typeof context?.publicKey === 'string' ? context.publicKey : randomPublicKey()
      const privateKey = typeof context?.privateKey === 'string' ? context.privateKey : randomUUID()
      if (!PUBLIC_KEY_PATTERN.test(publicKey)) throw new Error('publicKey must be 8 to 64 lowercase letters or digits')
      entity.name = publicKey
      entity.publicKey = publicKey
      // The HA1 of every hash function (RFC 7616 §3.4.2; a -sess algorithm uses its hash
      // function's), so the algorithms offered can change without rotating keys.
      entity.ha1 = keyHA1(publicKey, privateKey)
      return { privateKey }
    },
    beforeWrite: async ({ entity, previous, store }) => {
      const { accessList, createdAt } = normalizeAccessList(entity.accessList, previous?.accessListCreatedAt ?? {})
      entity.accessList = accessList
      entity.accessListCreatedAt = createdAt
      if (entity.user !== undefined) {
        const user = await store.getByName('users', entity.user)
        if (user === undefined) throw withParameters(new InvalidKeyUserError(`User "${entity.user}" does not exist`), ['/user'])
        const missing = entity.roles.filter((r) => !(user.roles as string[]).includes(r))
        if (missing.length > 0) throw withParameters(new InvalidKeyUserError(`User "${entity.user}" does not have ${missing.join(', ')}; a key cannot have more than its user`), ['/roles', ...missing])
      }
      const wasOwner = previous?.roles.includes('ORG_OWNER') === true
      if (wasOwner && (!entity.roles.includes('ORG_OWNER') || entity.user !== previous?.user)) {
        await assertOwnerRemains(store, { key: { next: { id: entity.id, roles: entity.roles, ...(entity.user !== undefined ? { user: entity.user } : {}) } } }, `Changing API key ${entity.name}`)
      }
    },
    beforeDelete: async ({ entity, store }) => {
      if (entity.roles.includes('ORG_OWNER')) await assertOwnerRemains(store, { key: { removedId: entity.id } }, `Deleting API key ${entity.name}`)
      await deleteUsageOf(store, entity.id)
    }
  }
})

/** The HA1 of every hash function for a key (RFC 7616 §3.4.2): what is stored instead of the private key. */
export function keyHA1 (publicKey: string, privateKey: string): Record<string, string> {
  return Object.fromEntries(HA1_HASHES.map((hash) => [hash, computeHA1(hash, publicKey, REALM, privateKey)]))
}

function randomPublicKey (): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(16), (b) => alphabet[b % 36]).join('')
}

/** Every resource of the example, parents before children. */
export const RESOURCES: AnyResourceDefinition[] = [catalogs, databases, tables, columns, integrations, users, apiKeys, tasks]
