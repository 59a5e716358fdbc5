/**
 * Declaring a resource: a collection name, the TypeBox schema of its writable fields, and
 * its place in the hierarchy. Everything else (create-request schema, entity schema, patch
 * schema, response schemas, list query, TypeScript types) is derived, so one declaration
 * serves validation, serialization, the OpenAPI document and the app's types.
 * Seeds: OpenMetadata "URI", "Resource representation"; StarRocks "Target Object Access Path".
 */
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import type { Store, StoredEntity } from './store.js'
import type { ResourceAction } from './actions.js'

/** The operations a resource can offer; all by default. */
export type Operation = 'list' | 'get' | 'create' | 'put' | 'patch' | 'delete'

/** `{id, name, fullyQualifiedName}`: how a stored entity points at its parent (the `href` is added when answered). */
export interface StoredReference { id: string, name: string, fullyQualifiedName: string }

/**
 * The stored fields of a resource declared with writable fields `F`, read-only fields `R`,
 * hidden fields `H` and a parent reference in field `P`.
 */
export type EntityFields<F extends TProperties, R extends TProperties, H extends TProperties, P extends string> =
  Static<TObject<F>> & Partial<Static<TObject<R>>> & Partial<Static<TObject<H>>> & { [K in P]?: StoredReference }

/** The own (non-key) stored fields of a declared resource. */
export type FieldsOf<D> = D extends ResourceDefinition<infer F, infer R, infer H, infer P, infer _O>
  ? EntityFields<F, R, H, P>
  : never

/** An entity of a declared resource as stored: key fields plus its own fields, typed from the declaration. */
export type Entity<D> = StoredEntity<FieldsOf<D>>

/** The validated create request of a declared resource (`name`, the parent's fullyQualifiedName, the writable fields). */
export type CreateInput<D> = D extends ResourceDefinition<infer F, infer _R, infer _H, infer P, infer _O>
  ? Static<TObject<F>> & { name?: string } & { [K in P]?: string }
  : never

/** What `hooks.beforeCreate` receives. */
export interface CreateContext<E, I> {
  /** The entity about to be stored; the hook may set fields on it (generated, read-only or hidden ones). */
  entity: E
  /** The validated create request. */
  input: Readonly<I>
  /** The parent entity, for a resource with a parent. */
  parent: StoredEntity | undefined
  /** The store, inside the create's transaction. */
  store: Store
  /** The HTTP request, when the create came through one. */
  request?: FastifyRequest
  /** What a caller from code passed as `options.context` (e.g. key material for a bootstrap key); absent for HTTP requests. */
  context?: Readonly<Record<string, unknown>>
}

/** What `hooks.beforeWrite` receives. */
export interface WriteContext<E> {
  /** The entity about to be stored (create, replace or patch); the hook may change it or throw a 4xx. */
  entity: E
  /** The stored version before this write; absent on create. */
  previous?: E
  /** The store, inside the write's transaction. */
  store: Store
  /** The HTTP request, when the write came through one. */
  request?: FastifyRequest
  /** What a caller from code passed as `options.context`; absent for HTTP requests. */
  context?: Readonly<Record<string, unknown>>
}

/** Hooks a resource may declare; every one runs inside the write's transaction. */
export interface ResourceHooks<E, I, O> {
  /**
   * Runs before a new entity is stored (POST, and PUT when it creates). May set fields on
   * `ctx.entity`; may return the `oneTimeFields`, shown in the 201 answer only (e.g. a generated secret).
   */
  beforeCreate? (ctx: CreateContext<E, I>): Promise<O | undefined | void> | O | undefined | void
  /**
   * Runs before every write of an entity (create, PUT replace, PATCH), after schema validation:
   * the place for checks a schema cannot express. Throw a 4xx error to refuse; nothing is stored.
   */
  beforeWrite? (ctx: WriteContext<E>): Promise<void> | void
  /**
   * Runs before an entity is deleted, inside the delete's transaction (children of a recursive
   * delete included): refuse with a 4xx (e.g. the last owner), or delete what depends on it.
   */
  beforeDelete? (ctx: { entity: E, store: Store, request?: FastifyRequest }): Promise<void> | void
}

/**
 * A resource declaration. The type parameters are inferred from the schemas given, so the
 * hooks, the store and the service see the declared fields (a misspelt field is a compile error).
 * @typeParam F - writable fields; R - read-only fields; H - hidden fields; P - the parent field name; O - one-time fields.
 */
export interface ResourceDefinition<
  F extends TProperties = TProperties,
  R extends TProperties = {},
  H extends TProperties = {},
  P extends string = never,
  O extends TProperties = {}
