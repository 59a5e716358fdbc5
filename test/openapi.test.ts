/**
 * The OpenAPI 3.1 document of the example server (issue 10): served without authentication at
 * /documentation/json and /documentation/yaml, valid against the OpenAPI 3.1 schema
 * (@seriousme/openapi-schema-validator), listing every route Fastify printed (printRoutes) with
 * its request and response schemas, the Digest security scheme, and the same bytes on every build.
 */
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { Validator } from '@seriousme/openapi-schema-validator'
import { openApiForPrefix, type OpenApiDocument } from 'fastify-platform-api'
import { buildServer } from '../examples/platform-server/src/server.js'

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const
type Operation = {
  operationId?: string
  summary?: string
  description?: string
  tags?: string[]
  parameters?: Array<{ in: string, name: string, required?: boolean, schema?: unknown }>
  requestBody?: { content: Record<string, { schema?: unknown }> }
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>
  security?: unknown[]
}

async function build (t: { teardown: (fn: () => unknown) => void }): Promise<FastifyInstance> {
  const { app } = await buildServer({ envelope: { httpsOnly: false }, seed: false, publicUrl: 'https://platform.example.com' })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/**
 * Every `METHOD /path` of `printRoutes({ commonPrefix: false })`: a tree whose lines read
 * `├── /segment (GET, HEAD)`, each level 4 characters deeper; paths in OpenAPI form (`{id}`).
 */
function printedRoutes (tree: string): string[] {
  const stack: string[] = []
  const out: string[] = []
  for (const line of tree.split('\n')) {
    const at = line.indexOf('── ')
    if (at < 0) continue
    const depth = Math.round((at - 1) / 4)
    const m = /^(.*?) \(([A-Z, ]+)\)$/.exec(line.slice(at + 3))
    const segment = m?.[1] ?? line.slice(at + 3)
    const path = (stack[depth - 1] ?? '') + segment
    stack[depth] = path
    stack.length = depth + 1
    for (const method of (m?.[2] ?? '').split(', ').filter(Boolean)) out.push(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
  }
  return out
}

function operations (document: OpenApiDocument): Array<[string, Operation]> {
  const out: Array<[string, Operation]> = []
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method]
      if (operation !== undefined) out.push([`${method.toUpperCase()} ${path}`, operation])
    }
  }
  return out
}

t.test('GET /documentation/json and /documentation/yaml answer without authentication', async (t) => {
  const app = await build(t)
  const json = await app.inject({ url: '/documentation/json' })
  t.equal(json.statusCode, 200)
  t.equal(json.json().openapi, '3.1.0')
  const yaml = await app.inject({ url: '/documentation/yaml' })
  t.equal(yaml.statusCode, 200)
  t.match(yaml.headers['content-type'], /yaml/)
  t.match(yaml.body, /^openapi: 3\.1\.0/m)
  const page = await app.inject({ url: '/documentation/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.equal((await app.inject({ url: '/api/v1/tables' })).statusCode, 401, 'the API itself still needs Digest')
})

t.test('the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async (t) => {
  const app = await build(t)
  const document = (await app.inject({ url: '/documentation/json' })).json()
  const validator = new Validator()
  const result = await validator.validate(document)
  t.same(result.errors ?? [], [], 'no schema errors')
  t.equal(result.valid, true)
  t.equal(validator.version, '3.1')
})

t.test('every route Fastify printed is in the document, and nothing else (HEAD is GET\'s; the docs pages are not API)', async (t) => {
  const app = await build(t)
  const document = app.swagger() as unknown as OpenApiDocument
  const printed = printedRoutes(app.printRoutes({ commonPrefix: false }))
    .filter((r) => !r.startsWith('HEAD ') && !/ \/documentation(\/|$)/.test(r))
  t.ok(printed.length >= 60, `${printed.length} routes printed`)
  t.ok(printed.some((r) => r === 'PATCH /api/v2/catalogs/{catalog}/databases/{database}/tables/{table}/columns/{column}'))
  const documented = operations(document).map(([key]) => key)
  t.same([...documented].sort(), [...printed].sort(), 'the same METHOD /path pairs')
})

t.test('each operation: operationId (unique), summary, description, tags, request and response schemas, security', async (t) => {
  const app = await build(t)
  const document = app.swagger() as unknown as OpenApiDocument
  const ids = new Set<string>()
  for (const [key, operation] of operations(document)) {
    const path = key.slice(key.indexOf(' ') + 1)
    t.ok(operation.operationId !== undefined && !ids.has(operation.operationId), `${key}: a unique operationId`)
    ids.add(operation.operationId ?? '')
    t.ok((operation.summary ?? '') !== '' && (operation.description ?? '') !== '' && (operation.tags ?? []).length > 0, `${key}: summary, description, tags`)
    for (const name of path.match(/\{([^}]+)\}/g) ?? []) {
      t.ok(operation.parameters?.some((p) => p.in === 'path' && `{${p.name}}` === name && p.required === true && p.schema !== undefined), `${key}: path parameter ${name} with a schema`)
    }
    if (/^(POST|PUT|PATCH) /.test(key)) {
      const content = operation.requestBody?.content ?? {}
      t.ok(Object.keys(content).length > 0 && Object.values(content).every((c) => c.schema !== undefined), `${key}: a request body schema`)
    }
    const success = Object.entries(operation.responses).filter(([status]) => /^2/.test(status))
    t.ok(success.length > 0 && success.every(([, r]) => r.content?.['application/json']?.schema !== undefined), `${key}: a 2xx application/json schema`)
    if (!key.endsWith(' /health')) {
      t.ok(operation.responses['4XX']?.content?.['application/problem+json']?.schema !== undefined, `${key}: 4XX in application/problem+json too`)
      t.equal(operation.security, undefined, `${key}: the document's Digest security applies`)
    }
  }
  t.same(document.security, [{ digest: [] }])
  t.match((document.components as { securitySchemes: unknown }).securitySchemes, { digest: { type: 'http', scheme: 'digest', description: /RFC 7616/ } })
  t.same((document.paths?.['/health']?.get as Operation).security, [], '/health needs no authentication')
})

