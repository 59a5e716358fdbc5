/**
 * The HTTP routes of one resource, in the path scheme of the API version:
 * - `flat` (OpenMetadata "HTTP methods"; API-CONTRACT.md "/api/v1"): `/{collection}`,
 *   `/{collection}/{id}`, `/{collection}/name/{fullyQualifiedName}`;
 * - `nested` (StarRocks "Target Object Access Path"; API-CONTRACT.md "/api/v2"):
 *   `/catalogs/{catalog}/databases/{database}/...`, names in the path.
 * List (cursor or page mode), get, POST, PUT, PATCH, DELETE, declared actions; HEAD comes
 * with every GET. Every route declares its request and `response` schemas, derived from the
 * declaration (validation, fast-json-stringify serialization and the OpenAPI document come
 * from them), and reaches its handler typed through the TypeBox type provider.
 */
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidAttributeError, withParameters } from '@platform-api/envelope'
import { InvalidCursorError, ListResponseSchema, PageResponseSchema } from '@platform-api/pagination'
import { EntityNotFoundError, InvalidResourceError, ResponseTooLargeError } from '../errors.js'
import type { ActionContext, ActionResult, ResourceAction } from './actions.js'
import { etagOf, ifAbsent, ifMatch, readPreconditions } from './conditional.js'
import { idempotencyHeaderSchema, idempotencyResponses, idempotent, type IdempotencySettings } from './idempotency.js'
import { NAME_CHARACTERS_PATTERN, NameSchema } from './define.js'
import type { EntityJsonCache } from './entity-cache.js'
import { EntityPresenter, pathSegment, type LinkTarget, type PathScheme } from './links.js'
import { mediaType, requireMediaType } from './media-type.js'
import { JSON_PATCH, MERGE_PATCH, jsonPatchSchema } from './patch.js'
import { MAX_EMBEDDED, type DeleteMissingPolicy, type ListPage, type PutPolicy, type ResourceRegistry, type ResourceService } from './service.js'
import type { Store, StoredEntity } from './store.js'
import type { TaskRunner } from './tasks.js'

/** What the routes need from the plugin registration (one API version). */
export interface RouteOptions {
  /** The registry the services come from. */
  registry: ResourceRegistry
  /** Absolute base of hrefs, e.g. `https://api.example.com/api/v1`, without a trailing slash (a function: resolved on first use). */
  baseUrl: string | (() => string)
  /** Longest JSON Patch document, in operations. */
  maxPatchOperations: number
  /** PUT on an existing entity. */
  put: PutPolicy
  /** DELETE of an absent entity. */
  deleteMissing: DeleteMissingPolicy
  /** Path scheme of this version. */
  scheme: PathScheme
  /** List pagination of this version: `cursor` (`limit`/`before`/`after`) or `page` (`pageNum`/`itemsPerPage`). */
  pagination: 'cursor' | 'page'
  /** Media types PATCH takes as a JSON merge patch (RFC 7396), e.g. also `application/json` (StarRocks). */
  mergePatchTypes: readonly string[]
  /** The presenter of every collection served here (embedding and actions render other collections). */
  presenters: Map<string, EntityPresenter>
  /** Prefix of every `operationId` of this version (e.g. `v2` -> `v2ListTables`); '' for none. */
  operationIdPrefix: string
  /** The task runner of this version, handed to actions. */
  tasks: TaskRunner | undefined
  /** The answered JSON of entities of this version, per version of each entity. */
  cache: EntityJsonCache
  /** `Idempotency-Key` on POST (a resource's `idempotencyKey` overrides the mode). */
  idempotency: IdempotencySettings
  /** Largest GET answer, in bytes of JSON (see the plugin option). */
  maxResponseBytes: number
}

/** Bytes kept free under `maxResponseBytes` for what surrounds the items (`paging`, a status envelope). */
const WRAPPER_ROOM_BYTES = 4096

/**
 * The longest prefix of `items` whose JSON fits in `maxBytes` (with room for the wrapper).
 * @returns how many items fit (0 when even the first does not).
 */
function itemsThatFit (items: readonly unknown[], maxBytes: number): number {
  let bytes = WRAPPER_ROOM_BYTES
  for (let i = 0; i < items.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(items[i])) + 1
    if (bytes > maxBytes) return i
  }
  return items.length
}

/** {@link itemsThatFit} for items already serialized (the entity cache's texts): no second serialization. */
function textsThatFit (texts: readonly string[], maxBytes: number): number {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: most pages fit without counting bytes.
  let chars = WRAPPER_ROOM_BYTES
  for (const text of texts) chars += text.length * 3 + 1
  if (chars <= maxBytes) return texts.length
  let bytes = WRAPPER_ROOM_BYTES
  for (let i = 0; i < texts.length; i++) {
    bytes += Buffer.byteLength(texts[i] as string) + 1
    if (bytes > maxBytes) return i
  }
  return texts.length
}

