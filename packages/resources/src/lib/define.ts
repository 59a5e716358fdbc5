/**
 * Declaring a resource: a collection name, the TypeBox schema of its writable fields, and
 * its place in the hierarchy. Everything else (create-request schema, entity schema, patch
 * schema, list query) is derived, so one declaration serves validation, serialization and types.
 * Seeds: OpenMetadata "URI", "Resource representation"; StarRocks "Target Object Access Path".
 */
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import type { Store, StoredEntity } from './store.js'

/** The operations a resource can offer; all by default. */
export type Operation = 'list' | 'get' | 'create' | 'put' | 'patch' | 'delete'

/** What `hooks.beforeCreate` receives. */
export interface CreateContext {
  /** The entity about to be stored; the hook may set fields on it (generated or hidden ones). */
  entity: StoredEntity
  /** The validated create request. */
  input: Readonly<Record<string, unknown>>
  /** The parent entity, for a resource with a parent. */
  parent: StoredEntity | undefined
  /** The store (inside the create's transaction). */
  store: Store
  /** The HTTP request, when the create came through one. */
  request?: FastifyRequest
}

/** Hooks a resource may declare. */
export interface ResourceHooks {
  /**
   * Runs before a new entity is stored (POST, and PUT when it creates). May set fields on
   * `ctx.entity`; may return fields shown once in the 201 answer only (e.g. a generated secret).
   */
  beforeCreate?: (ctx: CreateContext) => Promise<Record<string, unknown> | undefined | void> | Record<string, unknown> | undefined | void
  /**
   * Runs before every write of an entity (create, PUT replace, PATCH), after schema validation:
   * the place for checks a schema cannot express. Throw a 4xx error to refuse; nothing is stored.
   */
  beforeWrite?: (ctx: { entity: StoredEntity, store: Store, request?: FastifyRequest }) => Promise<void> | void
}

/** A resource declaration. */
export interface ResourceDefinition<F extends TProperties = TProperties> {
  /** The collection: plural camelCase, used as the URL segment (`tables`, `apiKeys`). */
  collection: string
  /** Singular name used in messages. Default: `collection` without a trailing "s". */
  entityName?: string
  /** The writable fields (TypeBox object); `Type.Optional` marks optional ones; `default`s are applied on create. */
  fields: TObject<F>
  /** Server-set fields shown in the entity but never accepted from clients (set them in `hooks.beforeCreate`). */
  readOnlyFields?: TObject
  /**
   * The schema of `name`. Default: 1-256 letters, digits, `_` or `-` (no dots: `.` separates
   * fullyQualifiedName parts). `false`: clients do not send a name; `hooks.beforeCreate` sets `entity.name`.
   */
  name?: TSchema | false
  /** The parent: the create request names it by fullyQualifiedName in `field`; the entity carries a reference there. */
  parent?: { field: string, collection: string }
  /** Expose `fullyQualifiedName` (always true for a resource with a parent). Default false. */
  fullyQualifiedName?: boolean
  /** Permission group: reads need `<group>:read`, writes `<group>:write` (see @platform-api/auth). */
  permission?: string
  /** Fields usable as equality filters in the list query string. */
  filters?: string[]
  /** Offered operations. Default: all (`put` only when clients send the name). */
  operations?: Operation[]
  /** When embedded in the parent with `?fields=<collection>`, sort by this numeric field instead of the name. */
  embedOrder?: string
  /** Lifecycle hooks. */
  hooks?: ResourceHooks
}

/** Identity function that keeps the field types of a declaration. */
export function defineResource<F extends TProperties> (definition: ResourceDefinition<F>): ResourceDefinition<F> {
  return definition
}

/** Fields every entity has and no client sets. */
export const COMMON_READ_ONLY = ['id', 'href', 'fullyQualifiedName', 'createdAt', 'updatedAt', 'version'] as const

/** The default `name` schema. */
export const NameSchema = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_][A-Za-z0-9_-]*$' })

/** `{id, name, fullyQualifiedName, href}`: how an entity points at its parent (OpenMetadata EntityReference). */
export const EntityReferenceSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  fullyQualifiedName: Type.String(),
  href: Type.String({ format: 'uri' })
}, { additionalProperties: false })

/** The schemas derived from one declaration. */
export interface ResourceSchemas {
  /** POST/PUT body. */
  create: TObject
  /** The writable view a PATCH edits and is re-validated against. */
  patchable: TObject
  /** The entity as answered (all properties; `?fields` may leave some out). */
  entity: TObject
  /** Names of the writable fields. */
  writable: string[]
  /** Names of every entity property, in answer order. */
  properties: string[]
  /** Names a client may not set. */
  readOnly: string[]
}

/** Derive a resource's schemas. */
export function deriveSchemas (def: ResourceDefinition): ResourceSchemas {
  const writable = Object.keys(def.fields.properties)
  const readOnlyExtra = Object.keys(def.readOnlyFields?.properties ?? {})
  const hasFqn = def.parent !== undefined || def.fullyQualifiedName === true
  const readOnly = [...COMMON_READ_ONLY.filter((f) => f !== 'fullyQualifiedName' || hasFqn), ...readOnlyExtra]
  const createProps: TProperties = {}
  if (def.name !== false) createProps.name = def.name ?? NameSchema
  if (def.parent !== undefined) createProps[def.parent.field] = Type.String({ minLength: 1, maxLength: 1024, description: `fullyQualifiedName of the ${def.parent.collection} entity` })
  Object.assign(createProps, def.fields.properties)
  const create = Type.Object(createProps, { additionalProperties: false, 'x-read-only': def.name === false ? [...readOnly, 'name'] : readOnly })
  const patchable = Type.Object({ ...def.fields.properties }, {
    additionalProperties: false,
    'x-read-only': [...readOnly, 'name', ...(def.parent !== undefined ? [def.parent.field] : [])]
  })
  const entityProps: TProperties = { id: Type.String({ format: 'uuid' }), name: Type.String() }
  if (hasFqn) entityProps.fullyQualifiedName = Type.String()
  entityProps.href = Type.String({ format: 'uri' })
  if (def.parent !== undefined) entityProps[def.parent.field] = EntityReferenceSchema
  Object.assign(entityProps, def.fields.properties, def.readOnlyFields?.properties ?? {})
  entityProps.createdAt = Type.String({ format: 'date-time' })
  entityProps.updatedAt = Type.String({ format: 'date-time' })
  entityProps.version = Type.Integer({ minimum: 1 })
  const entity = Type.Object(entityProps, { additionalProperties: false })
  return { create, patchable, entity, writable, properties: Object.keys(entityProps), readOnly }
}
