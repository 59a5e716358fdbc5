/**
 * The compatibility classifier (issue 14), one rule at a time: for each breaking rule a tiny
 * before/after document pair that must be flagged, with the JSON Pointer into the older document;
 * for each kind of addition or relaxation a pair that must pass (reported as compatible).
 */
import t from 'tap'
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import fastifyPlatformApi, { compareApiDocuments, defineResource, formatBreakingChanges, MemoryKeyStore, MemoryStore, platformApiDocs, platformEnvelope, pointerToken, ResourceRegistry, resolveLocalRefs, sortKeysDeep, type ApiChange } from '../src/index.js'

type Json = Record<string, unknown>

/** A one-path document: GET and POST /things, the shapes TypeBox and @fastify/swagger produce. */
function base (): Json {
  const thing = {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'kind'],
    properties: {
      id: { type: 'string', format: 'uuid' },
      kind: { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'string', enum: ['b'] }] },
      size: { type: 'integer', minimum: 0 },
      note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      tags: { type: 'array', items: { type: 'object', additionalProperties: false, properties: { label: { type: 'string' } } } }
    }
  }
  // No additionalProperties here, so a test can refuse unknown fields (TypeBox objects of the suite have it false).
  const create = {
    type: 'object',
    required: ['kind'],
    properties: {
      kind: { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'string', enum: ['b'] }] },
      size: { type: 'integer', minimum: 0, maximum: 100 },
      name: { type: 'string', maxLength: 64 },
      note: { type: 'string' }
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/api/v1/things': {
        get: {
          parameters: [
            { in: 'query', name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { in: 'query', name: 'kind', required: false, schema: { anyOf: [{ type: 'string', enum: ['a'] }, { type: 'string', enum: ['b'] }] } },
            { in: 'header', name: 'x-trace', required: false, schema: { type: 'string' } }
          ],
          responses: {
            200: { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: structuredClone(thing) } } } } } },
            '4XX': { description: 'error', content: { 'application/json': { schema: { type: 'object' } }, 'application/problem+json': { schema: { type: 'object' } } } }
          }
        },
        post: {
          requestBody: { required: true, content: { 'application/json': { schema: create } } },
          responses: { 201: { description: 'Created', headers: { location: { schema: { type: 'string' } } }, content: { 'application/json': { schema: structuredClone(thing) } } } }
        }
      },
      '/api/v1/things/{id}': {
        get: {
          parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'string', format: 'uuid' } }],
          responses: { 200: { description: 'OK', content: { 'application/json': { schema: structuredClone(thing) } } } }
        }
      }
    }
  }
}

const LIST = '/paths/~1api~1v1~1things/get'
const POST = '/paths/~1api~1v1~1things/post'
const ONE = '/paths/~1api~1v1~1things~1{id}/get'
const LIST_ITEM = `${LIST}/responses/200/content/application~1json/schema/properties/data/items`
const CREATED = `${POST}/responses/201/content/application~1json/schema`
const BODY = `${POST}/requestBody/content/application~1json/schema`

/** Walk `document` by a JSON Pointer and give the object there. */
function at (document: Json, pointer: string): Json {
  let node: unknown = document
  for (const token of pointer.split('/').slice(1)) node = (node as Json)[token.replaceAll('~1', '/').replaceAll('~0', '~')]
  if (node === null || typeof node !== 'object') throw new Error(`nothing at ${pointer}`)
  return node as Json
}

function changed (edit: (d: Json) => void): { breaking: ApiChange[], compatible: ApiChange[] } {
  const before = base()
  const after = base()
  edit(after)
  return compareApiDocuments(before, after)
}

