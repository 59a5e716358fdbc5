/**
 * The HTTP routes of one resource (OpenMetadata "HTTP methods"; API-CONTRACT.md "/api/v1"):
 * list, get by id, get by name, POST, PUT, PATCH, DELETE; HEAD comes with every GET.
 */
import { Type, type TProperties } from '@sinclair/typebox'
import type { FastifyContextConfig, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { InvalidAttributeError } from '@platform-api/envelope'
import { PreconditionFailedError } from '../errors.js'
import { JSON_PATCH, MERGE_PATCH, jsonPatchSchema } from './patch.js'
import { requireMediaType } from './media-type.js'
import type { ResourceService } from './service.js'
import type { StoredEntity } from './store.js'

/** Options the routes need from the plugin. */
export interface RouteOptions {
  /** Absolute base of hrefs (`https://host/api/v1`); default from the request and the prefix. */
  baseUrl: string | undefined
  /** Longest JSON Patch document, in operations. */
  maxPatchOperations: number
}

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })
const NameParams = Type.Object({ fqn: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false })
const FieldsQuery = Type.Optional(Type.String({ maxLength: 1024, pattern: '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$' }))
/** Write routes take no query parameters; an unknown one is 400 rather than silently ignored. */
const NoQuery = Type.Object({}, { additionalProperties: false })

/** The ETag of an entity version (RFC 9110 §8.8.3). */
export function etagOf (entity: StoredEntity): string {
  return `"${entity.version}"`
}

function ifMatch (request: FastifyRequest): (existing: StoredEntity) => void {
  const header = request.headers['if-match']
  return (existing) => {
    if (header === undefined || header.trim() === '*') return
    const tag = etagOf(existing)
    const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''))
    if (!tags.includes(tag)) throw new PreconditionFailedError(header.slice(0, 100), tag)
  }
}

