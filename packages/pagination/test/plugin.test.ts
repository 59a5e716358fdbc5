import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import platformPagination, {
  ListResponseSchema, type CursorKey, type PageQuery, type Paging, type PaginationOptions
} from '../src/index.js'

interface Item { name: string; id: number }
const ItemSchema = Type.Object({ name: Type.String(), id: Type.Integer() })

/** 25 items whose names repeat, so the sort key needs the id to break ties; shuffled. */
const ITEMS: Item[] = Array.from({ length: 25 }, (_, i) => ({ name: `table_${i % 7}`, id: (i * 11) % 25 }))
  .sort((a, b) => (a.id * 7919) % 25 - (b.id * 7919) % 25)

const sortKey = (item: Item): CursorKey => [item.name, item.id]

function compareKeys (a: CursorKey, b: CursorKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i]
    const y = b[i]
    if (x === y) continue
    if (x === undefined) return -1
    if (y === undefined) return 1
    return x < y ? -1 : 1
  }
  return 0
}

const SORTED = [...ITEMS].sort((a, b) => compareKeys(sortKey(a), sortKey(b)))

/**
 * An app with the pagination plugin and:
 * - `GET /items`: a keyset-paged list of ITEMS (the walk a store would do), schema-validated;
 * - `GET /raw`: `fastify.pagination.parse(request.query)` without a querystring schema;
 * - `GET /checked`: the same with the plugin's querySchema.
 */
async function build (t: { teardown(fn: () => unknown): void }, options: PaginationOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(platformPagination, options)
  const { pagination } = app

  app.get('/items', {
    schema: { querystring: pagination.querySchema, response: { 200: ListResponseSchema(ItemSchema) } }
  }, async (request) => {
    const { limit, after, before } = pagination.parse(request.query as PageQuery)
    let start = 0
    let end = Math.min(limit, SORTED.length)
    if (after !== undefined) {
      start = firstIndexAbove(after, 0)
      end = Math.min(start + limit, SORTED.length)
    } else if (before !== undefined) {
      end = firstIndexAbove(before, -1)
      start = Math.max(0, end - limit)
    }
    const data = SORTED.slice(start, end)
    const first = data[0]
    const last = data.at(-1)
    const paging: Paging = {
      before: start > 0 && first !== undefined ? pagination.cursor(sortKey(first)) : null,
      after: end < SORTED.length && last !== undefined ? pagination.cursor(sortKey(last)) : null,
      total: SORTED.length
    }
    return { data, paging }
  })
  app.get('/raw', async (request) => pagination.parse(request.query as PageQuery))
  app.get('/checked', { schema: { querystring: pagination.querySchema } }, async (request) => pagination.parse(request.query as PageQuery))
  await app.ready()
  return app
}

/** Index of the first sorted item whose key is > key (strict = 0) or >= key (strict = -1). */
function firstIndexAbove (key: CursorKey, strict: 0 | -1): number {
  const index = SORTED.findIndex((item) => compareKeys(sortKey(item), key) > strict)
  return index === -1 ? SORTED.length : index
}

interface ListBody { data: Item[]; paging: Paging }

async function list (app: FastifyInstance, query: Record<string, string>) {
  const response = await app.inject({ method: 'GET', url: '/items', query })
  return { statusCode: response.statusCode, body: response.json() as ListBody }
}

t.test('OpenMetadata seed: following paging.after visits every item once, in order', async (t) => {
  const app = await build(t)
  const seen: Item[] = []
  let after: string | null = null
  let pages = 0
  do {
    const query: Record<string, string> = { limit: '4' }
    if (after !== null) query.after = after
    const { statusCode, body } = await list(app, query)
    t.equal(statusCode, 200)
    t.equal(body.paging.total, 25)
    t.equal(body.paging.before === null, pages === 0, 'before is null on the first page only')
    t.ok(body.data.length <= 4)
    seen.push(...body.data)
    after = body.paging.after
    pages++
  } while (after !== null && pages < 50)
  t.equal(pages, 7)
  t.same(seen, SORTED, 'every item once, in sort order')
})

t.test('OpenMetadata seed: following paging.before from the last page visits every item once', async (t) => {
  const app = await build(t)
  // Reach the last page going forward, then walk back.
  let page = (await list(app, { limit: '4' })).body
  while (page.paging.after !== null) page = (await list(app, { limit: '4', after: page.paging.after })).body
  t.equal(page.data.length, 1, '25 = 6 x 4 + 1')

  const seen: Item[] = [...page.data]
  let pages = 1
  while (page.paging.before !== null && pages < 50) {
    page = (await list(app, { limit: '4', before: page.paging.before })).body
    t.not(page.paging.after, null, 'a page reached backwards has items after it')
    seen.unshift(...page.data)
    pages++
  }
  t.equal(pages, 7)
  t.same(seen, SORTED, 'every item once, in sort order')
})

t.test('limit defaults to defaultLimit; the first page has before: null', async (t) => {
  const { statusCode, body } = await list(await build(t), {})
  t.equal(statusCode, 200)
  t.equal(body.data.length, 10)
  t.same(body.data, SORTED.slice(0, 10))
  t.equal(body.paging.before, null)
  t.type(body.paging.after, 'string')
})