const BREAKING: Array<[string, string, string, (d: Json) => void]> = [
  ['path removed', 'path-removed', '/paths/~1api~1v1~1things~1{id}', (d) => { delete at(d, '/paths')['/api/v1/things/{id}'] }],
  ['operation removed', 'operation-removed', POST, (d) => { delete at(d, '/paths/~1api~1v1~1things').post }],
  ['response field removed', 'response-property-removed', `${ONE}/responses/200/content/application~1json/schema/properties/size`, (d) => { delete at(d, `${ONE}/responses/200/content/application~1json/schema/properties`).size }],
  ['response field removed inside an array item', 'response-property-removed', `${LIST_ITEM}/properties/tags/items/properties/label`, (d) => { delete at(d, `${LIST_ITEM}/properties/tags/items/properties`).label }],
  ['response field renamed (a removal)', 'response-property-removed', `${CREATED}/properties/size`, (d) => { const p = at(d, `${CREATED}/properties`); p.sizeBytes = p.size; delete p.size }],
  ['response type changed', 'response-type-changed', `${CREATED}/properties/size`, (d) => { at(d, `${CREATED}/properties/size`).type = 'string' }],
  ['response type narrowed (no longer nullable)', 'response-type-changed', `${CREATED}/properties/note`, (d) => { at(d, `${CREATED}/properties`).note = { type: 'string' } }],
  ['response format narrowed', 'response-format-changed', `${CREATED}/properties/id`, (d) => { at(d, `${CREATED}/properties/id`).format = 'uri' }],
  ['response enum value removed', 'response-enum-value-removed', `${CREATED}/properties/kind`, (d) => { (at(d, `${CREATED}/properties/kind`).anyOf as unknown[]).pop() }],
  ['response enum dropped', 'response-enum-removed', `${CREATED}/properties/kind`, (d) => { at(d, `${CREATED}/properties`).kind = { type: 'string' } }],
  ['response field no longer always present', 'response-property-optional', `${CREATED}/properties/kind`, (d) => { at(d, CREATED).required = ['id'] }],
  ['request field newly required', 'request-property-required', `${BODY}/properties/name`, (d) => { at(d, BODY).required = ['kind', 'name'] }],
  ['new required request field', 'request-property-required', `${BODY}/required`, (d) => { at(d, `${BODY}/properties`).owner = { type: 'string' }; at(d, BODY).required = ['kind', 'owner'] }],
  ['request field newly refused', 'request-property-removed', `${BODY}/properties/note`, (d) => { delete at(d, `${BODY}/properties`).note }],
  ['request type narrowed', 'request-type-narrowed', `${BODY}/properties/size`, (d) => { at(d, `${BODY}/properties/size`).type = 'string' }],
  ['request enum value removed', 'request-enum-value-removed', `${BODY}/properties/kind`, (d) => { (at(d, `${BODY}/properties/kind`).anyOf as unknown[]).shift() }],
  ['request values limited to an enum', 'request-enum-added', `${BODY}/properties/note`, (d) => { at(d, `${BODY}/properties/note`).enum = ['x'] }],
  ['request const added', 'request-enum-added', `${BODY}/properties/note`, (d) => { at(d, `${BODY}/properties/note`).const = 'x' }],
  ['request minimum raised', 'request-bound-narrowed', `${BODY}/properties/size`, (d) => { at(d, `${BODY}/properties/size`).minimum = 1 }],
  ['request maximum lowered', 'request-bound-narrowed', `${BODY}/properties/size`, (d) => { at(d, `${BODY}/properties/size`).maximum = 99 }],
  ['request maxLength lowered', 'request-bound-narrowed', `${BODY}/properties/name`, (d) => { at(d, `${BODY}/properties/name`).maxLength = 8 }],
  ['request minLength added', 'request-bound-narrowed', `${BODY}/properties/name`, (d) => { at(d, `${BODY}/properties/name`).minLength = 1 }],
  ['request pattern added', 'request-bound-narrowed', `${BODY}/properties/name`, (d) => { at(d, `${BODY}/properties/name`).pattern = '^[a-z]+$' }],
  ['request format added', 'request-format-narrowed', `${BODY}/properties/name`, (d) => { at(d, `${BODY}/properties/name`).format = 'email' }],
  ['request unknown fields newly refused', 'request-additional-properties-refused', `${BODY}`, (d) => { at(d, BODY).additionalProperties = false }],
  ['request body newly required', 'request-body-required', ONE, (d) => { at(d, ONE).requestBody = { required: true, content: { 'application/json': { schema: { type: 'object' } } } } }],
  ['request media type removed', 'request-media-type-removed', `${POST}/requestBody/content/application~1json`, (d) => { at(d, `${POST}/requestBody`).content = { 'application/merge-patch+json': { schema: { type: 'object' } } } }],
  ['status code removed', 'response-status-removed', `${LIST}/responses/4XX`, (d) => { delete at(d, `${LIST}/responses`)['4XX'] }],
  ['response media type removed', 'response-media-type-removed', `${LIST}/responses/4XX/content/application~1problem+json`, (d) => { delete at(d, `${LIST}/responses/4XX/content`)['application/problem+json'] }],
  ['response header removed', 'response-header-removed', `${POST}/responses/201/headers/location`, (d) => { at(d, `${POST}/responses/201`).headers = {} }],
  ['query parameter removed', 'parameter-removed', `${LIST}/parameters/0`, (d) => { (at(d, LIST).parameters as unknown[]).shift() }],
  ['header parameter removed', 'parameter-removed', `${LIST}/parameters/2`, (d) => { (at(d, LIST).parameters as unknown[]).pop() }],
  ['query parameter newly required', 'parameter-required', `${LIST}/parameters/0`, (d) => { at(d, `${LIST}/parameters/0`).required = true }],
  ['new required query parameter', 'parameter-required', `${LIST}/parameters`, (d) => { (at(d, LIST).parameters as unknown[]).push({ in: 'query', name: 'owner', required: true, schema: { type: 'string' } }) }],
  ['query parameter values narrowed (enum)', 'request-enum-value-removed', `${LIST}/parameters/1/schema`, (d) => { (at(d, `${LIST}/parameters/1/schema`).anyOf as unknown[]).pop() }],
  ['query parameter maximum lowered', 'request-bound-narrowed', `${LIST}/parameters/0/schema`, (d) => { at(d, `${LIST}/parameters/0/schema`).maximum = 100 }]
]

