/**
 * Issue 11, "no 5xx from any client input": the classes closed, not the instances.
 * Depth limits before recursive code; one name rule; cursors bound to their list and
 * always within their cap.
 */
import t from 'tap'
import { decodeScopedCursor, encodeScopedCursor, MAX_CURSOR_LENGTH } from '@platform-api/pagination'
import { build, errorFormat, snapshot } from './helpers.js'

/** A name as printable ASCII for test messages (TAP lines must not hold U+2028). */
const escape = (s: string): string => s.replace(/[^\x20-\x7e]/gu, (c) => `\\u${c.codePointAt(0)?.toString(16).padStart(4, '0') ?? ''}`).slice(0, 40)
const nested = (depth: number, leaf: string): string => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth)
const nestedArray = (depth: number): string => '['.repeat(depth) + '1' + ']'.repeat(depth)

t.test('recursion: merge patch 5,000 deep and JSON Patch values 10,000 deep are 400 JSON_TOO_DEEP, store unchanged', async (t) => {
  const { as, registry } = await build(t)
  const list = await as({ method: 'GET', url: '/api/v1/integrations?limit=1' })
  const id = list.json().data[0].id as string
  const before = await snapshot(registry)
  const cases = [
    { type: 'application/merge-patch+json', payload: `{"description":${nested(5000, '"x"')}}` },
    { type: 'application/merge-patch+json', payload: nested(100_000, '1') },
    { type: 'application/json-patch+json', payload: `[{"op":"add","path":"/description","value":${nestedArray(10_000)}}]` },
    { type: 'application/json-patch+json', payload: `[{"op":"replace","path":"/language","value":${nested(10_000, '1')}}]` }
  ]
  for (const c of cases) {
    const res = await as({ method: 'PATCH', url: `/api/v1/integrations/${id}`, headers: { 'content-type': c.type }, payload: c.payload })
    t.equal(res.statusCode, 400, `${c.type} ${c.payload.length} bytes`)
    t.equal(res.json().errorCode, 'JSON_TOO_DEEP')
    t.notOk(errorFormat(res))
  }
  const post = await as({ method: 'POST', url: '/api/v1/catalogs', headers: { 'content-type': 'application/json' }, payload: `{"name":"deep","description":${nested(50_000, '1')}}` })
  t.equal(post.statusCode, 400)
  t.equal(post.json().errorCode, 'JSON_TOO_DEEP')
  t.equal(await snapshot(registry), before, 'nothing written')
})

t.test('names: one rule for every name field: control characters refused (default and custom name schemas), NFC stored', async (t) => {
  const { as, registry } = await build(t)
  const before = await snapshot(registry)
  for (const name of ['\u0000', 'a\u0007b', '\u001b[31mred', 'x\u202Ey', 'x\u2028y', '\u0001'.repeat(256), 'a\u200Db']) {
    for (const [url, body] of [['/api/v1/integrations', { name, category: 'orm' }], ['/api/v1/catalogs', { name }]] as const) {
      const res = await as({ method: 'POST', url, payload: body })
      t.equal(res.statusCode, 400, `${url} ${escape(name)}`)
      t.equal(res.json().errorCode, 'INVALID_ATTRIBUTE')
      t.same(res.json().parameters, ['/name'])
    }
    const put = await as({ method: 'PUT', url: '/api/v1/integrations', payload: { name, category: 'orm' } })
    t.equal(put.statusCode, 400)
  }
  t.equal(await snapshot(registry), before, 'nothing written')
  const decomposed = 'Cafe\u0301 ORM'
  const created = await as({ method: 'POST', url: '/api/v1/integrations', payload: { name: decomposed, category: 'orm' } })
  t.equal(created.statusCode, 201)
  t.equal(created.json().name, 'Caf\u00e9 ORM', 'stored in NFC')
  const again = await as({ method: 'POST', url: '/api/v1/integrations', payload: { name: 'Caf\u00e9 ORM', category: 'orm' } })
  t.equal(again.statusCode, 409, 'the precomposed spelling is the same name')
})

t.test('cursors: bound to collection and filter; a 256-character name pages without 5xx and every cursor is within the cap', async (t) => {
  const { as, registry } = await build(t)
  const tables = await as({ method: 'GET', url: '/api/v1/tables?limit=2' })
  const after = tables.json().paging.after as string
  for (const url of [`/api/v1/columns?limit=2&after=${after}`, `/api/v1/tables?limit=2&tableType=view&after=${after}`, `/api/v1/integrations?after=${after}`]) {
    const res = await as({ method: 'GET', url })
    t.equal(res.statusCode, 400, url)
    t.equal(res.json().errorCode, 'INVALID_CURSOR')
    t.same(res.json().parameters, ['after'])
  }
  t.equal((await as({ method: 'GET', url: `/api/v1/tables?limit=2&after=${after}` })).statusCode, 200, 'its own list takes it')
  // Names as long as the rule allows, in 3-byte characters: the key would not fit a cursor.
  const service = registry.get('integrations')
  for (const ch of ['語', '表']) await service.create(service.validateCreate({ name: ch.repeat(256), category: 'orm' }))
  let url: string | undefined = '/api/v1/integrations?limit=1'
  let seen = 0
  const cursors: string[] = []
  while (url !== undefined) {
    const res = await as({ method: 'GET', url })
    t.equal(res.statusCode, 200, res.body.slice(0, 200))
    if (res.statusCode !== 200) break
    seen += res.json().data.length
    const next = res.json().paging.after as string | null
    if (next !== null) cursors.push(next)
    url = next === null ? undefined : `/api/v1/integrations?limit=1&after=${encodeURIComponent(next)}`
  }
  t.equal(seen, (await registry.store.list('integrations', { limit: 1 })).total, 'every integration once')
  t.ok(cursors.every((c) => c.length <= MAX_CURSOR_LENGTH), 'every cursor within the cap')
  t.ok(cursors.some((c) => c.length < 200), 'a long key goes by id')
})

t.test('cursor codec: a key too long for the cap is carried by id; another scope is refused', async (t) => {
  const secret = Buffer.alloc(32, 7)
  const long = encodeScopedCursor({ key: ['x'.repeat(100_000)], id: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924' }, 'tables', secret)
  t.ok(long.length <= MAX_CURSOR_LENGTH)
  t.same(decodeScopedCursor(long, 'tables', secret), { id: 'e3b0c442-98fc-4c14-9afb-f4c8996fb924' })
  t.throws(() => decodeScopedCursor(long, 'columns', secret), { code: 'INVALID_CURSOR' })
})