/** Register the routes of `service` on `fastify` (whose prefix is the API version). */
export function registerResourceRoutes (fastify: FastifyInstance, service: ResourceService, options: RouteOptions): void {
  const def = service.definition
  const base = `/${def.collection}`
  const ops = new Set(def.operations ?? ['list', 'get', 'create', 'put', 'patch', 'delete'])
  if (def.name === false) ops.delete('put')
  // `config.permission` is read by @platform-api/auth when it is registered.
  const read = (def.permission !== undefined ? { permission: `${def.permission}:read` } : {}) as FastifyContextConfig
  const write = (def.permission !== undefined ? { permission: `${def.permission}:write` } : {}) as FastifyContextConfig
  const embeddable = new Map(service.children.map((c) => [c.collection, c]))
  const selectable = new Set([...service.schemas.properties, ...embeddable.keys()])
  const prefix = fastify.prefix

  const baseUrl = (request: FastifyRequest): string => options.baseUrl ?? `${request.protocol}://${request.host}${prefix}`

  /** The entity as answered, with the children named in `fields` embedded. */
  const present = async (entity: StoredEntity, request: FastifyRequest, fields?: Set<string>): Promise<Record<string, unknown>> => {
    const root = baseUrl(request)
    const out = service.toEntity(entity, root, fields)
    if (fields !== undefined) {
      for (const [name, child] of embeddable) {
        if (!fields.has(name)) continue
        out[name] = (await child.childrenOfParent(entity.id)).map((item) => child.toEntity(item, root, undefined, true))
      }
    }
    return out
  }

  const parseFields = (raw: string | undefined): Set<string> | undefined => {
    if (raw === undefined) return undefined
    const names = raw.split(',')
    const unknown = names.filter((n) => !selectable.has(n))
    if (unknown.length > 0) {
      const err = new InvalidAttributeError(`Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in ?fields; known: ${[...selectable].join(', ')}`) as Error & { parameters?: string[] }
      err.parameters = unknown
      throw err
    }
    return new Set(names)
  }

  const answerEntity = async (request: FastifyRequest, reply: FastifyReply, entity: StoredEntity, fields?: Set<string>): Promise<unknown> => {
    reply.header('etag', etagOf(entity))
    return await present(entity, request, fields)
  }

  if (ops.has('list')) {
    const filterProps: TProperties = {}
    if (def.parent !== undefined) filterProps[def.parent.field] = Type.Optional(Type.String({ minLength: 1, maxLength: 1024 }))
    for (const f of def.filters ?? []) {
      const schema = def.fields.properties[f] ?? def.readOnlyFields?.properties[f]
      if (schema !== undefined) {
        // A field's default applies on create, never to a filter the client did not give.
        const { default: _unused, ...withoutDefault } = schema
        filterProps[f] = Type.Optional(withoutDefault as typeof schema)
      }
    }
    const querystring = Type.Object({ ...fastify.pagination.querySchema.properties, fields: FieldsQuery, ...filterProps }, { additionalProperties: false })
    fastify.get(base, { schema: { querystring }, config: read }, async (request) => {
      const query = request.query as Record<string, unknown>
      const fields = parseFields(query.fields as string | undefined)
      const page = fastify.pagination.parse(query as { limit?: number, before?: string, after?: string })
      const filter: Record<string, string | number | boolean> = {}
      for (const k of Object.keys(filterProps)) if (query[k] !== undefined) filter[k] = query[k] as string
      const result = await service.list(page, filter)
      const first = result.items[0]
      const last = result.items.at(-1)
      return {
        data: await Promise.all(result.items.map(async (e) => await present(e, request, fields))),
        paging: {
          before: result.hasBefore && first !== undefined ? fastify.pagination.cursor([first.fullyQualifiedName]) : null,
          after: result.hasAfter && last !== undefined ? fastify.pagination.cursor([last.fullyQualifiedName]) : null,
          total: result.total
        }
      }
    })
  }

  if (ops.has('get')) {
    const querystring = Type.Object({ fields: FieldsQuery }, { additionalProperties: false })
    const getOne = async (request: FastifyRequest, reply: FastifyReply, entity: StoredEntity): Promise<unknown> => {
      const fields = parseFields((request.query as { fields?: string }).fields)
      const inm = request.headers['if-none-match']
      if (inm !== undefined && inm.split(',').map((t) => t.trim().replace(/^W\//, '')).some((t) => t === '*' || t === etagOf(entity))) {
        reply.header('etag', etagOf(entity))
        return await reply.code(304).send()
      }
      return await answerEntity(request, reply, entity, fields)
    }
    fastify.get(`${base}/:id`, { schema: { params: IdParams, querystring }, config: read }, async (request, reply) => {
      return await getOne(request, reply, await service.get((request.params as { id: string }).id))
    })
    fastify.get(`${base}/name/:fqn`, { schema: { params: NameParams, querystring }, config: read }, async (request, reply) => {
      return await getOne(request, reply, await service.getByName((request.params as { fqn: string }).fqn))
    })
  }

  const json = requireMediaType(['application/json'])
  if (ops.has('create')) {
    fastify.post(base, { schema: { body: service.schemas.create, querystring: NoQuery }, config: write, preParsing: json }, async (request, reply) => {
      const { entity, extra } = await service.create(request.body as Record<string, unknown>, request)
      const body = await answerEntity(request, reply, entity)
      reply.code(201).header('location', (body as { href: string }).href)
      return extra !== undefined ? { ...(body as object), ...extra } : body
    })
  }

  if (ops.has('put')) {
    fastify.put(base, { schema: { body: service.schemas.create, querystring: NoQuery }, config: write, preParsing: json }, async (request, reply) => {
      const { entity, created, extra } = await service.put(request.body as Record<string, unknown>, request, ifMatch(request))
      const body = await answerEntity(request, reply, entity)
      if (created) reply.code(201).header('location', (body as { href: string }).href)
      return extra !== undefined ? { ...(body as object), ...extra } : body
    })
  }

  if (ops.has('patch')) {
    const patchTypes = requireMediaType([JSON_PATCH, MERGE_PATCH])
    fastify.patch(`${base}/:id`, {
      schema: {
        params: IdParams,
        querystring: NoQuery,
        body: { content: { [JSON_PATCH]: { schema: jsonPatchSchema(options.maxPatchOperations) }, [MERGE_PATCH]: { schema: { type: 'object' } } } }
      },
      config: write,
      preParsing: patchTypes
    }, async (request, reply) => {
      const kind = (request.headers['content-type'] ?? '').toLowerCase().startsWith(JSON_PATCH) ? 'json-patch' : 'merge-patch'
      const entity = await service.patch((request.params as { id: string }).id, kind, request.body, ifMatch(request), request)
      return await answerEntity(request, reply, entity)
    })
  }

  if (ops.has('delete')) {
    const querystring = Type.Object({ recursive: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false })
    fastify.delete(`${base}/:id`, { schema: { params: IdParams, querystring }, config: write }, async (request, reply) => {
      const { recursive } = request.query as { recursive?: boolean }
      const entity = await service.delete((request.params as { id: string }).id, recursive === true, ifMatch(request))
      return await answerEntity(request, reply, entity)
    })
  }
}