for (const [name, rule, pointer, edit] of BREAKING) {
  t.test(`breaking: ${name}`, async (t) => {
    const { breaking } = changed(edit)
    t.same(breaking.map((c) => [c.rule, c.pointer]), [[rule, pointer]], 'exactly this change, at this pointer into the older document')
    t.ok(breaking.every((c) => c.kind === 'breaking' && c.message.length > 0))
  })
}

const COMPATIBLE: Array<[string, string, (d: Json) => void]> = [
  ['response field added', 'response-property-added', (d) => { at(d, `${CREATED}/properties`).owner = { type: 'string' } }],
  ['optional request field added', 'request-property-added', (d) => { at(d, `${BODY}/properties`).owner = { type: 'string' } }],
  ['request enum value added', 'request-enum-value-added', (d) => { (at(d, `${BODY}/properties/kind`).anyOf as unknown[]).push({ type: 'string', enum: ['c'] }) }],
  ['response enum value added', 'response-enum-value-added', (d) => { (at(d, `${CREATED}/properties/kind`).anyOf as unknown[]).push({ type: 'string', enum: ['c'] }) }],
  ['optional query parameter added', 'parameter-added', (d) => { (at(d, LIST).parameters as unknown[]).push({ in: 'query', name: 'owner', required: false, schema: { type: 'string' } }) }],
  ['operation added', 'operation-added', (d) => { at(d, '/paths/~1api~1v1~1things~1{id}').delete = { responses: { 200: { description: 'OK' } } } }],
  ['path added', 'path-added', (d) => { at(d, '/paths')['/api/v1/others'] = { get: { responses: { 200: { description: 'OK' } } } } }],
  ['status code added', 'response-status-added', (d) => { at(d, `${ONE}/responses`)[304] = { description: 'Not Modified' } }],
  ['response media type added', 'response-media-type-added', (d) => { at(d, `${ONE}/responses/200/content`)['application/problem+json'] = { schema: { type: 'object' } } }],
  ['request maxLength relaxed', 'request-bound-relaxed', (d) => { at(d, `${BODY}/properties/name`).maxLength = 128 }],
  ['request type widened (integer to number)', 'request-type-widened', (d) => { at(d, `${BODY}/properties/size`).type = 'number' }],
  ['request field no longer required', 'request-property-optional', (d) => { at(d, BODY).required = [] }],
  ['operation deprecated', 'operation-deprecated', (d) => { at(d, ONE).deprecated = true }]
]