t.test('the media types of PATCH and SQL, the pagination parameters of both versions', async (t) => {
  const app = await build(t)
  const paths = (app.swagger() as unknown as OpenApiDocument).paths ?? {}
  const op = (path: string, method: string): Operation => (paths[path] as Record<string, Operation>)[method] as Operation
  t.same(Object.keys(op('/api/v1/tables/{id}', 'patch').requestBody?.content ?? {}).sort(), ['application/json-patch+json', 'application/merge-patch+json'])
  t.same(Object.keys(op('/api/v2/catalogs/{catalog}/databases/{database}/tables/{table}', 'patch').requestBody?.content ?? {}).sort(), ['application/json', 'application/json-patch+json', 'application/merge-patch+json'])
  t.same(Object.keys(op('/api/v2/catalogs/{catalog}/databases/{database}/tables/create', 'post').requestBody?.content ?? {}), ['application/sql'])
  const v1List = op('/api/v1/tables', 'get').parameters?.map((p) => p.name) ?? []
  t.ok(['limit', 'before', 'after'].every((n) => v1List.includes(n)), 'cursor mode: limit, before, after')
  const v2List = op('/api/v2/catalogs', 'get').parameters?.map((p) => p.name) ?? []
  t.ok(['pageNum', 'itemsPerPage'].every((n) => v2List.includes(n)) && !v2List.includes('after'), 'page mode: pageNum, itemsPerPage')
  t.equal(op('/api/v2/catalogs', 'get').operationId, 'v2ListCatalogs', 'v2 operationIds carry the version prefix')
  t.equal(op('/api/v1/catalogs', 'get').operationId, 'listCatalogs')
})

t.test('Idempotency-Key: a header parameter of every POST that creates, with its 409 and 422 answers (draft-ietf-httpapi-idempotency-key-header)', async (t) => {
  const app = await build(t)
  const document = app.swagger() as unknown as OpenApiDocument
  const posts = operations(document).filter(([key]) => key.startsWith('POST ') && !key.includes('/accessList'))
  t.ok(posts.length >= 10, `${posts.length} POST operations`)
  for (const [key, operation] of posts) {
    const header = operation.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key')
    t.ok(header !== undefined && header.required !== true && header.schema !== undefined, `${key}: an optional idempotency-key header`)
    t.ok(operation.responses['409']?.content?.['application/json']?.schema !== undefined && operation.responses['422']?.content?.['application/json']?.schema !== undefined, `${key}: 409 and 422 in the error format`)
  }
  const put = (document.paths?.['/api/v1/catalogs'] as Record<string, Operation>).put as Operation
  t.notOk(put.parameters?.some((p) => p.name === 'idempotency-key'), 'PUT is idempotent by itself: no key')
})

t.test('deterministic, and one document per version with openApiForPrefix', async (t) => {
  const one = (await build(t)).swagger() as unknown as OpenApiDocument
  const two = (await build(t)).swagger() as unknown as OpenApiDocument
  t.equal(JSON.stringify(one), JSON.stringify(two), 'two builds, the same bytes')
  t.same(Object.keys(one.paths ?? {}), Object.keys(one.paths ?? {}).sort(), 'paths in sorted order')
  const v1 = openApiForPrefix(one, '/api/v1')
  t.ok(Object.keys(v1.paths ?? {}).length > 0 && Object.keys(v1.paths ?? {}).every((p) => p.startsWith('/api/v1/')))
  t.notOk(v1.paths?.['/health'])
  const v2 = openApiForPrefix(one, '/api/v2')
  t.ok(Object.keys(v2.paths ?? {}).every((p) => p.startsWith('/api/v2/')))
  t.notOk(JSON.stringify(v2.paths).includes('"apiKeys"'), 'no v1-only tag in the v2 paths')
  t.notOk((v2.tags ?? []).some((tag) => tag.name === 'apiKeys'))
  t.equal(JSON.stringify(openApiForPrefix(one, '/api/v1')), JSON.stringify(v1), 'pure: the same answer twice')
})

t.test('platformApiDocs checks its options at registration (DOCS_INVALID_OPTION)', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { platformApiDocs } = await import('fastify-platform-api')
  for (const options of [{ routePrefix: 'docs/' }, { info: { title: 1 } }, { servers: [{}] }]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(platformApiDocs, options as never); await app.ready() }, { code: 'DOCS_INVALID_OPTION' }, JSON.stringify(options))
  }
})
