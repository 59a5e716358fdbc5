/**
 * Issue 11, total response size on the example server (default maxResponseBytes, 4 MiB): a list
 * of big tables with `?fields=columns` (5 tables x 1,000 columns with 1 KB descriptions, ~7 MB)
 * is cut to what fits, and the cursors still lead through every table once; the same page in
 * page mode (/api/v2) is 400 RESPONSE_TOO_LARGE in the error format.
 */
import t from 'tap'
import { build, errorFormat } from './helpers.js'

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024

t.test('?fields=columns over 4 MiB: cut in cursor mode (paging.after continues), 400 in page mode', async (t) => {
  const { as, registry } = await build(t, { rateLimit: false })
  const tables = registry.get('tables')
  const columns = registry.get('columns')
  await registry.get('databases').create(registry.get('databases').validateCreate({ name: 'big', catalog: 'default' }))
  for (let i = 0; i < 5; i++) {
    await tables.create(tables.validateCreate({ name: `wide${i}`, database: 'default.big' }))
    for (let c = 1; c <= 1000; c++) {
      await columns.create(columns.validateCreate({ name: `c${c}`, table: `default.big.wide${i}`, dataType: 'VARCHAR(1024)', ordinalPosition: c, description: 'x'.repeat(1024) }))
    }
  }
  const seen: string[] = []
  let url = '/api/v1/tables?database=default.big&fields=columns&limit=1000'
  let pages = 0
  for (;;) {
    const res = await as({ method: 'GET', url })
    t.equal(res.statusCode, 200)
    t.ok(Buffer.byteLength(res.body) <= MAX_RESPONSE_BYTES, `page ${pages}: ${Buffer.byteLength(res.body)} bytes`)
    const body = res.json()
    for (const table of body.data as Array<{ name: string, columns: unknown[] }>) {
      seen.push(table.name)
      t.equal(table.columns.length, 1000, `${table.name}: its 1,000 columns`)
    }
    pages++
    if (body.paging.after === null) break
    url = `/api/v1/tables?database=default.big&fields=columns&limit=1000&after=${encodeURIComponent(body.paging.after)}`
  }
  t.ok(pages >= 2, `${pages} pages for 5 tables (limit 1000)`)
  t.same(seen, ['wide0', 'wide1', 'wide2', 'wide3', 'wide4'], 'every table once')

  const v2 = await as({ method: 'GET', url: '/api/v2/catalogs/default/databases/big/tables?fields=columns&itemsPerPage=10' })
  t.equal(v2.statusCode, 400)
  t.equal(v2.json().result.errorCode, 'RESPONSE_TOO_LARGE')
  const plain = await as({ method: 'GET', url: '/api/v1/tables/name/default.big.wide0?fields=columns' })
  t.equal(plain.statusCode, 200, 'one table with its 1,000 columns fits')
  t.equal(v2.json().status, '400', 'StarRocks error body')
  t.equal(v2.json().result.requestId, v2.headers['x-request-id'], 'with the request id')
  const v1Page = await as({ method: 'GET', url: '/api/v1/tables/name/default.big.wide0?fields=columns&limit=1' })
  t.equal(v1Page.statusCode, 400, 'limit is not a parameter of a GET by name')
  t.notOk(errorFormat(v1Page))
})
