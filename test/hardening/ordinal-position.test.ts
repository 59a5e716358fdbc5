/**
 * Issue 11: a column's `ordinalPosition` is unique in its table. Without one a column goes after
 * the last (largest + 1, computed in the create's transaction, also after deletes and explicit
 * positions); a position another column holds is 409 ORDINAL_POSITION_TAKEN in the error format
 * and changes nothing; concurrent creates on the PostgresStore never get the same number.
 */
import t from 'tap'
import { openPostgresStore } from '@platform-api/store-postgres'
import { TEST_DATABASE_URL, dropSchema, postgresUnavailable, uniqueSchema } from '../../packages/store-postgres/test/fixtures/postgres.js'
import { build, errorFormat, snapshot, type Built } from './helpers.js'

const JSON_TYPE = { 'content-type': 'application/json' }

async function addColumn (as: Built['as'], table: string, name: string, ordinalPosition?: number): Promise<{ statusCode: number, body: Record<string, unknown> }> {
  const res = await as({ method: 'POST', url: '/api/v1/columns', headers: JSON_TYPE, payload: { name, table, dataType: 'INT', ...(ordinalPosition !== undefined ? { ordinalPosition } : {}) } })
  return { statusCode: res.statusCode, body: res.json() }
}

async function positions (as: Built['as'], table: string): Promise<Record<string, number>> {
  const res = await as({ method: 'GET', url: `/api/v1/columns?table=${table}&limit=1000&fields=ordinalPosition` })
  return Object.fromEntries((res.json().data as Array<{ name: string, ordinalPosition: number }>).map((c) => [c.name, c.ordinalPosition]))
}

t.test('without a position: largest + 1, also after a delete and after an explicit position', async (t) => {
  const { as } = await build(t, { rateLimit: false })
  await as({ method: 'POST', url: '/api/v1/tables', headers: JSON_TYPE, payload: { name: 'p', database: 'default.tpch' } })
  const table = 'default.tpch.p'
  for (const name of ['a', 'b', 'c']) t.equal((await addColumn(as, table, name)).body.ordinalPosition, ['a', 'b', 'c'].indexOf(name) + 1, `${name} appended`)
  const a = await as({ method: 'GET', url: '/api/v1/columns/name/default.tpch.p.a' })
  t.equal((await as({ method: 'DELETE', url: `/api/v1/columns/${String(a.json().id)}` })).statusCode, 200)
  // 2 columns left, positions 2 and 3: the old rule (count + 1) gave 3, a duplicate.
  t.equal((await addColumn(as, table, 'd')).body.ordinalPosition, 4, 'after a delete: 4, not 3')
  t.equal((await addColumn(as, table, 'e', 10)).statusCode, 201)
  t.equal((await addColumn(as, table, 'f')).body.ordinalPosition, 11, 'after an explicit 10: 11')
  t.same(await positions(as, table), { b: 2, c: 3, d: 4, e: 10, f: 11 })
})

t.test('a position another column of the table holds: 409 ORDINAL_POSITION_TAKEN, nothing changed (POST, PUT, PATCH, /api/v2)', async (t) => {
  const { as, registry } = await build(t, { rateLimit: false })
  const before = await snapshot(registry)
  const post = await addColumn(as, 'default.tpch.orders', 'o_extra', 3)
  t.equal(post.statusCode, 409)
  t.equal(post.body.errorCode, 'ORDINAL_POSITION_TAKEN')
  t.match(post.body.detail, /ordinalPosition 3 is taken by column "o_orderstatus"/)
  t.same(post.body.parameters, ['/ordinalPosition', 'default.tpch.orders.o_orderstatus'])
  const put = await as({ method: 'PUT', url: '/api/v1/columns', headers: JSON_TYPE, payload: { name: 'o_extra', table: 'default.tpch.orders', dataType: 'INT', ordinalPosition: 1 } })
  t.equal(put.statusCode, 409)
  t.notOk(errorFormat(put))
  const v2 = await as({ method: 'POST', url: '/api/v2/catalogs/default/databases/tpch/tables/orders/columns', headers: JSON_TYPE, payload: { name: 'o_extra', dataType: 'INT', ordinalPosition: 2 } })
  t.equal(v2.statusCode, 409)
  t.equal(v2.json().result.errorCode, 'ORDINAL_POSITION_TAKEN')
  const column = await as({ method: 'GET', url: '/api/v1/columns/name/default.tpch.orders.o_comment' })
  const patch = await as({ method: 'PATCH', url: `/api/v1/columns/${String(column.json().id)}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { ordinalPosition: 1 } })
  t.equal(patch.statusCode, 409)
  t.equal(patch.json().errorCode, 'ORDINAL_POSITION_TAKEN')
  t.equal(await snapshot(registry), before, 'the store is unchanged')
  // The same position in another table, and a free one here, are fine.
  t.equal((await addColumn(as, 'default.tpch.nation', 'n_extra', 3)).statusCode, 409, 'nation has a column at 3 too')
  const moved = await as({ method: 'PATCH', url: `/api/v1/columns/${String(column.json().id)}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { ordinalPosition: 100 } })
  t.equal(moved.statusCode, 200)
  t.equal(moved.json().ordinalPosition, 100)
  const same = await as({ method: 'PATCH', url: `/api/v1/columns/${String(column.json().id)}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: { description: 'kept at 100', ordinalPosition: 100 } })
  t.equal(same.statusCode, 200, 'keeping its own position is not a conflict')
})

const unavailable = await postgresUnavailable()
t.test('PostgresStore: 24 concurrent creates without a position get 24 different numbers, 1..24', { skip: unavailable }, async (t) => {
  const schema = uniqueSchema()
  t.teardown(async () => { await dropSchema(schema) })
  const store = await openPostgresStore({ connectionString: TEST_DATABASE_URL, schema })
  const { as } = await build(t, { store, rateLimit: false })
  t.equal((await as({ method: 'POST', url: '/api/v1/tables', headers: JSON_TYPE, payload: { name: 'race', database: 'default.tpch' } })).statusCode, 201)
  const answers = await Promise.all(Array.from({ length: 24 }, async (_, i) => await addColumn(as, 'default.tpch.race', `c${i}`)))
  t.same(answers.map((a) => a.statusCode), Array(24).fill(201), 'every create succeeds')
  const numbers = answers.map((a) => a.body.ordinalPosition as number).sort((x, y) => x - y)
  t.same(numbers, Array.from({ length: 24 }, (_, i) => i + 1), 'positions 1..24, none twice')
  t.same(Object.values(await positions(as, 'default.tpch.race')).sort((x, y) => x - y), numbers, 'as stored')
  // Explicit positions racing for the same number: one wins, the others are 409.
  const racing = await Promise.all(Array.from({ length: 6 }, async (_, i) => await addColumn(as, 'default.tpch.race', `x${i}`, 50)))
  t.same(racing.map((a) => a.statusCode).sort(), [201, 409, 409, 409, 409, 409], 'one column at 50, five refused')
})