for (const [name, rule, edit] of COMPATIBLE) {
  t.test(`passes and is reported: ${name}`, async (t) => {
    const { breaking, compatible } = changed(edit)
    t.same(breaking, [], 'nothing breaking')
    t.same(compatible.map((c) => c.rule), [rule], 'reported as this addition')
  })
}

t.test('breaking: a path parameter renamed is a removal and a new required parameter', async (t) => {
  const { breaking } = changed((d) => { at(d, `${ONE}/parameters/0`).name = 'thingId' })
  t.same(breaking.map((c) => [c.rule, c.pointer]), [['parameter-removed', `${ONE}/parameters/0`], ['parameter-required', `${ONE}/parameters`]])
})

t.test('breaking: a field named like an Object.prototype member ("constructor") removed', async (t) => {
  const before = base()
  at(before, `${CREATED}/properties`)['constructor'] = { type: 'string' }
  const { breaking } = compareApiDocuments(before, base())
  t.same(breaking.map((c) => [c.rule, c.pointer]), [['response-property-removed', `${CREATED}/properties/constructor`]])
})

t.test('descriptions, titles, info and key order are not changes', async (t) => {
  const after = base()
  at(after, `${CREATED}/properties/size`).description = 'how big'
  ;(after.info as Json).version = '2'
  t.same(compareApiDocuments(base(), sortKeysDeep(after)), { breaking: [], compatible: [] })
})

t.test('$ref is resolved before comparing: a field removed from a shared component is named at each use', async (t) => {
  const withRef = (drop: boolean): Json => {
    const d = base()
    const thing = at(d, CREATED)
    const component = structuredClone(thing)
    if (drop) delete (component.properties as Json).size
    d.components = { schemas: { Thing: component } }
    at(d, `${POST}/responses/201/content/application~1json`).schema = { $ref: '#/components/schemas/Thing' }
    at(d, `${ONE}/responses/200/content/application~1json`).schema = { $ref: '#/components/schemas/Thing' }
    return d
  }
  t.same(compareApiDocuments(withRef(false), withRef(false)), { breaking: [], compatible: [] }, 'the same refs: no change')
  t.same(compareApiDocuments(base(), withRef(false)).breaking, [], 'inline and referenced are the same document')
  const { breaking } = compareApiDocuments(withRef(false), withRef(true))
  t.same(breaking.map((c) => c.pointer).sort(), [`${CREATED}/properties/size`, `${ONE}/responses/200/content/application~1json/schema/properties/size`])
  t.throws(() => resolveLocalRefs({ a: { $ref: '#/components/schemas/Missing' } }), /points nowhere/)
})

t.test('sortKeysDeep sorts every object\'s keys and required arrays, and keeps other arrays', async (t) => {
  const sorted = sortKeysDeep({ b: 1, a: { required: ['z', 'a'], enum: ['z', 'a'], properties: { y: {}, x: {} } } })
  t.equal(JSON.stringify(sorted), '{"a":{"enum":["z","a"],"properties":{"x":{},"y":{}},"required":["a","z"]},"b":1}')
  t.equal(pointerToken('/api/v1/a~b'), '~1api~1v1~1a~0b', 'RFC 6901 escapes')
})