> {
  /** The collection: plural camelCase, used as the URL segment (`tables`, `apiKeys`). */
  collection: string
  /** Singular name used in messages. Default: `collection` without a trailing "s". */
  entityName?: string
  /** The writable fields (TypeBox object); `Type.Optional` marks optional ones; `default`s are applied on create. */
  fields: TObject<F>
  /** Server-set fields shown in the entity but never accepted from clients (set them in `hooks.beforeCreate`). */
  readOnlyFields?: TObject<R>
  /** Stored but never answered (e.g. an API key's HA1): left out of every response schema. */
  hiddenFields?: TObject<H>
  /** Fields answered once, in the 201 of a create (e.g. a generated private key), returned by `hooks.beforeCreate`. */
  oneTimeFields?: TObject<O>
  /**
   * The schema of `name`. Default: {@link NameSchema}, 1-256 letters, digits, `_` or `-` (no
   * dots: `.` separates fullyQualifiedName parts). `false`: clients do not send a name;
   * `hooks.beforeCreate` sets `entity.name`.
   */
  name?: TSchema | false
  /** The parent: the create request names it by fullyQualifiedName in `field`; the entity carries a reference there. */
  parent?: { field: P, collection: string }
  /** Expose `fullyQualifiedName` (always true for a resource with a parent). Default false. */
  fullyQualifiedName?: boolean
  /** Permission group: reads need `<group>:read`, writes `<group>:write` (enforced by `@platform-api/auth`). */
  permission?: string
  /** Fields usable as equality filters in the list query string. */
  filters?: Array<NoInfer<(keyof F | keyof R) & string>>
  /** Offered operations. Default: all (`put` only when clients send the name). */
  operations?: Operation[]
  /** When embedded in the parent with `?fields=<collection>`, sort by this numeric field instead of the name. */
  embedOrder?: NoInfer<(keyof F | keyof R) & string>
  /**
   * Action routes, `/{path}/{action}` (StarRocks "API Format": an action only where no HTTP
   * method says it), declared and permission-checked like every other route, e.g. `tables/create`
   * from SQL or `databases/{id}/import`.
   */
  actions?: ResourceAction[]
  /**
   * `Idempotency-Key` on this resource's POST routes (create and POST actions): `optional`,
   * `required` (400 `IDEMPOTENCY_KEY_MISSING` without it) or `false` (ignored). Default: the
   * plugin's `idempotencyKey` option.
   */
  idempotencyKey?: 'optional' | 'required' | false
  /** Lifecycle hooks. */
  hooks?: ResourceHooks<StoredEntity<EntityFields<F, R, H, P>>, Static<TObject<F>> & { name?: string } & { [K in P]?: string }, Static<TObject<O>>>
}

/**
 * Any resource declaration, whatever its fields (for registries and code that serves every
 * resource alike). Declared with `any` so that a typed declaration is assignable to it
 * whatever its hook signatures.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyResourceDefinition = ResourceDefinition<any, any, any, any, any>

/**
 * Declare a resource. Returns the declaration unchanged, with its field types kept:
 * `Entity<typeof tables>` is the stored entity, and the hooks are checked against it.
 */
export function defineResource<
  F extends TProperties,
  R extends TProperties = {},
  H extends TProperties = {},
  P extends string = never,
  O extends TProperties = {}
> (definition: ResourceDefinition<F, R, H, P, O>): ResourceDefinition<F, R, H, P, O> {
  return definition
}

/** Fields every entity has and no client sets. */
export const COMMON_READ_ONLY = ['id', 'href', 'fullyQualifiedName', 'createdAt', 'updatedAt', 'version'] as const

/** Longest default name, in characters. */
export const NAME_MAX_LENGTH = 256

/**
 * The one rule of every name field, added to whatever `name` schema a resource declares:
 * `x-name` (a keyword of the envelope's validator) refuses control, format, separator and
 * unassigned characters and stores the name in Unicode NFC.
 * @param schema a string schema.
 * @returns a copy of `schema` with the rule.
 */
export function withNameRule<S extends TSchema> (schema: S): S {
  return { ...schema, 'x-name': true }
}

/** The default `name` schema: 1-256 letters, digits, `_` or `-`, not starting with `-` (and {@link withNameRule}). */
export const NameSchema = withNameRule(Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH, pattern: '^[A-Za-z0-9_][A-Za-z0-9_-]*$' }))

