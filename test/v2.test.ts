/**
 * The StarRocks-style /api/v2 of the example server, over real HTTPS (API-CONTRACT.md "/api/v2";
 * seeds/starrocks-restful-api-standard.txt): hierarchical names, {status, message, result},
 * create-if-absent PUT, drop-if-exists DELETE, partial PATCH, page mode, CREATE TABLE from SQL;
 * the same store as /api/v1.
 */
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { MAIN } from './helpers/server.js'
import { startHttpsServer } from './helpers/https-server.js'

const TPCH = ['part', 'supplier', 'partsupp', 'customer', 'orders', 'lineitem', 'nation', 'region']
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/tpch/${name}.sql`, import.meta.url), 'utf8')

if (!existsSync(MAIN)) {
  t.fail(`build first (npm run build): ${MAIN} is missing`)
} else {
  t.test('/api/v2 over HTTPS', async (t) => {
    const { origin, owner: call } = await startHttpsServer(t)
    const v2 = `${origin}/api/v2`

    await t.test('StarRocks "Target Object Access Path": every level by name, {status: "0", message: "OK", result}', async (t) => {
      const catalogs = await call('GET', '/api/v2/catalogs')
      t.equal(catalogs.status, 200)
      t.same(Object.keys(catalogs.json()), ['status', 'message', 'result'])
      t.match(catalogs.json(), { status: '0', message: 'OK', result: { pageNum: 1, itemsPerPage: 10, totalCount: 1 } })
      const catalog = (await call('GET', '/api/v2/catalogs/default')).json().result
      t.match(catalog, { name: 'default', fullyQualifiedName: 'default', href: `${v2}/catalogs/default` })
      t.equal((await call('GET', '/api/v2/catalogs/default/databases')).json().result.totalCount, 2)
      const database = (await call('GET', '/api/v2/catalogs/default/databases/tpch')).json().result
      t.match(database, { name: 'tpch', href: `${v2}/catalogs/default/databases/tpch`, catalog: { name: 'default', href: `${v2}/catalogs/default` } })
      const tables = (await call('GET', '/api/v2/catalogs/default/databases/tpch/tables?itemsPerPage=100')).json().result
      t.equal(tables.totalCount, 8)
      t.same(tables.items.map((i: { name: string }) => i.name).sort(), [...TPCH].sort())
      const lineitem = (await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/lineitem')).json().result
      t.match(lineitem, { fullyQualifiedName: 'default.tpch.lineitem', href: `${v2}/catalogs/default/databases/tpch/tables/lineitem` })
      const page2 = (await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/lineitem/columns?pageNum=2&itemsPerPage=10')).json().result
      t.match(page2, { pageNum: 2, itemsPerPage: 10, totalCount: 16 })
      t.equal(page2.items.length, 6)
      const past = (await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/lineitem/columns?pageNum=9&itemsPerPage=10')).json().result
      t.same(past.items, [], 'a page past the end is an empty page, not an error')
      const column = (await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/lineitem/columns/l_orderkey')).json().result
      t.match(column, { dataType: 'INTEGER', nullable: false, ordinalPosition: 1, href: `${v2}/catalogs/default/databases/tpch/tables/lineitem/columns/l_orderkey` })
    })

    await t.test('errors: {status: "<http status>", message, result: {error, reason, detail, errorCode}} with the HTTP status set', async (t) => {
      const missing = await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/nope')
      t.equal(missing.status, 404)
      t.match(missing.json(), { status: '404', message: 'Not Found', result: { error: 404, reason: 'Not Found', errorCode: 'ENTITY_NOT_FOUND' } })
      t.match(missing.json().result.detail, 'default.tpch.nope')
      const missingParent = await call('GET', '/api/v2/catalogs/default/databases/nope/tables')
      t.equal(missingParent.status, 404)
      const badName = await call('GET', '/api/v2/catalogs/bad%20name')
      t.equal(badName.status, 400, 'names in the path are URL-decoded and validated like names in bodies')
      t.match(badName.json().result, { errorCode: 'INVALID_ATTRIBUTE' })
      const wrongMethod = await call('POST', '/api/v2/catalogs/default/databases/tpch/tables/lineitem', { body: {} })
      t.equal(wrongMethod.status, 405)
      t.match(wrongMethod.headers.allow, /GET/)
      const unknown = await call('GET', '/api/v2/warehouses')
      t.equal(unknown.status, 404)
      t.equal(unknown.json().status, '404')
    })

    await t.test('POST on a collection creates (201 with the object URI), a second time is 409', async (t) => {
      const created = await call('POST', '/api/v2/catalogs/default/databases', { body: { name: 'sales', description: 'Sales data' } })
      t.equal(created.status, 201)
      t.equal(created.headers.location, `${v2}/catalogs/default/databases/sales`)
      t.match(created.json(), { status: '0', message: 'OK', result: { name: 'sales', href: `${v2}/catalogs/default/databases/sales` } })
      const again = await call('POST', '/api/v2/catalogs/default/databases', { body: { name: 'sales' } })
      t.equal(again.status, 409)
      t.match(again.json(), { status: '409', result: { errorCode: 'DUPLICATE_NAME' } })
      const parentInBody = await call('POST', '/api/v2/catalogs/default/databases', { body: { name: 'other', catalog: 'default' } })
      t.equal(parentInBody.status, 400, 'the parent comes from the path, never from the body')
    })

    await t.test('PUT creates if absent: 201, or 200 with the entity unchanged', async (t) => {
      const existing = await call('PUT', '/api/v2/catalogs/default/databases', { body: { name: 'sales', description: 'replaced?' } })
      t.equal(existing.status, 200)
      t.equal(existing.json().result.description, 'Sales data', 'unchanged')
      t.equal(existing.json().result.version, 1)
      const created = await call('PUT', '/api/v2/catalogs/default/databases', { body: { name: 'ops' } })
      t.equal(created.status, 201)
      t.equal(created.headers.location, `${v2}/catalogs/default/databases/ops`)
    })

    await t.test('PATCH takes a partial document (application/json, merge)', async (t) => {
      const patched = await call('PATCH', '/api/v2/catalogs/default/databases/sales', { body: { description: 'Sales, 2026' } })
      t.equal(patched.status, 200)
      t.match(patched.json().result, { name: 'sales', description: 'Sales, 2026', version: 2 })
      const readOnly = await call('PATCH', '/api/v2/catalogs/default/databases/sales', { body: { name: 'renamed' } })
      t.equal(readOnly.status, 400)
      t.equal(readOnly.json().result.errorCode, 'INVALID_ATTRIBUTE')
    })

    await t.test('DELETE: drop if exists; a database with tables needs ?recursive=true', async (t) => {
      const absent = await call('DELETE', '/api/v2/catalogs/default/databases/nope')
      t.equal(absent.status, 200)
      t.same(absent.json(), { status: '0', message: 'OK', result: null })
      const dropped = await call('DELETE', '/api/v2/catalogs/default/databases/ops')
      t.equal(dropped.status, 200)
      t.equal(dropped.json().result.name, 'ops')
      t.equal((await call('GET', '/api/v2/catalogs/default/databases/ops')).status, 404)
      const notEmpty = await call('DELETE', '/api/v2/catalogs/default/databases/tpch')
      t.equal(notEmpty.status, 409)
      t.equal(notEmpty.json().result.errorCode, 'ENTITY_NOT_EMPTY')
    })

    await t.test('POST …/tables/create with CREATE TABLE SQL; PUT is CREATE IF NOT EXISTS', async (t) => {
      const path = '/api/v2/catalogs/default/databases/sales/tables/create'
      const created = await call('POST', path, { body: fixture('nation'), contentType: 'application/sql' })
      t.equal(created.status, 201, created.body)
      t.equal(created.headers.location, `${v2}/catalogs/default/databases/sales/tables/nation`)
      const table = created.json().result
      t.match(table, { name: 'nation', fullyQualifiedName: 'default.sales.nation', href: created.headers.location })
      t.same(table.columns.map((c: { name: string, dataType: string }) => [c.name, c.dataType]), [['n_nationkey', 'INTEGER'], ['n_name', 'CHAR(25)'], ['n_regionkey', 'INTEGER'], ['n_comment', 'VARCHAR(152)']])
      const again = await call('POST', path, { body: fixture('nation'), contentType: 'application/sql' })
      t.equal(again.status, 409)
      const idempotent = await call('PUT', path, { body: fixture('nation'), contentType: 'application/sql' })
      t.equal(idempotent.status, 200)
      t.equal(idempotent.json().result.id, table.id)
      const json = await call('POST', path, { body: { sql: 'CREATE TABLE x (a INT)' } })
      t.equal(json.status, 415)
      const viaV1 = await call('GET', '/api/v1/tables/name/default.sales.nation?fields=columns')
      t.equal(viaV1.status, 200)
      t.equal(viaV1.json().columns.length, 4)
    })

    await t.test('the TPC-H CREATE TABLE statements of all 8 tables give the columns and types of the seeded tpch', async (t) => {
      t.equal((await call('POST', '/api/v2/catalogs/default/databases', { body: { name: 'tpch2' } })).status, 201)
      for (const name of TPCH) {
        const res = await call('POST', '/api/v2/catalogs/default/databases/tpch2/tables/create', { body: fixture(name), contentType: 'application/sql' })
        t.equal(res.status, 201, `${name}: ${res.body.slice(0, 200)}`)
      }
      const shape = async (database: string): Promise<Record<string, string[][]>> => {
        const out: Record<string, string[][]> = {}
        for (const name of TPCH) {
          const cols = (await call('GET', `/api/v2/catalogs/default/databases/${database}/tables/${name}/columns?itemsPerPage=100`)).json().result.items
          out[name] = cols.sort((a: { ordinalPosition: number }, b: { ordinalPosition: number }) => a.ordinalPosition - b.ordinalPosition)
            .map((c: { name: string, dataType: string, ordinalPosition: number }) => [c.name, c.dataType, String(c.ordinalPosition)])
        }
        return out
      }
      t.same(await shape('tpch2'), await shape('tpch'))
    })

    await t.test('20 malformed or unsupported statements each answer 400 naming line and column, and create nothing', async (t) => {
      const bad = [
        'CREATE TABLE t (a INT',
        'CREATE TABLE t (a FOO)',
        'CREATE TABLE t ()',
        'DROP TABLE lineitem',
        'CREATE VIEW v AS SELECT 1',
        'CREATE TABLE t AS SELECT 1 AS a',
        'CREATE TABLE t LIKE lineitem',
        'CREATE TABLE t (a INT) DUPLICATE KEY(a) DISTRIBUTED BY HASH(a) BUCKETS 1',
        'CREATE TABLE t (a INT, a INT)',
        'CREATE TABLE t (a INT,\n  PRIMARY KEY (b))',
        'CREATE TABLE `bad name` (a INT)',
        'CREATE TABLE t (`a.b` INT)',
        '',
        '-- only a comment',
        'CREATE TABLE t1 (a INT); CREATE TABLE t2 (b INT)',
        'SELECT * FROM lineitem',
        'INSERT INTO t VALUES (1)',
        'CREATE TABLE otherdb.t (a INT)',
        'CREATE TABLE t (a DECIMAL(15,2,3))',
        'CREATE TABLE t (a VARCHAR(10) NOT NOT NULL)',
        `CREATE TABLE ${'x'.repeat(300)} (a INT)`,
        'CREATE TABLE t (\n  a INT,\n  b INT COMMENT\n)'
      ]
      t.ok(bad.length >= 20)
      const before = (await call('GET', '/api/v2/catalogs/default/databases/sales/tables')).json().result.totalCount
      for (const sql of bad) {
        const res = await call('POST', '/api/v2/catalogs/default/databases/sales/tables/create', { body: sql, contentType: 'application/sql' })
        t.equal(res.status, 400, JSON.stringify(sql.slice(0, 60)))
        const result = res.json().result
        t.ok(['INVALID_SQL', 'UNSUPPORTED_SQL'].includes(result.errorCode), result.errorCode)
        t.match(result.detail, /at line \d+, column \d+/)
        t.equal(result.parameters.length, 2)
      }
      const nested = await call('POST', '/api/v2/catalogs/default/databases/sales/tables/create', { body: 'CREATE TABLE t (\n  a INT,\n  b INT COMMENT\n)', contentType: 'application/sql' })
      t.same(nested.json().result.parameters, [4, 1], 'the line and column of the problem')
      const after = (await call('GET', '/api/v2/catalogs/default/databases/sales/tables')).json().result.totalCount
      t.equal(after, before, 'nothing created')
      t.equal((await call('GET', '/api/v1/tables?database=default.sales&limit=100')).json().paging.total, before)
    })

    await t.test('one store: created through v1, read through v2, and the other way round', async (t) => {
      const v1Catalog = await call('POST', '/api/v1/catalogs', { body: { name: 'lake', type: 'iceberg' } })
      t.equal(v1Catalog.status, 201)
      const seenInV2 = await call('GET', '/api/v2/catalogs/lake')
      t.match(seenInV2.json().result, { id: v1Catalog.json().id, type: 'iceberg' })
      const v2Database = await call('POST', '/api/v2/catalogs/lake/databases', { body: { name: 'raw' } })
      t.equal(v2Database.status, 201)
      const seenInV1 = await call('GET', '/api/v1/databases/name/lake.raw')
      t.match(seenInV1.json(), { id: v2Database.json().result.id, href: `${origin}/api/v1/databases/${v2Database.json().result.id as string}` })
      await call('PATCH', '/api/v2/catalogs/lake', { body: { description: 'from v2' } })
      t.match((await call('GET', `/api/v1/catalogs/${v1Catalog.json().id as string}`)).json(), { description: 'from v2', version: 2 })
      await call('DELETE', `/api/v1/databases/${v2Database.json().result.id as string}`)
      t.equal((await call('GET', '/api/v2/catalogs/lake/databases/raw')).status, 404)
    })

    await t.test('Atlas response options and RFC 9457 on v2 too', async (t) => {
      const wrapped = await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/nope?envelope=true')
      t.equal(wrapped.status, 200)
      t.match(wrapped.json(), { status: 404, content: { status: '404', result: { errorCode: 'ENTITY_NOT_FOUND' } } })
      const problem = await call('GET', '/api/v2/catalogs/default/databases/tpch/tables/nope', { headers: { accept: 'application/problem+json' } })
      t.equal(problem.status, 404)
      t.match(problem.headers['content-type'], /^application\/problem\+json/)
      t.match(problem.json(), { type: 'about:blank', status: 404, errorCode: 'ENTITY_NOT_FOUND', instance: '/api/v2/catalogs/default/databases/tpch/tables/nope' })
      const pretty = await call('GET', '/api/v2/catalogs?pretty=true')
      t.match(pretty.body, /^\{\n {2}"status": "0",/)
    })
  })
}