t.test('tampered, garbage and oversized cursors give 400 INVALID_CURSOR', async (t) => {
  const app = await build(t)
  const { body } = await list(app, { limit: '2' })
  const cursor = body.paging.after ?? ''
  const [payload = '', tag = ''] = cursor.split('.')
  const forged = Buffer.from(JSON.stringify(['table_0', -1]), 'utf8').toString('base64url')
  const cases: Record<string, string> = {
    'tampered payload': `${forged}.${tag}`,
    'tampered tag': `${payload}.${tag.startsWith('A') ? 'B' : 'A'}${tag.slice(1)}`,
    'signature removed': payload,
    garbage: '%%%not-a-cursor%%%',
    oversized: 'A'.repeat(1025)
  }
  for (const [name, value] of Object.entries(cases)) {
    const response = await app.inject({ method: 'GET', url: '/raw', query: { after: value } })
    t.equal(response.statusCode, 400, name)
    t.match(response.json(), { statusCode: 400, code: 'INVALID_CURSOR', error: 'Bad Request' }, name)
  }
  const ok = await app.inject({ method: 'GET', url: '/raw', query: { after: cursor } })
  t.same(ok.json(), { limit: 10, after: ['table_0', SORTED[1]?.id] }, 'the untouched cursor decodes to the sort key')
})

t.test('cursors signed with a shared cursorSecret work on every instance; the default secret is per process', async (t) => {
  const cursorSecret = 'a shared secret of at least 16 bytes'
  const a = await build(t, { cursorSecret })
  const b = await build(t, { cursorSecret: Buffer.from(cursorSecret) })
  const c = await build(t)
  const after = (await list(a, { limit: '3' })).body.paging.after ?? ''
  const onB = await list(b, { limit: '3', after })
  t.equal(onB.statusCode, 200)
  t.same(onB.body.data, SORTED.slice(3, 6))
  const onC = await c.inject({ method: 'GET', url: '/items', query: { after } })
  t.equal(onC.statusCode, 400)
  t.equal(onC.json().code, 'INVALID_CURSOR')
})

t.test('before and after together give 400 INVALID_PAGINATION', async (t) => {
  const app = await build(t)
  const { body } = await list(app, { limit: '2' })
  const after = body.paging.after ?? ''
  for (const url of ['/items', '/raw', '/checked']) {
    const response = await app.inject({ method: 'GET', url, query: { before: after, after } })
    t.equal(response.statusCode, 400, url)
    t.match(response.json(), { code: 'INVALID_PAGINATION', message: /either before or after, not both/ }, url)
  }
})

t.test('limit bounds through the query schema (Ajv coerces the querystring)', async (t) => {
  const app = await build(t, { defaultLimit: 5, maxLimit: 50 })
  t.equal(app.pagination.defaultLimit, 5)
  t.equal(app.pagination.maxLimit, 50)
  const get = (query: Record<string, string>) => app.inject({ method: 'GET', url: '/checked', query })
  t.same((await get({})).json(), { limit: 5 }, 'default filled in')
  t.same((await get({ limit: '1' })).json(), { limit: 1 })
  t.same((await get({ limit: '50' })).json(), { limit: 50 })
  for (const limit of ['0', '51', '-3', '2.5', 'ten']) {
    const response = await get({ limit })
    t.equal(response.statusCode, 400, limit)
    t.match(response.json(), { code: 'FST_ERR_VALIDATION', message: /limit/ }, limit)
  }
  const empty = await get({ after: '' })
  t.equal(empty.statusCode, 400, 'an empty cursor fails minLength')
})

t.test('limit bounds without a schema: parse answers 400 INVALID_PAGINATION', async (t) => {
  const app = await build(t, { maxLimit: 50 })
  for (const limit of ['0', '51', 'ten']) {
    const response = await app.inject({ method: 'GET', url: '/raw', query: { limit } })
    t.equal(response.statusCode, 400, limit)
    t.match(response.json(), { code: 'INVALID_PAGINATION', message: /limit must be an integer from 1 to 50/ }, limit)
  }
  t.same((await app.inject({ method: 'GET', url: '/raw', query: { limit: '7' } })).json(), { limit: 7 })
})

t.test('bad options throw PAGINATION_INVALID_OPTION at registration', async (t) => {
  const bad: unknown[] = [
    { defaultLimit: 0 },
    { defaultLimit: 2000 },
    { maxLimit: 0 },
    { maxLimit: '100' },
    { defaultLimit: 20, maxLimit: 10 },
    { cursorSecret: 'too short' },
    { cursorSecret: Buffer.alloc(8) },
    { cursorSecret: 42 }
  ]
  for (const options of bad) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(platformPagination, options as PaginationOptions)
    await t.rejects(async () => { await app.ready() }, { code: 'PAGINATION_INVALID_OPTION' }, JSON.stringify(options))
  }
})

t.test('fastify.pagination is the decorator: bounds, querySchema, parse, cursor', async (t) => {
  const app = await build(t)
  const { pagination } = app
  t.equal(pagination.defaultLimit, 10)
  t.equal(pagination.maxLimit, 1000)
  t.match(pagination.querySchema.properties.limit, { minimum: 1, maximum: 1000, default: 10 })
  const cursor = pagination.cursor(['default.tpch', 'id-1'])
  t.same(pagination.parse({ after: cursor, limit: 3 }), { limit: 3, after: ['default.tpch', 'id-1'] })
  t.ok(Object.isFrozen(pagination))
})