/** The content type Fastify gives a serialized JSON answer; set on answers sent as text. */
const JSON_TYPE = 'application/json; charset=utf-8'

/** Whether `skeleton` (a serialized object) starts with its property `property` as an empty array. */
function startsWithEmptyArray (skeleton: string, property: string): boolean {
  const head = `{"${property}":[`
  return skeleton.startsWith(head) && skeleton.charCodeAt(head.length) === 0x5d /* ] */
}

/** `skeleton` (see {@link startsWithEmptyArray}) with the serialized elements `texts` in that array. */
function spliceFirstArray (skeleton: string, property: string, texts: readonly string[]): string {
  if (texts.length === 0) return skeleton
  const head = `{"${property}":[`
  // One join makes the one flat string the socket gets (no concatenation copied again on write).
  const parts = texts.slice()
  parts[0] = head + (parts[0] as string)
  parts[parts.length - 1] += skeleton.slice(head.length)
  return parts.join(',')
}

/** Whether two lists hold the same texts (the same cached strings: compared by reference first). */
function sameTexts (a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Longest list answer a list route keeps to answer again, in characters. */
const MAX_REPEATED_LIST_CHARS = 1 << 20

type Serialize = (value: unknown) => string

/** Most children embedded in one list answer, over all its items. */
export const MAX_EMBEDDED_PER_ANSWER = 10_000

/** How many children of one collection an answer embeds (a `paging`-style signal when cut). */
const EmbeddedCountSchema = Type.Object({
  total: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Children in the store' }),
  returned: Type.Integer({ minimum: 0, maximum: MAX_EMBEDDED, description: 'Children in this answer' }),
  truncated: Type.Boolean({ description: 'true when returned < total: list the children collection with a parent filter and cursors for the rest' })
}, { additionalProperties: false })
type EmbeddedCount = Static<typeof EmbeddedCountSchema>

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

/** The seed rule each operation follows, per path scheme and policy, for the API documentation. */
const RULES = {
  listCursor: 'OpenMetadata "Listing entities": cursor pagination (limit, before, after), answer {data, paging: {before, after, total}}; equality filters on declared fields.',
  listPage: 'StarRocks "Selection of HTTP Method": GET lists the objects of a category; page mode (pageNum 1-based, itemsPerPage), answer {items, pageNum, itemsPerPage, totalCount}; a page past the end is empty.',
  getFlat: 'OpenMetadata: GET /{collection}/{id}; ETag from the version, If-None-Match answers 304; ?fields selects fields and embeds children.',
  getByName: 'OpenMetadata: GET /{collection}/name/{fullyQualifiedName}.',
  getNested: 'StarRocks "Target Object Access Path": GET shows one object, named by its path.',
  createFlat: 'YugabyteDB "HTTP methods": POST creates; 201 with Location and the entity; 409 DUPLICATE_NAME when the name exists in the parent.',
  createNested: 'StarRocks: POST creates (not idempotent); 201 with the object URI; a repeated creation fails with 409.',
  upsert: 'OpenMetadata: PUT creates (201) or replaces (200) the entity with the same parent and name; If-Match guards the replace.',
  createIfAbsent: 'StarRocks: PUT is the CREATE IF NOT EXISTS of POST: 201 when created, 200 with the entity unchanged when it existed.',
  patch: 'OpenMetadata: PATCH with JSON Patch (RFC 6902, application/json-patch+json) or JSON Merge Patch (RFC 7396); read-only paths and results that break the schema are 400.',
  patchNested: 'StarRocks: PATCH takes only the partial information to change (merge patch, application/json), or a JSON Patch.',
  deleteNotFound: 'OpenMetadata: DELETE answers the deleted entity; 404 when absent; 409 ENTITY_NOT_EMPTY while children exist unless ?recursive=true.',
  deleteOk: 'StarRocks: DELETE has DROP IF EXISTS semantics: success (result null) when absent; 409 ENTITY_NOT_EMPTY while children exist unless ?recursive=true.'
} as const

const IdParams = Type.Object({ id: Type.String({ format: 'uuid', maxLength: 36 }) }, { additionalProperties: false })
const FIELDS_PATTERN = '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$'
/** Write routes take no query parameters; an unknown one is 400 rather than silently ignored. */
const NoQuery = Type.Object({}, { additionalProperties: false })
/** The entity (or parent) a nested path names, as path parameters: one name per level. */
type NameParamsOf = Record<string, string>

/** The presenter of a collection in one API version. */
export function createPresenter (registry: ResourceRegistry, service: ResourceService, baseUrl: string | (() => string), scheme: PathScheme): EntityPresenter {
  const chain = registry.ancestry(service.collection).map((s) => s.collection)
  return new EntityPresenter(chain, service.schemas, baseUrl, scheme, service.definition.parent?.field)
}

/** Register the routes of `service` on `fastify` (whose prefix is the API version). */
export function registerResourceRoutes (fastify: FastifyInstance, service: ResourceService, options: RouteOptions): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { registry, scheme } = options
  const def = service.definition
  const ops = new Set(def.operations ?? ['list', 'get', 'create', 'put', 'patch', 'delete'])
  if (def.name === false) ops.delete('put')
  // `config.permission` is enforced by the authorization (@platform-api/auth); the envelope refuses to boot without one.
  const permission = (access: 'read' | 'write'): FastifyContextConfig => def.permission !== undefined ? { permission: `${def.permission}:${access}` } : {}
  const read = permission('read')
  const write = permission('write')
  const presenter = options.presenters.get(service.collection) as EntityPresenter
  const embeddable = new Map(service.children.filter((c) => options.presenters.has(c.collection)).map((c) => [c.collection, { service: c, presenter: options.presenters.get(c.collection) as EntityPresenter }]))
  const selectable = new Set([...service.schemas.properties, ...embeddable.keys()])
  const responses = fastify.envelope.responses
  const Entity = capitalize(service.entityName)
  const Entities = capitalize(def.collection)
  const doc = (operation: string, summary: string, description: string): { operationId: string, summary: string, description: string, tags: string[] } => ({
    operationId: options.operationIdPrefix === '' ? operation : `${options.operationIdPrefix}${capitalize(operation)}`,
    summary,
    description,
    tags: [def.collection]
  })

  // Where this resource lives in the URL space.
  const ancestry = registry.ancestry(service.collection)
  const parentField = def.parent?.field
  let collectionPath: string
  let itemPath: string
  let collectionParams: TObject | undefined
  let itemParams: TObject
  if (scheme === 'flat') {
    collectionPath = `/${def.collection}`
    itemPath = `/${def.collection}/:id`
    itemParams = IdParams
  } else {
    for (const s of ancestry) {
      if (s.definition.name !== undefined) throw new InvalidResourceError(`${s.collection}: the nested path scheme needs the default name schema (names without ".", which separates fullyQualifiedName parts)`)
    }
    const param = (s: ResourceService): string => s.entityName
    const ancestors = ancestry.slice(0, -1)
    collectionPath = ancestors.map((s) => `/${pathSegment(s.collection, 'nested')}/:${param(s)}`).join('') + `/${pathSegment(def.collection, 'nested')}`
    itemPath = `${collectionPath}/:${param(service)}`
    const nameProps = (list: ResourceService[]): TProperties => Object.fromEntries(list.map((s) => [param(s), { ...NameSchema, description: `name of the ${s.entityName}` }]))
    collectionParams = ancestors.length > 0 ? Type.Object(nameProps(ancestors), { additionalProperties: false }) : undefined
    itemParams = Type.Object(nameProps(ancestry), { additionalProperties: false })
  }
  const fqnOf = (params: NameParamsOf, list: ResourceService[]): string => list.map((s) => params[s.entityName]).join('.')
  /** The parent a nested collection path names. @throws ENTITY_NOT_FOUND (404) */
  const parentOf = async (params: NameParamsOf): Promise<StoredEntity | undefined> => {
    if (scheme === 'flat' || ancestry.length < 2) return undefined
    const parent = ancestry[ancestry.length - 2] as ResourceService
    return await parent.getByName(fqnOf(params, ancestry.slice(0, -1)))
  }
  /** The entity an item path names (by id, or by names in the nested scheme); undefined when absent. */
  // The store's own promise, not wrapped in another async function (issue 12: CPU per request);
  // every caller awaits it inside an async function, so a throw still becomes a rejection.
  const findItem = (params: NameParamsOf): Promise<StoredEntity | undefined> => {
    return scheme === 'flat'
      ? registry.store.get(def.collection, params.id as string)
      : registry.store.getByName(def.collection, fqnOf(params, ancestry))
  }
  const getItem = async (params: NameParamsOf): Promise<StoredEntity> => {
    const found = await findItem(params)
    if (found === undefined) throw new EntityNotFoundError(service.entityName, scheme === 'flat' ? String(params.id) : fqnOf(params, ancestry))
    return found
  }

  // The entity as answered: its properties, and the children `?fields` may embed.
  const answered = Type.Object({
    ...service.schemas.entity.properties,
    ...Object.fromEntries([...embeddable].map(([name, child]) => [name, Type.Optional(Type.Array(child.service.schemas.entity, { maxItems: MAX_EMBEDDED }))])),
    ...(embeddable.size > 0 ? { embedded: Type.Optional(Type.Object(Object.fromEntries([...embeddable.keys()].map((name) => [name, Type.Optional(EmbeddedCountSchema)])), { additionalProperties: false, description: 'Per embedded collection: how many children there are and how many this answer holds (truncated: true when cut)' })) } : {})
  }, { additionalProperties: false, title: service.schemas.entity.title })
  const withOneTime = def.oneTimeFields !== undefined
    ? Type.Object({ ...answered.properties, ...(def.oneTimeFields as TObject).properties }, { additionalProperties: false })
    : answered
  // Answers in the plain style are sent as JSON text from the per-version cache; the status
  // style's wrapper is added by the envelope to objects, so that style keeps the object path.
  const cached = options.cache.enabled && fastify.envelope.style === 'plain'
  /** The answered JSON of `entity`: presented, then serialized from `answered` by this route's serializer compiler; cached per version. */
  const entityJson = (reply: FastifyReply, entity: StoredEntity): string =>
    options.cache.json(def.collection, entity, (e) => (reply.compileSerializationSchema(answered, '200') as Serialize)(presenter.present(e)))
  // The last list answer made (of any query), and what it was made of: while the page's
  // paging and every entity's cached text are the same, it is answered again without a copy.
  let lastList: { skeleton: string, texts: string[], text: string } | undefined
  /**
   * A whole list answer as text, or `undefined` when not served from the cache (`?fields`,
   * status style): the route's own 200 serializer writes the page around an empty `property`
   * array, which the entities' cached JSON then fills.
   */
  const listText = (reply: FastifyReply, property: 'data' | 'items', page: Record<string, unknown>, texts: string[]): string | undefined => {
    const serialize = reply.getSerializationFunction('200') as Serialize | undefined
    if (serialize === undefined) return undefined
    const skeleton = serialize({ [property]: [], ...page })
    if (!startsWithEmptyArray(skeleton, property)) return undefined
    reply.type(JSON_TYPE)
    const last = lastList
    if (last !== undefined && last.skeleton === skeleton && sameTexts(last.texts, texts)) return last.text
    const text = spliceFirstArray(skeleton, property, texts)
    lastList = text.length <= MAX_REPEATED_LIST_CHARS ? { skeleton, texts, text } : undefined
    return text
  }
  /** The entities' cached JSON, or `undefined` when the answer is not served from the cache (`?fields`, status style). */
  const cachedTexts = (reply: FastifyReply, fields: Set<string> | undefined, items: StoredEntity[]): string[] | undefined =>
    cached && fields === undefined ? items.map((e) => entityJson(reply, e)) : undefined
  const fieldsQuery = Type.Optional(Type.String({ maxLength: 1024, pattern: FIELDS_PATTERN, description: `Comma-separated fields to answer besides id, name and href: ${[...selectable].join(', ')}` }))
  // In the nested scheme the parent comes from the path, never from the body.
  const createBody = scheme === 'nested' && parentField !== undefined
    ? Type.Object(Object.fromEntries(Object.entries(service.schemas.create.properties).filter(([k]) => k !== parentField)), { additionalProperties: false, 'x-read-only': [...(service.schemas.create['x-read-only'] as string[]), parentField] })
    : service.schemas.create
  const withParent = async (body: Record<string, unknown>, params: NameParamsOf): Promise<Record<string, unknown>> => {
    if (scheme === 'flat' || parentField === undefined) return body
    const parent = await parentOf(params)
    return { ...body, [parentField]: (parent as StoredEntity).fullyQualifiedName }
  }

  const parseFields = (raw: string | undefined): Set<string> | undefined => {
    if (raw === undefined) return undefined
    const names = raw.split(',')
    const unknown = names.filter((n) => !selectable.has(n))
    if (unknown.length > 0) {
      throw withParameters(new InvalidAttributeError(`Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in ?fields; known: ${[...selectable].join(', ')}`), unknown)
    }
    return new Set(names)
  }

  /**
   * The entity as answered, with the children named in `fields` embedded: at most
   * MAX_EMBEDDED per collection, and at most `budget.left` over a whole list answer; the
   * `embedded` field says, per collection, how many there are and how many were answered.
   */
  const present = async (entity: StoredEntity, fields?: ReadonlySet<string>, budget: { left: number } = { left: MAX_EMBEDDED }): Promise<Record<string, unknown>> => {
    const out = presenter.present(entity, fields)
    if (fields !== undefined) {
      const counts: Record<string, EmbeddedCount> = {}
      for (const [name, child] of embeddable) {
        if (!fields.has(name)) continue
        const cap = Math.min(MAX_EMBEDDED, budget.left)
        const { items, total } = await registry.store.list(child.service.collection, { parentId: entity.id, limit: Math.max(cap, 1) })
        const kept = cap > 0 ? items : []
        const order = child.service.definition.embedOrder
        if (order !== undefined) kept.sort((a, b) => Number(a[order] ?? 0) - Number(b[order] ?? 0))
        budget.left -= kept.length
        out[name] = kept.map((item) => child.presenter.present(item, undefined, true))
        counts[name] = { total, returned: kept.length, truncated: kept.length < total }
      }
      if (Object.keys(counts).length > 0) out.embedded = counts
    }
    return out
  }
  const presentAll = async (items: StoredEntity[], fields: Set<string> | undefined): Promise<unknown[]> => {
    if (fields === undefined || ![...embeddable.keys()].some((name) => fields.has(name))) return items.map((e) => presenter.present(e, fields))
    // One budget for the whole answer, spent in order (a list of 1,000 tables does not embed a million columns).
    const budget = { left: MAX_EMBEDDED_PER_ANSWER }
    const out: unknown[] = []
    for (const e of items) out.push(await present(e, fields, budget))
    return out
  }

  if (ops.has('list')) {
    const filterProps: TProperties = {}
    if (scheme === 'flat' && def.parent !== undefined) filterProps[def.parent.field] = Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: NAME_CHARACTERS_PATTERN, description: `fullyQualifiedName of the parent ${String(def.parent.collection)} entity` }))
    for (const f of def.filters ?? []) {
      const schema = (def.fields.properties as TProperties)[f] ?? (def.readOnlyFields?.properties as TProperties | undefined)?.[f]
      if (schema !== undefined) {
        // A field's default applies on create, never to a filter the client did not give.
        const { default: _unused, ...withoutDefault } = schema as TSchema & { default?: unknown }
        filterProps[f] = Type.Optional(withoutDefault as TSchema)
      }
    }
    const pagingQuery = options.pagination === 'page' ? fastify.pagination.pageQuerySchema.properties : fastify.pagination.querySchema.properties
    const querystring = Type.Object({ ...pagingQuery, fields: fieldsQuery, ...filterProps }, { additionalProperties: false })
    const filterNames = Object.keys(filterProps)
    const pathHasParent = scheme !== 'flat' && ancestry.length >= 2
    /** The scope of the collection's cursors without a filter (the same text as with one, made once). */
    const unfilteredScope = JSON.stringify([def.collection, 'fullyQualifiedName', []])
    const page = options.pagination === 'page' ? PageResponseSchema(answered, fastify.pagination.maxLimit) : ListResponseSchema(answered, fastify.pagination.maxLimit)
    const listDoc = doc(`list${Entities}`, `List ${def.collection}`, options.pagination === 'page' ? RULES.listPage : RULES.listCursor)
    app.get(collectionPath, { schema: { ...listDoc, ...(collectionParams !== undefined ? { params: collectionParams } : {}), querystring, response: responses({ 200: page }) }, config: read }, async (request, reply) => {
      const query = request.query as Record<string, unknown> & { fields?: string, limit?: number, before?: string, after?: string, pageNum?: number, itemsPerPage?: number }
      const fields = parseFields(query.fields)
      const filter: Record<string, string | number | boolean> = {}
      for (const k of filterNames) if (query[k] !== undefined) filter[k] = query[k] as string | number | boolean
      // A flat collection path names no parent: no promise to wait for.
      const parent = pathHasParent ? await parentOf(request.params as NameParamsOf) : undefined
      if (parent !== undefined && parentField !== undefined) filter[parentField] = parent.fullyQualifiedName
      if (options.pagination === 'page') {
        const p = fastify.pagination.parsePage(query)
        const result = await service.list({ limit: p.limit, offset: p.offset }, filter)
        const rest = { pageNum: p.pageNum, itemsPerPage: p.itemsPerPage, totalCount: result.total }
        // A page cannot be cut here: pageNum counts whole pages.
        const tooLarge = (): Error => new ResponseTooLargeError(String(options.maxResponseBytes), 'ask for fewer items (itemsPerPage) or leave embedded collections out of ?fields')
        const texts = cachedTexts(reply, fields, result.items)
        if (texts !== undefined && textsThatFit(texts, options.maxResponseBytes) < texts.length) throw tooLarge()
        const text = texts !== undefined ? listText(reply, 'items', rest, texts) : undefined
        if (text !== undefined) return text
        const items = await presentAll(result.items, fields)
        if (itemsThatFit(items, options.maxResponseBytes) < items.length) throw tooLarge()
        return { items, ...rest }
      }
      // Cursors are bound to this collection, its sort and this filter (a cursor of another list is 400).
      const filtered = Object.keys(filter).length > 0
      const scope = filtered ? JSON.stringify([def.collection, 'fullyQualifiedName', Object.entries(filter).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)]) : unfilteredScope
      const { afterId, beforeId, ...page } = fastify.pagination.parse(query, scope)
      // A cursor whose key was too long to carry points at its item by id.
      for (const [id, side] of [[afterId, 'after'], [beforeId, 'before']] as const) {
        if (id === undefined) continue
        const item = await registry.store.get(def.collection, id)
        if (item === undefined) throw withParameters(new InvalidCursorError('the item it points at no longer exists; start from the first page'), [side])
        page[side] = [item.fullyQualifiedName]
      }
      const result = await service.list(page as ListPage, filter)
      const backwards = page.before !== undefined
      // Served from the entity cache (texts), or presented (objects, e.g. with ?fields embedding).
      const texts = cachedTexts(reply, fields, result.items)
      const data = texts === undefined ? await presentAll(result.items, fields) : undefined
      const entries = texts ?? data as Array<Record<string, unknown>>
      // Over maxResponseBytes: fewer items, and `after` continues from the last one answered.
      const fit = texts !== undefined
        ? textsThatFit(backwards ? [...texts].reverse() : texts, options.maxResponseBytes)
        : itemsThatFit(backwards ? [...entries].reverse() : entries, options.maxResponseBytes)
      if (fit === 0 && entries.length > 0) throw new ResponseTooLargeError(String(options.maxResponseBytes), 'this one item is larger: leave embedded collections out of ?fields')
      const cut = fit < entries.length
      // A page read backwards (`before`) ends at the cursor: its last items are the ones next to it.
      const keep = <T>(list: T[]): T[] => cut ? (backwards ? list.slice(list.length - fit) : list.slice(0, fit)) : list
      const items = keep(result.items)
      const first = items[0]
      const last = items.at(-1)
      const cursor = (item: StoredEntity): string => fastify.pagination.scopedCursor({ key: [item.fullyQualifiedName], id: item.id }, scope)
      const hasBefore = result.hasBefore || (cut && backwards)
      const hasAfter = result.hasAfter || (cut && !backwards)
      const paging = {
        before: hasBefore && first !== undefined ? cursor(first) : null,
        after: hasAfter && last !== undefined ? cursor(last) : null,
        total: result.total
      }
      const text = texts !== undefined ? listText(reply, 'data', { paging }, keep(texts)) : undefined
      return text ?? { data: data !== undefined ? keep(data) : await presentAll(items, fields), paging }
    })
  }

  if (ops.has('get')) {
    const querystring = Type.Object({ fields: fieldsQuery }, { additionalProperties: false })
    const response = responses({ 200: answered, 304: null })
    const getOne = async (request: FastifyRequest, rawFields: string | undefined, reply: FastifyReply, entity: StoredEntity): Promise<unknown> => {
      const fields = parseFields(rawFields)
      reply.header('etag', etagOf(entity))
      if (readPreconditions(request, entity)) return await reply.code(304).send()
      const tooLarge = (): Error => new ResponseTooLargeError(String(options.maxResponseBytes), 'leave embedded collections out of ?fields and list them with a parent filter')
      if (cached && fields === undefined) {
        const text = entityJson(reply, entity)
        if (textsThatFit([text], options.maxResponseBytes) === 0) throw tooLarge()
        reply.type(JSON_TYPE)
        return text
      }
      const answer = await present(entity, fields)
      if (itemsThatFit([answer], options.maxResponseBytes) === 0) throw tooLarge()
      return answer
    }
    const getDoc = scheme === 'flat' ? doc(`get${Entity}`, `Get a ${service.entityName} by id`, RULES.getFlat) : doc(`get${Entity}`, `Get a ${service.entityName} by its path`, RULES.getNested)
    app.get(itemPath, { schema: { ...getDoc, params: itemParams, querystring, response }, config: read }, async (request, reply) => {
      return await getOne(request, request.query.fields, reply, await getItem(request.params as NameParamsOf))
    })
    if (scheme === 'flat') {
      const NameParams = Type.Object({
        fqn: Type.String({ minLength: 1, maxLength: service.schemas.maxFullyQualifiedNameLength, pattern: NAME_CHARACTERS_PATTERN, description: 'fullyQualifiedName, URL-encoded' })
      }, { additionalProperties: false })
      app.get(`${collectionPath}/name/:fqn`, { schema: { ...doc(`get${Entity}ByName`, `Get a ${service.entityName} by fullyQualifiedName`, RULES.getByName), params: NameParams, querystring, response }, config: read }, async (request, reply) => {
        return await getOne(request, request.query.fields, reply, await service.getByName(request.params.fqn))
      })
    }
  }

  const json = requireMediaType(['application/json'])
  const params = collectionParams !== undefined ? { params: collectionParams } : {}
  const idempotency: IdempotencySettings = { ...options.idempotency, mode: def.idempotencyKey ?? options.idempotency.mode }
  if (ops.has('create')) {
    const postResponses = { ...responses({ 201: withOneTime }), ...postSchemaExtras(fastify, idempotency).responses }
    app.post(collectionPath, { schema: { ...doc(`create${Entity}`, `Create a ${service.entityName}`, scheme === 'flat' ? RULES.createFlat : RULES.createNested), ...params, ...postSchemaExtras(fastify, idempotency).headers, body: createBody, querystring: NoQuery, response: postResponses }, config: write, preParsing: json }, async (request, reply) => {
      const input = await withParent(request.body as Record<string, unknown>, request.params as NameParamsOf)
      return await idempotent(request, reply, registry.store, idempotency, async (store) => {
        const { entity, extra } = await service.create(input as never, { request, store })
        const body = presenter.present(entity)
        return {
          statusCode: 201,
          headers: { location: presenter.href(entity), etag: etagOf(entity) },
          body: extra !== undefined ? { ...body, ...extra } : body,
          // A one-time secret (e.g. an API key's private key) is never stored, not even for a replay.
          ...(extra !== undefined ? { notKept: 'it held a secret shown only once, which the store never keeps' } : {})
        }
      })
    })
  }

  if (ops.has('put')) {
    app.put(collectionPath, { schema: { ...doc(`put${Entity}`, options.put === 'upsert' ? `Create or replace a ${service.entityName}` : `Create a ${service.entityName} if absent`, options.put === 'upsert' ? RULES.upsert : RULES.createIfAbsent), ...params, body: createBody, querystring: NoQuery, response: responses({ 200: answered, 201: withOneTime }) }, config: write, preParsing: json }, async (request, reply) => {
      const input = await withParent(request.body as Record<string, unknown>, request.params as NameParamsOf)
      const { entity, created, extra } = await service.put(input as never, { request, check: ifMatch(request), checkAbsent: ifAbsent(request), policy: options.put })
      reply.header('etag', etagOf(entity))
      if (created) reply.code(201).header('location', presenter.href(entity))
      const body = presenter.present(entity)
      return extra !== undefined ? { ...body, ...extra } : body
    })
  }

  if (ops.has('patch')) {
    const mergeTypes = [...new Set([MERGE_PATCH, ...options.mergePatchTypes])]
    const patchTypes = requireMediaType([JSON_PATCH, ...mergeTypes])
    const mergeSchema = { type: 'object', description: 'JSON Merge Patch (RFC 7396) of the writable fields' }
    app.patch(itemPath, {
      schema: {
        ...doc(`patch${Entity}`, `Change a ${service.entityName} in part`, scheme === 'flat' ? RULES.patch : RULES.patchNested),
        params: itemParams,
        querystring: NoQuery,
        body: { content: { [JSON_PATCH]: { schema: jsonPatchSchema(options.maxPatchOperations) }, ...Object.fromEntries(mergeTypes.map((t) => [t, { schema: mergeSchema }])) } },
        response: responses({ 200: answered })
      },
      config: write,
      preParsing: patchTypes
    }, async (request, reply) => {
      // The content type passed `patchTypes`: one of the route's types, as `type-is` matched it.
      const type = request.headers['content-type']
      const kind = type === JSON_PATCH || mediaType(type) === JSON_PATCH ? 'json-patch' : 'merge-patch'
      // By id, the patch's own read (in its transaction) finds the entity or answers 404.
      const id = scheme === 'flat' ? (request.params as NameParamsOf).id as string : (await getItem(request.params as NameParamsOf)).id
      const entity = await service.patch(id, kind, request.body, { request, check: ifMatch(request) })
      reply.header('etag', etagOf(entity))
      if (cached) {
        reply.type(JSON_TYPE)
        return entityJson(reply, entity)
      }
      return presenter.present(entity)
    })
  }

  if (ops.has('delete')) {
    const querystring = Type.Object({ recursive: Type.Optional(Type.Boolean({ default: false, description: 'Delete the children too' })) }, { additionalProperties: false })
    const deleted = options.deleteMissing === 'ok' ? Type.Union([answered, Type.Null()]) : answered
    app.delete(itemPath, { schema: { ...doc(`delete${Entity}`, `Delete a ${service.entityName}`, options.deleteMissing === 'ok' ? RULES.deleteOk : RULES.deleteNotFound), params: itemParams, querystring, response: responses({ 200: deleted }) }, config: write }, async (request) => {
      const found = await findItem(request.params as NameParamsOf)
      if (found === undefined && options.deleteMissing === 'ok') return null
      const id = found?.id ?? (request.params as NameParamsOf).id ?? ''
      if (found === undefined) throw new EntityNotFoundError(service.entityName, scheme === 'flat' ? id : fqnOf(request.params as NameParamsOf, ancestry))
      const entity = await service.delete(id, { recursive: request.query.recursive === true, check: ifMatch(request), missing: options.deleteMissing, request })
      return entity === undefined ? null : presenter.present(entity)
    })
  }

  for (const action of def.actions ?? []) {
    if (action.schemes !== undefined && !action.schemes.includes(scheme)) continue
    registerAction(fastify, action, {
      service,
      options,
      path: `${action.target === 'collection' ? collectionPath : itemPath}/${action.name}`,
      params: action.target === 'collection' ? collectionParams : itemParams,
      config: permission(action.access),
      answered,
      doc: doc(action.operationId ?? `${action.name}${Entity}`, action.summary ?? `${capitalize(action.name)} (${def.collection})`, action.description ?? 'StarRocks "API Format": /api/{version}/{target-object-access-path}/{action}, where no HTTP method says the operation.'),
      locate: async (p) => action.target === 'collection' ? { parent: await parentOf(p) } : { entity: await getItem(p) },
      idempotency
    })
  }
}

