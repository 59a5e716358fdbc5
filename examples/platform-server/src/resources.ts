/**
 * The example's resources, declared once each (API-CONTRACT.md, "/api/v1"): the catalog
 * hierarchy of StarRocks / OpenMetadata, the integrations matrix of the YugabyteDB seed,
 * and API keys. CRUD comes from @platform-api/resources; only key generation is ours.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import { computeHA1, defineResource, parseAccessListEntry, type AnyResourceDefinition } from 'fastify-platform-api'
import { PUBLIC_KEY_PATTERN } from './config.js'
import { createTableFromSql } from './create-table.js'

/** The Digest realm of the example server; HA1 hashes are bound to it. */
export const REALM = 'platform-api'

/** The roles of the contract. */
export const ROLES = ['ORG_OWNER', 'ORG_MEMBER', 'ORG_READ_ONLY'] as const

const Description = Type.Optional(Type.String({ maxLength: 1024 }))

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
  fields: Type.Object({ description: Description })
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
    ordinalPosition: Type.Optional(Type.Integer({ minimum: 1, description: '1-based position in the table; default: after the last column' })),
    description: Description
  }),
  filters: ['dataType', 'nullable'],
  hooks: {
    beforeCreate: async ({ entity, parent, store }) => {
      if (entity.ordinalPosition === undefined && parent !== undefined) {
        entity.ordinalPosition = (await store.list('columns', { parentId: parent.id, limit: 1 })).total + 1
      }
    }
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

/** An access list entry as clients send it (Atlas names). */
export const AccessListEntrySchema = Type.Object({
  ipAddress: Type.Optional(Type.String({ maxLength: 64 })),
  cidrBlock: Type.Optional(Type.String({ maxLength: 64 })),
  comment: Type.Optional(Type.String({ maxLength: 256 })),
  deleteAfterDate: Type.Optional(Type.String({ maxLength: 64, description: 'ISO-8601; without a zone, UTC' }))
}, { additionalProperties: false })

/**
 * API keys. The server makes the public key (`name`) and the private key; only the HA1 hash
 * (RFC 7616 §3.4.2) is stored, in a hidden field, and the private key is answered once, in
 * the POST's 201. A caller from code may give both as `context` (the bootstrap key).
 */
export const apiKeys = defineResource({
  collection: 'apiKeys',
  entityName: 'apiKey',
  name: false,
  permission: 'admin',
  fields: Type.Object({
    description: Description,
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1, uniqueItems: true }),
    accessList: Type.Array(AccessListEntrySchema, { maxItems: 200, default: [] })
  }),
  readOnlyFields: Type.Object({ publicKey: Type.String() }),
  hiddenFields: Type.Object({ ha1: Type.Record(Type.String(), Type.String()) }),
  oneTimeFields: Type.Object({ privateKey: Type.String({ description: 'Shown once, in this answer; only its HA1 is kept' }) }),
  hooks: {
    beforeCreate: ({ entity, context }) => {
      const publicKey = typeof context?.publicKey === 'string' ? context.publicKey : randomPublicKey()
      const privateKey = typeof context?.privateKey === 'string' ? context.privateKey : randomUUID()
      if (!PUBLIC_KEY_PATTERN.test(publicKey)) throw new Error('publicKey must be 8 to 64 lowercase letters or digits')
      entity.name = publicKey
      entity.publicKey = publicKey
      entity.ha1 = { 'SHA-256': computeHA1('SHA-256', publicKey, REALM, privateKey) }
      return { privateKey }
    },
    beforeWrite: ({ entity }) => {
      entity.accessList.forEach((entry) => { parseAccessListEntry(entry) })
    }
  }
})

function randomPublicKey (): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  return Array.from(randomBytes(16), (b) => alphabet[b % 36]).join('')
}

/** Every resource of the example, parents before children. */
export const RESOURCES: AnyResourceDefinition[] = [catalogs, databases, tables, columns, integrations, apiKeys]