t.test('the failure message names each pointer and says how to proceed', async (t) => {
  const { breaking } = changed((d) => { delete at(d, `${ONE}/responses/200/content/application~1json/schema/properties`).size })
  const message = formatBreakingChanges('v1', 'api/openapi-v1.json', breaking)
  t.match(message, /^1 breaking change to API v1 \(JSON Pointers into api\/openapi-v1\.json\):/)
  t.match(message, `${ONE}/responses/200/content/application~1json/schema/properties/size`)
  t.match(message, 'GET /api/v1/things/{id}: 200 application/json: /size: response field removed')
  t.match(message, /keep it: restore the field/)
  t.match(message, /new API version \(a new prefix, e\.g\. \/api\/v2\)/)
  t.match(message, /npm run api:snapshot/)
})

t.test('config.deprecation marks the operation deprecated in OpenAPI; the guard reports it as compatible', async (t) => {
  const documentOf = async (deprecated: boolean): Promise<Json> => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(platformApiDocs, { ui: false })
    await app.register(platformEnvelope, { httpsOnly: false })
    app.get('/api/v1/things', {
      ...(deprecated ? { config: { deprecation: { date: '2026-01-01T00:00:00Z', sunset: '2026-07-01T00:00:00Z' } } } : {}),
      schema: { operationId: 'listThings', response: { 200: { type: 'object', properties: { id: { type: 'string' } } } } }
    }, async () => ({ id: 'a' }))
    await app.ready()
    if (deprecated) t.equal((await app.inject({ url: '/api/v1/things' })).headers.deprecation, '@1767225600', 'and it answers with the header')
    return (app as unknown as { swagger: () => Json }).swagger()
  }
  const before = await documentOf(false)
  const after = await documentOf(true)
  t.equal(at(after, '/paths/~1api~1v1~1things/get').deprecated, true)
  t.equal(at(before, '/paths/~1api~1v1~1things/get').deprecated, undefined)
  const { breaking, compatible } = compareApiDocuments(before, after)
  t.same(breaking, [])
  t.same(compatible.map((c) => [c.rule, c.pointer]), [['operation-deprecated', '/paths/~1api~1v1~1things/get']])
})

t.test('a resource operation is deprecated from an onRoute hook registered before the suite (docs/compatibility.md)', async (t) => {
  const books = defineResource({ collection: 'books', permission: 'catalog', fields: Type.Object({ title: Type.String() }) })
  const app = Fastify({ routerOptions: { maxParamLength: 256 } })
  t.teardown(() => app.close())
  await app.register(platformApiDocs, { ui: false })
  app.addHook('onRoute', (route) => {
    if (route.method === 'GET' && route.url === '/api/v1/books') route.config = { ...route.config, deprecation: { date: '2026-01-01T00:00:00Z', sunset: '2026-07-01T00:00:00Z', link: '/docs/compatibility' } }
  })
  await app.register(fastifyPlatformApi, {
    publicUrl: 'https://books.example.com',
    envelope: { httpsOnly: false },
    auth: { keyStore: new MemoryKeyStore() },
    versions: [
      { prefix: '/api/v1', registry: new ResourceRegistry(new MemoryStore(), [books]) },
      { prefix: '/api/v2', registry: new ResourceRegistry(new MemoryStore(), [books]), style: 'status' }
    ]
  })
  await app.ready()
  const old = await app.inject({ url: '/api/v1/books' })
  t.equal(old.statusCode, 401, 'unauthenticated: the 401 says it too')
  t.equal(old.headers.deprecation, '@1767225600')
  t.equal(old.headers.sunset, 'Wed, 01 Jul 2026 00:00:00 GMT')
  t.equal(old.headers.link, '</docs/compatibility>; rel="deprecation"; type="text/html"')
  t.equal((await app.inject({ url: '/api/v2/books' })).headers.deprecation, undefined, 'the new version is not deprecated')
  const document = (app as unknown as { swagger: () => Json }).swagger()
  t.equal(at(document, '/paths/~1api~1v1~1books/get').deprecated, true)
  t.equal(at(document, '/paths/~1api~1v1~1books/post').deprecated, undefined)
})