/** Register one declared action route. */
function registerAction (fastify: FastifyInstance, action: ResourceAction, at: {
  service: ResourceService
  options: RouteOptions
  path: string
  params: TObject | undefined
  config: FastifyContextConfig
  answered: TSchema
  doc: { operationId: string, summary: string, description: string, tags: string[] }
  locate: (params: NameParamsOf) => Promise<{ parent?: StoredEntity | undefined, entity?: StoredEntity }>
  idempotency: IdempotencySettings
}): void {
  const { service, options } = at
  const mediaCheck = requireMediaType(action.mediaTypes)
  const body = action.body ?? { type: 'string', description: `The body, as ${action.mediaTypes.join(' or ')}` }
  const presenterOf = (collection: string): EntityPresenter => {
    const p = options.presenters.get(collection)
    if (p === undefined) throw new InvalidResourceError(`collection ${collection} is not served by this API version`)
    return p
  }
  for (const method of action.methods) {
    // POST is not idempotent (RFC 9110 §9.2.2): it takes an Idempotency-Key; PUT is.
    const extras = method === 'POST' ? postSchemaExtras(fastify, at.idempotency) : { headers: {}, responses: {} }
    fastify.route({
      method,
      url: at.path,
      schema: {
        ...at.doc,
        ...(action.methods.length > 1 ? { operationId: `${at.doc.operationId}${capitalize(method.toLowerCase())}` } : {}),
        ...(at.params !== undefined ? { params: at.params } : {}),
        ...extras.headers,
        querystring: NoQuery,
        body: { content: Object.fromEntries(action.mediaTypes.map((t) => [t, { schema: t === 'application/json' ? body : { type: 'string', maxLength: fastify.initialConfig.bodyLimit, description: `The body, as ${t} text, at most bodyLimit bytes` } }])) },
        response: { ...fastify.envelope.responses(Object.fromEntries(Object.entries(action.responses).map(([code, schema]) => [code, schema === 'entity' ? at.answered : schema]))), ...extras.responses }
      },
      config: at.config,
      preParsing: mediaCheck,
      handler: async (request, reply) => {
        const located = await at.locate(request.params as NameParamsOf)
        const run = async (store: Store): Promise<ActionResult> => await action.handler(context(store))
        const context = (store: Store): ActionContext => ({
          method,
          body: request.body,
          request,
          reply,
          service,
          registry: options.registry,
          ...(located.entity !== undefined ? { entity: located.entity } : {}),
          ...(located.parent !== undefined ? { parent: located.parent } : {}),
          policies: { put: options.put, deleteMissing: options.deleteMissing, scheme: options.scheme },
          present: (collection, entity, opts) => presenterOf(collection).present(entity, undefined, opts?.omitParent === true),
          href: (collection, entity: LinkTarget) => presenterOf(collection).href(entity),
          ...(options.tasks !== undefined ? { tasks: options.tasks } : {}),
          store
        })
        if (method === 'POST') return await idempotent(request, reply, options.registry.store, at.idempotency, run)
        const result = await run(options.registry.store)
        if (result.headers !== undefined) reply.headers(result.headers)
        return await reply.code(result.statusCode).send(result.body)
      }
    })
  }
}

/** The `headers` schema and the 409/422 answers of a POST route that takes an `Idempotency-Key` (none when off). */
function postSchemaExtras (fastify: FastifyInstance, idempotency: IdempotencySettings): { headers: { headers?: TSchema }, responses: Record<string, TSchema> } {
  if (idempotency.mode === false) return { headers: {}, responses: {} }
  return {
    headers: { headers: idempotencyHeaderSchema(idempotency.mode, idempotency.lifetimeSeconds) },
    responses: idempotencyResponses(fastify.envelope.responses({})['4xx'])
  }
}
