/**
 * The HTTP routes of one resource (OpenMetadata "HTTP methods"; API-CONTRACT.md "/api/v1"):
 * list, get by id, get by name, POST, PUT, PATCH, DELETE; HEAD comes with every GET.
 * Every route declares its request and `response` schemas, derived from the declaration
 * (validation, fast-json-stringify serialization and the OpenAPI document come from them),
 * and reaches its handler typed through the TypeBox type provider.
 */
import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FastifyContextConfig, FastifyInstance, FastifyReply } from 'fastify'
import { InvalidAttributeError, withParameters } from '@platform-api/envelope'
import { ListResponseSchema } from '@platform-api/pagination'
import { etagOf, ifMatch, noneMatch } from './conditional.js'
import { EntityPresenter } from './links.js'
import { requireMediaType } from './media-type.js'
import { JSON_PATCH, MERGE_PATCH, jsonPatchSchema } from './patch.js'
import type { DeleteMissingPolicy, PutPolicy, ResourceService } from './service.js'
import type { StoredEntity } from './store.js'

/** What the routes need from the plugin registration (one API version). */
export interface RouteOptions {
  /** Absolute base of hrefs, e.g. `https://api.example.com/api/v1`, without a trailing slash (a function: resolved on first use). */
  baseUrl: string | (() => string)
  /** Longest JSON Patch document, in operations. */
  maxPatchOperations: number
  /** PUT on an existing entity. */
  put: PutPolicy
  /** DELETE of an absent entity. */
  deleteMissing: DeleteMissingPolicy
}

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
const FIELDS_PATTERN = '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$'
/** Write routes take no query parameters; an unknown one is 400 rather than silently ignored. */
const NoQuery = Type.Object({}, { additionalProperties: false })