/** `{id, name, fullyQualifiedName, href}`: how an entity points at its parent (OpenMetadata EntityReference). */
export const EntityReferenceSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  fullyQualifiedName: Type.String(),
  href: Type.String({ format: 'uri' })
}, { additionalProperties: false, title: 'EntityReference' })

/** The schemas derived from one declaration. */
export interface ResourceSchemas {
  /** POST/PUT body. */
  create: TObject
  /** The writable view a PATCH edits and is re-validated against. */
  patchable: TObject
  /** The entity as answered: every property, `id`, `name` and `href` required (`?fields` may leave the others out). */
  entity: TObject
  /** Names of the writable fields. */
  writable: string[]
  /** Names of every answered entity property, in answer order. */
  properties: string[]
  /** Names a client may not set. */
  readOnly: string[]
  /** Longest fullyQualifiedName, in characters. */
  maxFullyQualifiedNameLength: number
  /** Longest fullyQualifiedName once percent-encoded in a URL path (Fastify's `maxParamLength` must allow it). */
  maxEncodedFullyQualifiedNameLength: number
}

/** Longest name a name schema admits, and how long it can get percent-encoded (12 characters per code point outside the default pattern). */
function nameLengths (def: AnyResourceDefinition): { chars: number, encoded: number } {
  if (def.name === undefined) return { chars: NAME_MAX_LENGTH, encoded: NAME_MAX_LENGTH }
  const max = def.name === false ? NAME_MAX_LENGTH : (def.name as { maxLength?: number }).maxLength ?? NAME_MAX_LENGTH
  return { chars: max, encoded: max * 12 }
}

/**
 * Derive a resource's schemas.
 * @param parent the parent's schemas (for the length of fullyQualifiedName), when it has one.
 */
export function deriveSchemas (def: AnyResourceDefinition, parent?: ResourceSchemas): ResourceSchemas {
  const fields = def.fields.properties as TProperties
  const writable = Object.keys(fields)
  const readOnlyExtra = Object.keys(def.readOnlyFields?.properties ?? {})
  const hasFqn = def.parent !== undefined || def.fullyQualifiedName === true
  const readOnly = [...COMMON_READ_ONLY.filter((f) => f !== 'fullyQualifiedName' || hasFqn), ...readOnlyExtra]
  const createProps: TProperties = {}
  if (def.name !== false) createProps.name = withNameRule(def.name ?? NameSchema)
  if (def.parent !== undefined) {
    createProps[def.parent.field] = Type.String({ minLength: 1, maxLength: parent?.maxFullyQualifiedNameLength ?? 1024, description: `fullyQualifiedName of the ${String(def.parent.collection)} entity` })
  }
  Object.assign(createProps, fields)
  const create = Type.Object(createProps, { additionalProperties: false, 'x-read-only': def.name === false ? [...readOnly, 'name'] : readOnly })
  const patchable = Type.Object({ ...fields }, {
    additionalProperties: false,
    'x-read-only': [...readOnly, 'name', ...(def.parent !== undefined ? [def.parent.field] : [])]
  })
  const entityProps: TProperties = { id: Type.String({ format: 'uuid' }), name: Type.String() }
  if (hasFqn) entityProps.fullyQualifiedName = Type.String()
  entityProps.href = Type.String({ format: 'uri' })
  if (def.parent !== undefined) entityProps[def.parent.field] = EntityReferenceSchema
  Object.assign(entityProps, fields, def.readOnlyFields?.properties ?? {})
  entityProps.createdAt = Type.String({ format: 'date-time' })
  entityProps.updatedAt = Type.String({ format: 'date-time' })
  entityProps.version = Type.Integer({ minimum: 1 })
  const properties = Object.keys(entityProps)
  // In answers every property but id, name and href may be left out (`?fields`); defaults are for requests only.
  const answered: TProperties = {}
  for (const [key, schema] of Object.entries(entityProps)) {
    const { default: _default, ...rest } = schema as TSchema & { default?: unknown }
    answered[key] = key === 'id' || key === 'name' || key === 'href' ? rest as TSchema : Type.Optional(rest as TSchema)
  }
  const entity = Type.Object(answered, { additionalProperties: false, title: def.entityName ?? def.collection })
  const own = nameLengths(def)
  const maxFullyQualifiedNameLength = own.chars + (parent !== undefined ? parent.maxFullyQualifiedNameLength + 1 : 0)
  const maxEncodedFullyQualifiedNameLength = own.encoded + (parent !== undefined ? parent.maxEncodedFullyQualifiedNameLength + 1 : 0)
  return { create, patchable, entity, writable, properties, readOnly, maxFullyQualifiedNameLength, maxEncodedFullyQualifiedNameLength }
}