/** Register the routes of `service` on `fastify` (whose prefix is the API version). */
export function registerResourceRoutes (fastify: FastifyInstance, service: ResourceService, options: RouteOptions): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const def = service.definition
  const base = `/${def.collection}`
  const ops = new Set(def.operations ?? ['list', 'get', 'create', 'put', 'patch', 'delete'])
  if (def.name === false) ops.delete('put')
  // `config.permission` is enforced by the authorization (@platform-api/auth); the envelope refuses to boot without one.
  const read: FastifyContextConfig = def.permission !== undefined ? { permission: `${def.permission}:read` } : {}
  const write: FastifyContextConfig = def.permission !== undefined ? { permission: `${def.permission}:write` } : {}
  const presenter = new EntityPresenter(def.collection, service.schemas, options.baseUrl, def.parent)
  const embeddable = new Map(service.children.map((c) => [c.collection, { service: c, presenter: new EntityPresenter(c.collection, c.schemas, options.baseUrl, c.definition.parent) }]))
  const selectable = new Set([...service.schemas.properties, ...embeddable.keys()])
  const responses = fastify.envelope.responses

  // The entity as answered: its properties, and the children `?fields` may embed.
  const answered = Type.Object({
    ...service.schemas.entity.properties,
    ...Object.fromEntries([...embeddable].map(([name, child]) => [name, Type.Optional(Type.Array(child.service.schemas.entity))]))
  }, { additionalProperties: false, title: service.schemas.entity.title })
  const withOneTime = def.oneTimeFields !== undefined
    ? Type.Object({ ...answered.properties, ...(def.oneTimeFields as TObject).properties }, { additionalProperties: false })
    : answered
  const fieldsQuery = Type.Optional(Type.String({ maxLength: 1024, pattern: FIELDS_PATTERN, description: `Comma-separated fields to answer besides id, name and href: ${[...selectable].join(', ')}` }))

  const parseFields = (raw: string | undefined): Set<string> | undefined => {
    if (raw === undefined) return undefined
    const names = raw.split(',')
    const unknown = names.filter((n) => !selectable.has(n))
    if (unknown.length > 0) {
      throw withParameters(new InvalidAttributeError(`Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in ?fields; known: ${[...selectable].join(', ')}`), unknown)
    }
    return new Set(names)
  }

  /** The entity as answered, with the children named in `fields` embedded. */
  const present = async (entity: StoredEntity, fields?: ReadonlySet<string>): Promise<Record<string, unknown>> => {
    const out = presenter.present(entity, fields)
    if (fields !== undefined) {
      for (const [name, child] of embeddable) {
        if (fields.has(name)) out[name] = (await child.service.childrenOfParent(entity.id)).map((item) => child.presenter.present(item, undefined, true))
      }
    }
    return out
  }

  if (ops.has('list')) {
    const filterProps: TProperties = {}
    if (def.parent !== undefined) filterProps[def.parent.field] = Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: `fullyQualifiedName of the parent ${String(def.parent.collection)} entity` }))
    for (const f of def.filters ?? []) {
      const schema = (def.fields.properties as TProperties)[f] ?? (def.readOnlyFields?.properties as TProperties | undefined)?.[f]
      if (schema !== undefined) {
        // A field's default applies on create, never to a filter the client did not give.
        const { default: _unused, ...withoutDefault } = schema as TSchema & { default?: unknown }
        filterProps[f] = Type.Optional(withoutDefault as TSchema)
      }
    }
    const querystring = Type.Object({ ...fastify.pagination.querySchema.properties, fields: fieldsQuery, ...filterProps }, { additionalProperties: false })
    const filterNames = Object.keys(filterProps)
    app.get(base, { schema: { querystring, response: responses({ 200: ListResponseSchema(answered) }) }, config: read }, async (request) => {
      const query = request.query as Record<string, unknown> & { fields?: string, limit?: number, before?: string, after?: string }
      const fields = parseFields(query.fields)
      const page = fastify.pagination.parse(query)
      const filter: Record<string, string | number | boolean> = {}
      for (const k of filterNames) if (query[k] !== undefined) filter[k] = query[k] as string | number | boolean
      const result = await service.list(page, filter)
      const first = result.items[0]
      const last = result.items.at(-1)
      const data = fields !== undefined && [...embeddable.keys()].some((name) => fields.has(name))
        ? await Promise.all(result.items.map(async (e) => await present(e, fields)))
        : result.items.map((e) => presenter.present(e, fields))
      return {
        data,
        paging: {
          before: result.hasBefore && first !== undefined ? fastify.pagination.cursor([first.fullyQualifiedName]) : null,
          after: result.hasAfter && last !== undefined ? fastify.pagination.cursor([last.fullyQualifiedName]) : null,
          total: result.total
        }
      }
    })
  }

  if (ops.has('get')) {
    const querystring = Type.Object({ fields: fieldsQuery }, { additionalProperties: false })
    const NameParams = Type.Object({
      fqn: Type.String({ minLength: 1, maxLength: service.schemas.maxFullyQualifiedNameLength, description: 'fullyQualifiedName, URL-encoded' })
    }, { additionalProperties: false })
    const response = responses({ 200: answered, 304: null })
    const getOne = async (ifNoneMatch: string | undefined, rawFields: string | undefined, reply: FastifyReply, entity: StoredEntity): Promise<unknown> => {
      const fields = parseFields(rawFields)
      reply.header('etag', etagOf(entity))
      if (noneMatch(ifNoneMatch, entity)) return await reply.code(304).send()
      return await present(entity, fields)
    }
    app.get(`${base}/:id`, { schema: { params: IdParams, querystring, response }, config: read }, async (request, reply) => {
      return await getOne(request.headers['if-none-match'], request.query.fields, reply, await service.get(request.params.id))
    })
    app.get(`${base}/name/:fqn`, { schema: { params: NameParams, querystring, response }, config: read }, async (request, reply) => {
      return await getOne(request.headers['if-none-match'], request.query.fields, reply, await service.getByName(request.params.fqn))
    })
  }

  const json = requireMediaType(['application/json'])
  if (ops.has('create')) {
    app.post(base, { schema: { body: service.schemas.create, querystring: NoQuery, response: responses({ 201: withOneTime }) }, config: write, preParsing: json }, async (request, reply) => {
      const { entity, extra } = await service.create(request.body as never, { request })
      reply.code(201).header('location', presenter.href(entity.id)).header('etag', etagOf(entity))
      const body = presenter.present(entity)
      return extra !== undefined ? { ...body, ...extra } : body
    })
  }

  if (ops.has('put')) {
    app.put(base, { schema: { body: service.schemas.create, querystring: NoQuery, response: responses({ 200: answered, 201: withOneTime }) }, config: write, preParsing: json }, async (request, reply) => {
      const { entity, created, extra } = await service.put(request.body as never, { request, check: ifMatch(request), policy: options.put })
      reply.header('etag', etagOf(entity))
      if (created) reply.code(201).header('location', presenter.href(entity.id))
      const body = presenter.present(entity)
      return extra !== undefined ? { ...body, ...extra } : body
    })
  }

  if (ops.has('patch')) {
    const patchTypes = requireMediaType([JSON_PATCH, MERGE_PATCH])
    app.patch(`${base}/:id`, {
      schema: {
        params: IdParams,
        querystring: NoQuery,
        body: { content: { [JSON_PATCH]: { schema: jsonPatchSchema(options.maxPatchOperations) }, [MERGE_PATCH]: { schema: { type: 'object' } } } },
        response: responses({ 200: answered })
      },
      config: write,
      preParsing: patchTypes
    }, async (request, reply) => {
      const kind = request.is([JSON_PATCH]) === JSON_PATCH ? 'json-patch' : 'merge-patch'
      const entity = await service.patch(request.params.id, kind, request.body, { request, check: ifMatch(request) })
      reply.header('etag', etagOf(entity))
      return presenter.present(entity)
    })
  }

  if (ops.has('delete')) {
    const querystring = Type.Object({ recursive: Type.Optional(Type.Boolean({ default: false, description: 'Delete the children too' })) }, { additionalProperties: false })
    const deleted = options.deleteMissing === 'ok' ? Type.Union([answered, Type.Null()]) : answered
    app.delete(`${base}/:id`, { schema: { params: IdParams, querystring, response: responses({ 200: deleted }) }, config: write }, async (request) => {
      const entity = await service.delete(request.params.id, { recursive: request.query.recursive === true, check: ifMatch(request), missing: options.deleteMissing })
      return entity === undefined ? null : presenter.present(entity)
    })
  }
}
